"""Labelled articles, for fitting a topic model: read from JSONL or CSV files.

A row gives a `label` (1 / 0, true / false, yes / no) and the article in one of three ways:

- `text` (with `title`, `lead`, `language`, `date` if known): the article itself;
- `file`: a seed-format file, its path relative to the label file's folder;
- `id`: an article stored in the database (`--db`).

An optional `event` (or `story`) column groups reports of one event, so that a cross-validated
estimate never tests on an event it trained on. A `.csv` file is comma-separated, a `.tsv` file
tab-separated, anything else is read as JSON Lines.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path

from newswatch.safe_files import read_regular_text

TRUE = {"1", "true", "yes", "y", "on"}
FALSE = {"0", "false", "no", "n", "off"}


class LabelError(ValueError):
    """A label file that cannot be used; the message names the file, the row and the problem."""


@dataclass
class Labelled:
    title: str | None
    lead: str | None
    text: str
    language: str | None
    date: str | None
    label: bool
    group: str
    """The event it reports (when the file says), else a group of its own."""


def read_labels(paths: list[Path], db=None, today: Date | None = None) -> list[Labelled]:
    out: list[Labelled] = []
    for path in paths:
        path = Path(path)
        for number, row in enumerate(_rows(path), start=1):
            where = f"{path}, row {number}"
            try:
                out.append(_labelled(row, path, where, db, today))
            except LabelError:
                raise
            except (KeyError, TypeError, ValueError) as error:
                raise LabelError(f"{where}: {error}") from None
    return out


def _rows(path: Path) -> list[dict]:
    try:
        text = read_regular_text(path, "utf-8-sig")  # a spreadsheet's BOM goes
    except OSError as error:
        raise LabelError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise LabelError(f"{path}: not UTF-8") from None
    if path.suffix.lower() in (".csv", ".tsv"):
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        # The reader sees the file whole, so that a quoted text keeps its line breaks.
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    rows = []
    # JSON Lines end at "\n" only: a text may hold U+2028 and other line separators.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise LabelError(f"{path}, line {number}: not JSON: {error}") from None
        if not isinstance(row, dict):
            raise LabelError(f"{path}, line {number}: not a JSON object")
        rows.append(row)
    return rows


def _label(value, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise LabelError(f"{where}: label {value!r} is not 1/0, true/false or yes/no")


def _text(value) -> str | None:
    return None if value in (None, "") else str(value)


def _date(value, where: str) -> str | None:
    """The date as YYYY-MM-DD (what a crawl gives the model), or a clear error."""
    from newswatch.dates import parse_date

    if value in (None, ""):
        return None
    found = parse_date(str(value).strip()[:10])
    if found is None:
        raise LabelError(f"{where}: date {value!r} is not YYYY-MM-DD")
    return found.isoformat()


def _labelled(row: dict, path: Path, where: str, db, today: Date | None) -> Labelled:
    if "label" not in row:
        raise LabelError(f"{where}: no label")
    label = _label(row["label"], where)
    group = next((str(row[k]) for k in ("event", "story") if row.get(k) not in (None, "")), where)
    if row.get("text"):
        return Labelled(
            _text(row.get("title")),
            _text(row.get("lead")),
            str(row["text"]),
            _text(row.get("language")),
            _date(row.get("date"), where),
            label,
            group,
        )
    if row.get("file"):
        from newswatch.dates import utc_now
        from newswatch.seedfile import SeedFileError, read_seed_file

        try:
            article = read_seed_file(path.parent / row["file"], today or utc_now().date()).article
        except SeedFileError as error:
            raise LabelError(f"{where}: {error}") from None
        return Labelled(None, None, article.text, None, article.date, label, group)
    if row.get("id"):
        if db is None:
            raise LabelError(f"{where}: a stored id needs the database (--db)")
        found = db.execute(
            "SELECT title, lead, text, language, date FROM articles WHERE id = ?", [row["id"]]
        ).fetchone()
        if found is None:
            raise LabelError(f"{where}: no stored article {row['id']!r}")
        return Labelled(*found, label=label, group=group)
    raise LabelError(f"{where}: needs text, file or id")

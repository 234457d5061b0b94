"""The seed format: one UTF-8 text file per article, read and written here and nowhere else.

A file is named ``NNN_<16 hex>.txt``. When the publication date is known its first line starts
with `` date YYYY-MM-DD `` (a space, ``date``, a space, the date, a space) followed at once by the
first line of text; otherwise the file has no header and is text from its first byte.

``parse_seed_text`` and ``render_seed_text`` are exact inverses for every well-formed file, so a
seed read and written back is the same bytes. Rendering a crawled article gives its title, lead
and body paragraphs separated by blank lines.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

from newswatch.cleaning import clean_text
from newswatch.dates import parse_date, plausible_date
from newswatch.encodings import EncodingError, decode_bytes
from newswatch.items import Article
from newswatch.keys import content_id
from newswatch.locks import held_lock
from newswatch.safe_files import outside_folder, read_regular_file

HEADER = re.compile(r" date (\d\S{0,31}) ")  # a token that starts like a date
DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")
FILE_NAME = re.compile(r"^(\d+)_([0-9a-f]{16})\.txt$")
_HEX16 = re.compile(r"(?<![0-9a-fA-F])([0-9a-fA-F]{16})(?![0-9a-fA-F])")
NUMBER_WIDTH = 3
# No article is this long (a long one is 100 KB): a bigger file is refused unread rather than
# held in memory whole and carried through every pipeline.
MAX_SEED_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class SeedText:
    """The parts of a seed file's text."""

    body: str
    """Everything after the header (the whole text when there is none), exactly."""
    date_raw: str | None = None
    """The header's date as written, None when the file has no header."""


def parse_seed_text(text: str) -> SeedText:
    """Split a seed file's text into its header date (as written) and its body."""
    match = HEADER.match(text)
    if match is None:
        return SeedText(body=text)
    return SeedText(body=text[match.end() :], date_raw=match.group(1))


def render_seed_text(day: str | None, body: str) -> str:
    """The text of a seed file: the header when `day` is known, then `body`."""
    return f" date {day} {body}" if day else body


def article_body(article: Article) -> str:
    """Title, lead and body of `article` as seed-file paragraphs, separated by blank lines; of
    an imported file, its text as it was (a title read from that text is in it already)."""
    if article.source_file:
        return article.text
    return "\n\n".join(
        part for part in (article.title, article.lead, article.text) if part and part.strip()
    )


def article_seed_text(article: Article) -> str:
    """The seed file of `article`. An imported file whose header date was impossible or
    implausible (imported without a date) gets its header back as written, so that it
    round-trips byte for byte."""
    header = article.date
    if header is None and article.source_file and article.published_raw:
        header = (
            article.published_raw if HEADER.fullmatch(f" date {article.published_raw} ") else None
        )
    return render_seed_text(header, article_body(article))


class SeedFileError(ValueError):
    """A file that cannot be imported; `str()` names the file and the reason."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class SeedFile:
    """A seed file read from disk: the Article it carries and what was doubtful about it."""

    path: Path
    article: Article
    encoding: str
    warnings: list[str] = field(default_factory=list)


def read_seed_file(path: Path, today: date, folder: Path | None = None) -> SeedFile:
    """Read one seed-format file into an Article, keeping only what can be trusted.

    Raises SeedFileError (naming the file and the reason) for a file that cannot be read, is
    not a regular file (a FIFO would block for ever), is empty, is not text or is larger than
    MAX_SEED_BYTES, or that was found below `folder` but is a link to a file outside it. A
    doubtful part is dropped with a warning instead: an impossible or implausible header date
    (the article is imported without a date, the raw value kept in `published_raw`), a file
    name with no 16-hex id (the id is derived from the text), a windows-1251 or BOM-prefixed
    file (decoded, and the text stored as UTF-8), control characters and non-characters
    (removed: see newswatch.cleaning).
    """
    if folder is not None and outside_folder(path, folder):
        raise SeedFileError(path, f"a link to a file outside {folder}; not followed")
    try:
        data = read_regular_file(path, MAX_SEED_BYTES + 1)
    except OSError as error:
        raise SeedFileError(path, f"cannot read: {error.strerror or error}") from None
    if len(data) > MAX_SEED_BYTES:
        raise SeedFileError(
            path, f"too large: more than {MAX_SEED_BYTES // 1024 // 1024} MB, no article is"
        )
    try:
        text, encoding = decode_bytes(data)
    except EncodingError as error:
        raise SeedFileError(path, str(error)) from None
    warnings: list[str] = []
    if encoding != "utf-8":
        warnings.append(f"decoded as {encoding}; stored as UTF-8")
    cleaned = clean_text(text)
    if cleaned is not text:
        warnings.append(f"{len(text) - len(cleaned)} control characters or non-characters removed")
        text = cleaned

    seed = parse_seed_text(text)
    if not seed.body.strip():
        raise SeedFileError(
            path, "empty: no text" + (" after the date header" if seed.date_raw else "")
        )

    day = None
    if seed.date_raw is not None:
        parsed = parse_date(seed.date_raw) if DATE_SHAPE.fullmatch(seed.date_raw) else None
        if parsed is None:
            warnings.append(
                f"impossible date {seed.date_raw!r} in the header; imported without a date"
            )
        elif not plausible_date(parsed, today):
            warnings.append(
                f"implausible date {seed.date_raw} (future or before 1990); imported without a date"
            )
        else:
            day = parsed.isoformat()

    named = FILE_NAME.match(path.name)
    found = named or _HEX16.search(path.stem)
    if found:
        article_id = found.group(found.lastindex).lower()
        if not named:
            warnings.append(f"file name is not NNN_<16 hex>.txt; id {article_id} taken from it")
    else:
        article_id = content_id(seed.body)
        warnings.append(f"no 16-hex id in the file name; id {article_id} derived from the text")

    article = Article(
        id=article_id, text=seed.body, date=day, published_raw=seed.date_raw, source_file=path.name
    )
    return SeedFile(path=path, article=article, encoding=encoding, warnings=warnings)


class SeedPath(NamedTuple):
    """A file to read, and the folder it was found in (None for a file named itself)."""

    path: Path
    folder: Path | None


def iter_seed_paths(paths: Iterable[Path]) -> Iterator[SeedPath]:
    """The files named, and the `*.txt` files below each folder named (hidden files and
    folders left out), in sorted order. A path that does not exist is yielded as it is, so that
    reading it reports the error; so is a link out of its folder (read_seed_file refuses it)."""
    for path in paths:
        if path.is_dir():
            for found in sorted(
                p
                for p in path.rglob("*.txt")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ):
                yield SeedPath(found, path)
        else:
            yield SeedPath(path, None)


class SeedFolder:
    """A folder that seed files are written into: ``NNN_<id>.txt``, NNN running on from the
    highest number already there. Files appear whole or not at all (written to a temporary file,
    then linked into place) and never replace a file already there: if another writer takes a
    number first, the next one is used."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        names = [FILE_NAME.match(p.name) for p in directory.iterdir()]
        self.ids = {m.group(2) for m in names if m}
        self.number = max((int(m.group(1)) for m in names if m), default=-1) + 1
        umask = os.umask(0)
        os.umask(umask)
        self.mode = 0o666 & ~umask

    def write(self, article: Article) -> Path:
        if not article.id:
            raise ValueError("an article needs an id to be written as a seed file")
        fd, tmp_name = tempfile.mkstemp(prefix=".seed-", suffix=".tmp", dir=self.directory)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(article_seed_text(article).encode("utf-8"))
                handle.flush()
                os.fchmod(handle.fileno(), self.mode)
                os.fsync(handle.fileno())
            while True:
                target = self.directory / f"{self.number:0{NUMBER_WIDTH}d}_{article.id}.txt"
                self.number += 1
                try:
                    os.link(tmp, target)
                    self.ids.add(article.id)
                    return target
                except FileExistsError:
                    continue
        finally:
            tmp.unlink(missing_ok=True)


@contextmanager
def locked_seed_folder(directory: Path) -> Iterator[SeedFolder]:
    """`directory` as a SeedFolder that no other newswatch writes into until the block ends
    (the folder itself locked by this process; another writer waits): two exports into one
    folder then never write the same article twice under different numbers."""
    directory.mkdir(parents=True, exist_ok=True)
    with held_lock(directory, wait=True):
        yield SeedFolder(directory)


def write_seed_file(directory: Path, article: Article) -> Path:
    """Write one article into `directory` as the next ``NNN_<id>.txt`` (see SeedFolder)."""
    return SeedFolder(directory).write(article)

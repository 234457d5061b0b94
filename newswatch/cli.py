"""The `newswatch` command: import and export seed-format files, and summarise the store.

Every command that touches the database takes `--db PATH` (else NEWSWATCH_DB, else
data/newswatch.db). Errors are one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newswatch.outlets import OUTLETS
from newswatch.store import StoreError, count_articles, iter_articles, open_store, resolve_db_path

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite database [default: $NEWSWATCH_DB or data/newswatch.db].",
)
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Show the crawl log.")


def _settings(db_path: Path | None, verbose: bool):
    from newswatch.runner import project_settings

    overrides = {"LOG_LEVEL": "INFO" if verbose else "ERROR"}
    if db_path is not None:
        overrides["NEWSWATCH_DB"] = str(db_path)
    return project_settings(overrides)


def _check_store(path: Path) -> bool:
    """Open (create, migrate) the store at `path` or fail with one line; True if it is empty."""
    try:
        db = open_store(path)
    except StoreError as error:
        _fail(str(error))
    try:
        return count_articles(db) == 0
    finally:
        db.close()


def _run_import(paths: list[Path], db_path: Path | None, verbose: bool):
    """Import `paths` in a crawl of their own, preceded (when the store is new) by a crawl
    that imports the seed documents, so that each crawl's stats say what it did."""
    from newswatch.importer import ImportSpider
    from newswatch.runner import run_crawls

    settings = _settings(db_path, verbose)
    path = resolve_db_path(settings=settings)
    jobs = [(ImportSpider, {"paths": paths})]
    if _check_store(path):
        jobs.insert(0, (ImportSpider, {"paths": []}))
    try:
        crawlers = run_crawls(settings, jobs)
    except StoreError as error:
        _fail(str(error))
    for crawler in crawlers:
        if error := crawler.stats.get_value("newswatch/store/error"):
            _fail(error)
    seeded = crawlers[0].stats.get_value("newswatch/first_use/read", 0) if len(jobs) > 1 else 0
    return crawlers[-1], seeded, path


def _fail(message: str) -> None:
    click.echo(f"newswatch: {message}", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newswatch")
def main() -> None:
    """newswatch: follow one story across five news outlets, into SQLite."""


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@verbose_option
def import_(paths: tuple[Path, ...], db_path: Path | None, verbose: bool) -> None:
    """Import seed-format files (or folders of *.txt files) into the store.

    Each file goes through the same item pipelines as a crawled article. A file that cannot be
    imported is reported with the reason and changes nothing; the others still land. Exits 1
    when any file was refused.
    """
    crawler, seeded, path = _run_import(list(paths), db_path, verbose)
    spider = crawler.spider
    stats = crawler.stats.get_stats()
    for warning in spider.warnings:
        click.echo(f"warning: {warning}", err=True)
    for refusal in spider.refused:
        click.echo(f"refused: {refusal}", err=True)
    click.echo(
        f"{path}: read {stats.get('newswatch/import/read', 0)} file(s); "
        f"{stats.get('newswatch/store/new', 0)} new, "
        f"{stats.get('newswatch/store/updated', 0)} updated, "
        f"{stats.get('newswatch/store/unchanged', 0)} unchanged, "
        f"{stats.get('item_dropped_count', 0)} dropped, {len(spider.refused)} refused"
        + (f"; the new store first received the {seeded} seed documents" if seeded else "")
    )
    if spider.refused or stats.get("item_dropped_count"):
        sys.exit(1)


def _open_seeded(db_path: Path | None):
    """The store, after a first-use seed import if it holds no article yet."""
    path = resolve_db_path(db_path)
    if _check_store(path):
        _run_import([], db_path, verbose=False)
    return open_store(path), path


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--since", metavar="YYYY-MM-DD", help="Only articles dated on or after this day.")
@click.option("--outlet", type=click.Choice(list(OUTLETS)), help="Only this outlet's articles.")
@click.option("--all", "everything", is_flag=True, help="Off-topic articles too.")
@db_option
def export(
    directory: Path, since: str | None, outlet: str | None, everything: bool, db_path: Path | None
) -> None:
    """Write stored on-topic articles into DIRECTORY as seed-format files (NNN_<id>.txt).

    Numbers continue after the highest already in DIRECTORY; no file is overwritten, and an
    article whose id already has a file there is not written again. --all writes off-topic
    articles too.
    """
    from newswatch.dates import parse_date
    from newswatch.seedfile import SeedFolder

    if since and parse_date(since) is None:
        _fail(f"--since {since!r} is not a date of the form YYYY-MM-DD")
    db, _ = _open_seeded(db_path)
    try:
        folder = SeedFolder(directory)
        written = skipped = 0
        for article in iter_articles(
            db, since=since, outlet=outlet, on_topic=None if everything else True
        ):
            if article.id in folder.ids:
                skipped += 1
                continue
            folder.write(article)
            written += 1
    except OSError as error:
        _fail(f"cannot write into {directory}: {error.strerror or error}")
    finally:
        db.close()
    click.echo(
        f"{directory}: wrote {written} file(s)" + (f", {skipped} already there" if skipped else "")
    )


EXTRACT_FIELDS = (
    "id",
    "url",
    "canonical_url",
    "outlet",
    "language",
    "title",
    "lead",
    "text",
    "authors",
    "tags",
    "section",
    "published",
    "date",
    "image",
    "sources",
)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--url", required=True, help="The URL the page was fetched from.")
def extract(file: Path, url: str) -> None:
    """Extract the article from a saved page FILE, offline, and print it as one JSON object.

    The same extraction a crawl runs: structured data first, then the outlet's selectors, then
    a general extractor for the body. A file that cannot be read is one line on stderr.
    """
    import json

    from w3lib.encoding import html_to_unicode

    from newswatch.dates import utc_now
    from newswatch.extraction import ExtractionError, extract_article

    try:
        data = file.read_bytes()
    except OSError as error:
        _fail(f"cannot read {file}: {error.strerror or error}")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        _fail(f"{file}: binary data, not an HTML page")
    _, html = html_to_unicode(None, data)
    try:
        article = extract_article(html, url, now=utc_now())
    except ExtractionError as error:
        _fail(f"{file}: {error}")
    click.echo(
        json.dumps({name: getattr(article, name) for name in EXTRACT_FIELDS}, ensure_ascii=False)
    )


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--topic",
    "topic_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A topic file (repeatable) [default: the bundled topic].",
)
def classify(paths: tuple[Path, ...], topic_files: tuple[Path, ...]) -> None:
    """Score seed-format files (or folders of them) against the topic; one JSON object a line:
    file, relevance, on_topic, language, matched. No network, no database. A file that cannot
    be read is one line on stderr and the rest are still scored; exits 1 if any was refused."""
    import json

    from newswatch.dates import utc_now
    from newswatch.language import detect_language
    from newswatch.seedfile import SeedFileError, iter_seed_paths, read_seed_file
    from newswatch.topic import DEFAULT_TOPIC, TopicError, load_topic, score_text

    try:
        topics = [load_topic(p) for p in (topic_files or [DEFAULT_TOPIC])]
    except TopicError as error:
        _fail(str(error))
    refused = 0
    today = utc_now().date()
    for path in iter_seed_paths(paths):
        try:
            article = read_seed_file(path, today).article
        except SeedFileError as error:
            click.echo(f"newswatch: {error}", err=True)
            refused += 1
            continue
        language = detect_language(article.text)
        scores = [
            score_text(t, title=None, lead=None, text=article.text, language=language)
            for t in topics
        ]
        best = max(scores, key=lambda s: s.relevance)
        click.echo(
            json.dumps(
                {
                    "file": str(path),
                    "relevance": best.relevance,
                    "on_topic": any(s.on_topic for s in scores),
                    "language": language,
                    "matched": {s.topic: s.matched for s in scores}
                    if len(scores) > 1
                    else best.matched,
                },
                ensure_ascii=False,
            )
        )
    if refused:
        sys.exit(1)


@main.command()
@db_option
def summary(db_path: Path | None) -> None:
    """Print what the store holds: articles by outlet and language, and the dates covered."""
    db, path = _open_seeded(db_path)
    try:
        total = count_articles(db)
        by = {
            column: db.execute(
                f"SELECT coalesce({column}, 'unknown') AS k, count(*) AS n FROM articles "
                "GROUP BY k ORDER BY n DESC, k"
            ).fetchall()
            for column in ("outlet", "language")
        }
        dated, first, last, on_topic = db.execute(
            "SELECT count(date), min(date), max(date), coalesce(sum(on_topic), 0) FROM articles"
        ).fetchone()
    finally:
        db.close()

    def line(rows) -> str:
        return ", ".join(f"{k} {n}" for k, n in rows)

    click.echo(f"newswatch store {path}")
    click.echo(f"  articles:    {total}, on the topic: {on_topic}")
    click.echo(f"  by outlet:   {line(by['outlet'])}")
    click.echo(f"  by language: {line(by['language'])}")
    if dated:
        click.echo(f"  dated:       {dated}, from {first} to {last}")
    click.echo(f"Browse it: datasette {path}")


if __name__ == "__main__":
    main()

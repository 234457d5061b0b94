"""Files in and out, no crawl of the web: `import` and `export` of seed-format files, `extract`
(a saved page to JSON) and `classify` (seed-format files scored against the topic)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newswatch.cli import main
from newswatch.cli.common import (
    _fail,
    _open_existing,
    _run_import,
    db_option,
    topic_option,
    verbose_option,
)
from newswatch.outlets import OUTLETS
from newswatch.store import iter_articles


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@verbose_option
def import_(paths: tuple[Path, ...], db_path: Path | None, verbose: bool) -> None:
    """Import seed-format files (or folders of *.txt files) into the store.

    Each file goes through the same item pipelines as a crawled article. A file that cannot be
    imported is reported with the reason and changes nothing; the others still land. Exits 1
    when any file was refused, or when the import was stopped (SIGTERM, Ctrl-C) before it read
    every file.
    """
    crawler, seeded, path = _run_import(list(paths), db_path, verbose)
    spider = crawler.spider
    stats = crawler.stats.get_stats()
    for warning in spider.warnings:
        click.echo(f"warning: {warning}", err=True)
    for refusal in spider.refused:
        click.echo(f"refused: {refusal}", err=True)
    # Seed documents are counted apart (never news): those of the files named, not the ones a
    # new store received first.
    outcomes = ("new", "updated", "unchanged")
    seed_files = sum(stats.get(f"newswatch/store/seed/{o}", 0) for o in outcomes) - stats.get(
        "newswatch/first_use/read", 0
    )
    click.echo(
        f"{path}: read {stats.get('newswatch/import/read', 0)} file(s); "
        f"{stats.get('newswatch/store/new', 0)} new, "
        f"{stats.get('newswatch/store/updated', 0)} updated, "
        f"{stats.get('newswatch/store/unchanged', 0)} unchanged, "
        + (f"{seed_files} seed document(s), " if seed_files > 0 else "")
        + f"{stats.get('item_dropped_count', 0)} dropped, {len(spider.refused)} refused"
        + (f"; the new store first received the {seeded} seed documents" if seeded else "")
    )
    if (reason := stats.get("finish_reason")) != "finished":
        _fail(f"the import was stopped ({reason}) before it read every file")
    if spider.refused or stats.get("item_dropped_count"):
        sys.exit(1)


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
    article whose id already has a file there is not written again. Exports into one folder
    take turns (each locks the folder; no file is left in it). --all writes off-topic
    articles too.
    """
    from newswatch.dates import parse_date
    from newswatch.seedfile import locked_seed_folder

    if since and parse_date(since) is None:
        _fail(f"--since {since!r} is not a date of the form YYYY-MM-DD")
    db, _ = _open_existing(db_path)
    written = skipped = 0
    try:
        with locked_seed_folder(directory) as folder:
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

    from newswatch.cleaning import clean_article
    from newswatch.dates import utc_now
    from newswatch.encodings import decode_page
    from newswatch.extraction import ExtractionError, extract_article
    from newswatch.safe_files import read_regular_file

    try:
        data = read_regular_file(file)
    except OSError as error:
        _fail(f"cannot read {file}: {error.strerror or error}")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        _fail(f"{file}: binary data, not an HTML page")
    declared, html = html_to_unicode(None, data)
    html, _ = decode_page(data, declared, html)  # as a crawl checks the declared charset
    try:
        article = extract_article(html, url, now=utc_now())
    except ExtractionError as error:
        _fail(f"{file}: {error}")
    clean_article(article)
    click.echo(
        json.dumps({name: getattr(article, name) for name in EXTRACT_FIELDS}, ensure_ascii=False)
    )


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@topic_option("the bundled topic")
def classify(paths: tuple[Path, ...], topic_files: tuple[Path, ...]) -> None:
    """Score seed-format files (or folders of them) against the topic; one JSON object a line:
    file, relevance, on_topic, language, matched. No network, no database. A file that cannot
    be read is one line on stderr and the rest are still scored; exits 1 if any was refused."""
    import json

    from newswatch.dates import utc_now
    from newswatch.language import detect_language
    from newswatch.seedfile import SeedFileError, iter_seed_paths, read_seed_file
    from newswatch.topic import TopicError, load_topics, score_text

    try:
        topics = load_topics(topic_files)
    except TopicError as error:
        _fail(str(error))
    refused = 0
    today = utc_now().date()
    for path, folder in iter_seed_paths(paths):
        try:
            article = read_seed_file(path, today, folder).article
        except SeedFileError as error:
            click.echo(f"newswatch: {error}", err=True)
            refused += 1
            continue
        language = detect_language(article.text)
        scores = [
            score_text(
                t, title=None, lead=None, text=article.text, language=language, date=article.date
            )
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
                    "matched": {s.topic: s.explained for s in scores}
                    if len(scores) > 1
                    else best.explained,
                },
                ensure_ascii=False,
            )
        )
    if refused:
        sys.exit(1)

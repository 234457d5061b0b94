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
    from newswatch.seeds import store_is_empty

    try:
        return store_is_empty(path)
    except StoreError as error:
        _fail(str(error))


def _run_import(paths: list[Path], db_path: Path | None, verbose: bool):
    """Import `paths` in a crawl of their own, preceded (when the store is new) by a crawl
    that imports the seed documents, so that each crawl's stats say what it did."""
    from newswatch.importer import ImportSpider
    from newswatch.runner import run_crawls

    settings = _settings(db_path, verbose)
    path = resolve_db_path(settings=settings)
    jobs = [(ImportSpider, {"paths": paths})]
    if paths and _check_store(path):  # with no paths, the one crawl is the seed import
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
    from newswatch.topic import TopicError, load_topics, score_text

    try:
        topics = load_topics(topic_files)
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


def _crawl(
    outlets: list[str],
    db_path: Path | None,
    *,
    replay: Path | None = None,
    capture: Path | None = None,
    since: str | None = None,
    verbose: bool = False,
):
    """Crawl `outlets` one after the other in this process; their crawlers."""
    from scrapy.spiderloader import SpiderLoader

    from newswatch.runner import run_crawls

    settings = _settings(db_path, verbose)
    if replay is not None:
        settings.set("NEWSWATCH_REPLAY", str(replay), priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")  # nobody to spare
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    if capture is not None:
        settings.set("NEWSWATCH_CAPTURE", str(capture), priority="cmdline")
    _check_store(resolve_db_path(settings=settings))
    loader = SpiderLoader.from_settings(settings)
    arguments = {"since": since} if since else {}
    try:
        return run_crawls(settings, [(loader.load(name), arguments) for name in outlets])
    except (StoreError, ValueError) as error:
        _fail(str(error))


@main.command()
@click.argument("outlets", nargs=-1, type=click.Choice(list(OUTLETS)))
@click.option(
    "--replay",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Answer every request from this fixtures folder, with no network.",
)
@click.option(
    "--capture",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save every response into this folder as fixtures.",
)
@click.option("--since", metavar="YYYY-MM-DD", help="Backfill: walk archives back to this day.")
@db_option
@verbose_option
def crawl(
    outlets: tuple[str, ...],
    replay: Path | None,
    capture: Path | None,
    since: str | None,
    db_path: Path | None,
    verbose: bool,
) -> None:
    """Crawl OUTLETS (all five when none is named) into the store, one after the other."""
    crawlers = _crawl(
        list(outlets) or list(OUTLETS),
        db_path,
        replay=replay,
        capture=capture,
        since=since,
        verbose=verbose,
    )
    for crawler in crawlers:
        stats = crawler.stats.get_stats()
        click.echo(
            f"{crawler.spider.name:12} {stats.get('finish_reason', '?'):9} "
            f"{stats.get('downloader/request_count', 0):4} requests, "
            f"{stats.get('newswatch/store/new', 0):3} new, "
            f"{stats.get('newswatch/store/new_on_topic', 0):3} on the topic, "
            f"{stats.get('newswatch/skipped/known', 0):3} already stored"
            + (
                f", {stats['newswatch/replay/miss']} replay misses"
                if stats.get("newswatch/replay/miss")
                else ""
            )
        )


@main.command()
@db_option
@verbose_option
def demo(db_path: Path | None, verbose: bool) -> None:
    """Replay a crawl of all five outlets from the bundled demo pages (newswatch/demo/, no
    network) into data/demo.db (or --db), apart from the monitor's own store, and summarise
    what it holds. Running it again adds nothing."""
    from newswatch.fixtures import DEMO_DIR

    db_path = db_path or Path("data/demo.db")  # apart from the monitor's own store
    path = resolve_db_path(db_path)
    crawlers = _crawl(list(OUTLETS), db_path, replay=DEMO_DIR, verbose=verbose)
    new = sum(c.stats.get_value("newswatch/store/new", 0) for c in crawlers)
    fetched = sum(c.stats.get_value("newswatch/extraction/pages", 0) for c in crawlers)
    db = open_store(path)
    try:
        per_outlet = db.execute(
            "SELECT outlet, count(*), sum(on_topic) FROM articles WHERE outlet IS NOT NULL "
            "GROUP BY outlet ORDER BY outlet"
        ).fetchall()
        on_topic = db.execute("SELECT count(*) FROM on_topic_articles").fetchone()[0]
        stories = db.execute(
            "SELECT title, articles, outlets, languages FROM stories WHERE articles > 1 "
            "AND on_topic = 1 ORDER BY first_published"
        ).fetchall()
        total = count_articles(db)
    finally:
        db.close()
    click.echo(f"demo crawl: {fetched} article pages fetched, {new} new articles stored")
    click.echo(f"store {path}: {total} articles, {on_topic} on the topic (copies folded)")
    for outlet, count, topical in per_outlet:
        click.echo(f"  {outlet:12} {count:3} articles, {topical or 0:3} on the topic")
    if stories:
        click.echo("stories covered by more than one article:")
        for title, articles, outlets, languages in stories:
            click.echo(f"  {articles} articles ({outlets}; {languages}): {(title or '')[:70]}")
    click.echo(f"Open it in Datasette:  newswatch serve --db {path}")


@main.command()
@click.option("--last", default=3, show_default=True, help="Crawls shown per outlet.")
@db_option
def status(last: int, db_path: Path | None) -> None:
    """The latest crawls of each outlet, and which outlets look broken: recent crawls that
    fetched article pages but stored no article, required fields missing, or failed crawls."""
    path = resolve_db_path(db_path)
    if not path.is_file():
        _fail(f"no database at {path}: nothing has been crawled into it")
    try:
        db = open_store(path)
    except StoreError as error:
        _fail(str(error))
    unhealthy = []
    try:
        for outlet in OUTLETS:
            rows = db.execute(
                "SELECT started, status, requests, article_pages, articles_new, "
                "articles_updated, articles_on_topic, no_article, missing_fields, errors "
                "FROM crawls WHERE outlet = ? ORDER BY started DESC, id DESC LIMIT ?",
                [outlet, last],
            ).fetchall()
            problems = _health(rows)
            flag = "UNHEALTHY" if problems else ("ok" if rows else "never crawled")
            click.echo(f"{outlet:12} {flag}" + (f": {'; '.join(problems)}" if problems else ""))
            for started, state, requests, pages, new, updated, topical, *_ in rows:
                click.echo(
                    f"  {started}  {state:10} {requests or 0:4} requests "
                    f"{pages or 0:3} article pages {new or 0:3} new "
                    f"{updated or 0:3} updated {topical or 0:3} on the topic"
                )
            if problems:
                unhealthy.append(outlet)
    finally:
        db.close()
    if unhealthy:
        sys.exit(2)


def _health(rows) -> list[str]:
    """What is wrong with an outlet, judged on its latest crawls (newest first)."""
    import json

    problems = []
    if rows and all(r[1] not in ("finished", "shutdown", "closespider_itemcount") for r in rows):
        problems.append(f"the latest crawls did not finish ({rows[0][1]})")
    pages = sum(r[3] or 0 for r in rows)
    failed = sum(r[7] or 0 for r in rows)
    if pages and failed >= max(1, pages / 2):
        problems.append(
            f"{failed} of {pages} article pages fetched gave no article extracted: "
            "has the layout changed?"
        )
    missing: dict[str, int] = {}
    for row in rows:
        for name, count in json.loads(row[8] or "{}").items():
            missing[name] = missing.get(name, 0) + count
    if missing:
        problems.append("articles without " + ", ".join(f"{k} ({v})" for k, v in missing.items()))
    return problems


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def schedule(ctx: click.Context) -> None:
    """Run the monitoring daemon (the same as `python scheduler.py`; its options: --once,
    --db PATH, --replay DIR, --config FILE, --no-capture)."""
    from newswatch.daemon import main as daemon_main

    sys.exit(daemon_main(ctx.args))


@main.command()
@click.argument("captured", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("goldens", type=click.Path(file_okay=False, path_type=Path))
def golden(captured: Path, goldens: Path) -> None:
    """Turn captured article pages (a fixtures folder) into regression tests: for each, a golden
    expected output GOLDENS/<outlet>/<name>.json and its body GOLDENS/<outlet>/<name>.body.txt,
    written from what newswatch extracts now: review them, then tests/test_extraction_golden.py
    compares every later extraction with them (copy them under tests/golden/captured/)."""
    import json

    from w3lib.encoding import html_to_unicode

    from newswatch.extraction import ExtractionError, extract_article
    from newswatch.fixtures import load_fixtures

    written = 0
    for url, fixture in sorted(load_fixtures([captured]).items()):
        if fixture.page_kind != "article" or fixture.status != 200:
            continue
        try:
            article = extract_article(html_to_unicode(None, fixture.body)[1], url)
        except ExtractionError as error:
            click.echo(f"skipped {fixture.body_path}: {error}", err=True)
            continue
        paragraphs = article.text.split("\n\n")
        out = goldens / (article.outlet or "unknown")
        out.mkdir(parents=True, exist_ok=True)
        stem = fixture.body_path.stem
        (out / f"{stem}.json").write_text(
            json.dumps(
                {
                    "fixture": str(fixture.body_path),
                    "url": url,
                    "canonical_url": article.canonical_url,
                    "outlet": article.outlet,
                    "language": article.language,
                    "title": article.title,
                    "lead": article.lead,
                    "first_paragraph": paragraphs[0],
                    "last_paragraph": paragraphs[-1],
                    "paragraph_count": len(paragraphs),
                    "boilerplate": [],
                    "authors": article.authors,
                    "tags": article.tags,
                    "section": article.section,
                    "published": article.published,
                    "date": article.date,
                    "image": article.image,
                    "notes": ["written by `newswatch golden` from a captured page: review by hand"],
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        (out / f"{stem}.body.txt").write_text(article.text, encoding="utf-8")
        written += 1
    click.echo(f"{goldens}: {written} golden outputs written; review them before committing")


@main.command()
@click.option("--port", default=8001, show_default=True, help="Port to listen on.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on: 127.0.0.1, this machine only, unless you choose.",
)
@db_option
def serve(port: int, host: str, db_path: Path | None) -> None:
    """Open the store in Datasette, with newswatch's metadata (descriptions, newest-first
    sorting, facets, canned queries, the Atom feed at /<db>/feed.atom). Read-only: Datasette
    runs SELECT queries only."""
    import os
    import tempfile

    from newswatch.datasette.metadata import write_metadata
    from newswatch.lemmas import cache_dir

    path = resolve_db_path(db_path)
    _check_store(path)  # create and migrate it first, so Datasette sees the whole schema
    name = f"datasette-metadata-{path.stem}.json"
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        metadata = write_metadata(folder / name, path.stem)
    except OSError:
        metadata = write_metadata(Path(tempfile.mkdtemp(prefix="newswatch-")) / name, path.stem)
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(path),
        "-m",
        str(metadata),
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "3000",
    ]
    click.echo(f"newswatch in Datasette: http://{host}:{port}/{path.stem}")
    sys.stdout.flush()
    # Datasette takes this process's place: a SIGTERM or Ctrl-C (a supervisor stopping the
    # service) reaches the server itself, and no server is left running without its parent.
    os.execv(sys.executable, command)


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write.",
)
@click.option("--days", default=30, show_default=True, help="Days back from the newest article.")
@db_option
def report(out: Path, days: int, db_path: Path | None) -> None:
    """Write a self-contained HTML page charting on-topic articles per outlet per day."""
    from datetime import date

    from newswatch.report import coverage, render

    db, path = _open_seeded(db_path)
    try:
        newest = db.execute("SELECT max(date) FROM on_topic_articles").fetchone()[0]
        dates, counts = coverage(db, days, date.fromisoformat(newest) if newest else date.today())
    finally:
        db.close()
    out.write_text(render(dates, counts, f"newswatch coverage: {path.name}"), encoding="utf-8")
    total = sum(n for c in counts.values() for n in c.values())
    click.echo(f"{out}: {total} on-topic articles over {days} days")


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
    click.echo(f"Browse it in Datasette: newswatch serve --db {path}")


if __name__ == "__main__":
    main()

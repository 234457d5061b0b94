"""Crawling the outlets: `crawl`, `demo` (a replayed crawl of the bundled pages), `schedule`
(the monitoring daemon) and `golden` (captured pages into regression tests)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newswatch.cli import main
from newswatch.cli.common import (
    _check_store,
    _crawl_settings,
    _fail,
    _fail_if_lost,
    backfill_day,
    db_option,
    folder_to_write,
    settings_option,
    verbose_option,
)
from newswatch.outlet_lock import ALREADY_RUNNING_EXIT, CrawlAlreadyRunning
from newswatch.outlets import OUTLETS
from newswatch.store import StoreError, count_articles, open_store, resolve_db_path
from newswatch.store.definitions import on_topic_by_outlet, on_topic_count, on_topic_story_count


def _crawl(
    outlets: list[str],
    db_path: Path | None,
    *,
    replay: Path | None = None,
    capture: Path | None = None,
    since: str | None = None,
    verbose: bool = False,
    overrides: dict[str, str] | None = None,
):
    """Crawl `outlets` one after the other in this process: (the crawlers of the crawls that
    ran, whether an outlet was refused). An outlet that another process is crawling into the
    same store is not crawled, and said so in one line on stderr; the command then ends with
    ALREADY_RUNNING_EXIT (unless something failed)."""
    from scrapy.spiderloader import SpiderLoader

    from newswatch.runner import run_crawls

    settings = _crawl_settings(
        db_path, verbose, replay=replay, capture=capture, overrides=overrides
    )
    _check_store(resolve_db_path(settings=settings))
    loader = SpiderLoader.from_settings(settings)
    arguments = {"since": since} if since else {}
    refused: list[CrawlAlreadyRunning] = []
    try:
        crawlers = run_crawls(
            settings, [(loader.load(name), arguments) for name in outlets], refused
        )
    except (StoreError, ValueError) as error:
        _fail(str(error))
    for refusal in refused:
        click.echo(f"newswatch: {refusal}", err=True)
    busy = {refusal.outlet for refusal in refused}
    return [c for c in crawlers if c.spider.name not in busy], bool(refused)


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
    callback=folder_to_write,
    help="Save every response into this folder as fixtures.",
)
@click.option(
    "--since",
    metavar="YYYY-MM-DD",
    callback=backfill_day,
    help="Backfill: walk archives back to this day (1990 or later).",
)
@click.option(
    "--writer",
    type=click.Choice(["inline", "process"]),  # StorePipeline's WRITERS (Scrapy not imported)
    help="Who writes the store: the crawl's process (inline), or a writer process of its "
    "own, on a second core (process: faster when the crawl is CPU-bound, as a replay is; "
    "more memory). Default: the setting NEWSWATCH_WRITER, inline.",
)
@settings_option
@db_option
@verbose_option
def crawl(
    outlets: tuple[str, ...],
    replay: Path | None,
    capture: Path | None,
    since: str | None,
    writer: str | None,
    overrides: dict[str, str],
    db_path: Path | None,
    verbose: bool,
) -> None:
    """Crawl OUTLETS (all five when none is named) into the store, one after the other.

    An outlet that another process is crawling into the same store is left out with one line
    on stderr (exit status 75). Exits 1 when an article could not be stored, or when a crawl
    did not finish (stopped by a signal, or by an error)."""
    crawlers, refused = _crawl(
        list(outlets) or list(OUTLETS),
        db_path,
        replay=replay,
        capture=capture,
        since=since,
        verbose=verbose,
        overrides={**overrides, **({"NEWSWATCH_WRITER": writer} if writer else {})},
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
    _fail_if_lost(crawlers)
    if any(c.stats.get_value("finish_reason") != "finished" for c in crawlers):
        sys.exit(1)
    if refused:
        sys.exit(ALREADY_RUNNING_EXIT)


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
    crawlers, refused = _crawl(list(OUTLETS), db_path, replay=DEMO_DIR, verbose=verbose)
    if refused:
        sys.exit(ALREADY_RUNNING_EXIT)
    new = sum(c.stats.get_value("newswatch/store/new", 0) for c in crawlers)
    fetched = sum(c.stats.get_value("newswatch/extraction/pages", 0) for c in crawlers)
    db = open_store(path)
    try:
        per_outlet = db.execute(
            "SELECT coalesce(outlet, 'unknown') AS o, count(*) FROM articles GROUP BY o ORDER BY o"
        ).fetchall()
        topical = on_topic_by_outlet(db)
        on_topic = on_topic_count(db)
        story_count = on_topic_story_count(db)
        stories = db.execute(
            "SELECT title, articles, outlets, languages FROM on_topic_stories "
            "WHERE articles > 1 ORDER BY first_published"
        ).fetchall()
        total = count_articles(db)
    finally:
        db.close()
    click.echo(f"demo crawl: {fetched} article pages fetched, {new} new articles stored")
    click.echo(
        f"store {path}: {total} articles, {on_topic} on the topic (copies folded) "
        f"in {story_count} stories"
    )
    for outlet, count in per_outlet:
        click.echo(f"  {outlet:12} {count:3} articles, {topical.get(outlet, 0):3} on the topic")
    if stories:
        click.echo("stories covered by more than one article:")
        for title, articles, outlets, languages in stories:
            click.echo(f"  {articles} articles ({outlets}; {languages}): {(title or '')[:70]}")
    click.echo(f"Open it in Datasette:  newswatch serve --db {path}")
    _fail_if_lost(crawlers)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def schedule(ctx: click.Context) -> None:
    """Run the monitoring daemon (the same as `python scheduler.py`; its options: --once,
    --db PATH, --replay DIR, --config FILE, --no-capture)."""
    from newswatch.daemon import main as daemon_main

    sys.exit(daemon_main(ctx.args))


@main.command()
@click.argument("captured", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument(
    "goldens", type=click.Path(file_okay=False, path_type=Path), callback=folder_to_write
)
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

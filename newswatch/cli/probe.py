"""`probe`: first contact with the live sites, each edition's listings and newest articles
fetched, extracted and reported, nothing stored (the logic is in newswatch/probe.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newswatch.cli import main
from newswatch.cli.common import _fail, folder_to_write, settings_option, verbose_option
from newswatch.outlets import OUTLETS


@main.command()
@click.argument("outlets", nargs=-1, type=click.Choice(list(OUTLETS)))
@click.option(
    "--limit",
    type=click.IntRange(1, 50),
    default=5,
    show_default=True,
    help="The newest articles fetched per edition.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("fixtures/probe"),
    show_default=True,
    callback=folder_to_write,
    help="Save every response here as fixtures, ready for `newswatch golden`.",
)
@settings_option
@verbose_option
def probe(
    outlets: tuple[str, ...], limit: int, out: Path, overrides: dict[str, str], verbose: bool
) -> None:
    """Check that OUTLETS (all five when none is named) can be crawled: each edition's feeds
    and news sitemaps, and its LIMIT newest articles, fetched politely (robots.txt, the
    project's User-Agent and delays) and extracted, with nothing stored. Prints a table per
    outlet; exits 1 when an edition does not work."""
    from scrapy.spiderloader import SpiderLoader

    from newswatch.probe import probe_settings, probe_spider, render
    from newswatch.runner import project_settings, run_crawls

    settings = probe_settings(
        project_settings({"LOG_LEVEL": "INFO" if verbose else "ERROR", **overrides}), out
    )
    loader = SpiderLoader.from_settings(settings)
    jobs = [(probe_spider(loader.load(name)), {"limit": limit}) for name in outlets or OUTLETS]
    try:
        crawlers = run_crawls(settings, jobs)
    except ValueError as error:
        _fail(str(error))
    failed = False
    for crawler in crawlers:
        editions = list(crawler.spider.editions.values())
        click.echo(render(crawler.spider.name, editions))
        failed = failed or any(e.problems() for e in editions)
    click.echo(f"fixtures saved under {out} (`newswatch golden {out} GOLDENS` makes goldens)")
    if failed:
        sys.exit(1)

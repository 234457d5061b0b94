"""Crawl workers sharing Redis: `worker` (crawl what the jobs ask, push the articles) and
`enqueue` (ask the workers for a crawl, as the daemon does with NEWSWATCH_REDIS set)."""

from __future__ import annotations

from pathlib import Path

import click

from newswatch.cli import main
from newswatch.cli.common import (
    _crawl_settings,
    _fail,
    redis_option,
    settings_option,
    verbose_option,
)
from newswatch.outlets import OUTLETS

CLEAN_ENDS = frozenset({"idle", "shutdown", "finished"})


def _connect(redis_url: str | None):
    """A client of the Redis at `redis_url` that answered, its keys and its URL; or fail with
    one line."""
    from newswatch.scaleout.client import RedisFailure, connect, redis_failures

    url = redis_url
    if not url:
        _fail("no Redis named: give --redis redis://HOST:PORT/DB or set NEWSWATCH_REDIS")
    try:
        client, keys = connect(url)
        with redis_failures(url):
            client.ping()
    except ValueError as error:  # not a Redis URL
        _fail(f"--redis: {error}")
    except RedisFailure as error:
        _fail(str(error))
    return client, keys, url


@main.command()
@click.argument("outlets", nargs=-1, type=click.Choice(list(OUTLETS)))
@redis_option("The Redis the workers, the writer and the daemon share")
@click.option(
    "--idle-exit",
    type=click.FloatRange(min=0, min_open=True),
    metavar="S",
    default=None,
    help="Stop once S seconds have passed with no crawl job and nothing queued [default: never].",
)
@click.option(
    "--replay",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Answer every request from this fixtures folder, with no network.",
)
@settings_option
@verbose_option
def worker(
    outlets: tuple[str, ...],
    redis_url: str | None,
    idle_exit: float | None,
    replay: Path | None,
    overrides: dict[str, str],
    verbose: bool,
) -> None:
    """Crawl OUTLETS (all five when none is named) as a worker sharing Redis: take the crawl
    jobs the daemon (or `newswatch enqueue`) queues, share the request queue and duplicate
    filter with the other workers, and push the articles for `newswatch writer`. It never
    opens the SQLite store. Start as many as wanted, on any machine that reaches Redis.

    Runs until stopped (SIGTERM or Ctrl-C: what is in flight is finished and pushed, what is
    queued stays for the other workers; exit 0), or with --idle-exit until idle that long.
    Exits 1, with one line, when Redis goes away: nothing is lost, start it again once Redis
    is back."""
    from scrapy.spiderloader import SpiderLoader

    from newswatch.scaleout import outage
    from newswatch.scaleout.client import describe
    from newswatch.scaleout.worker import run_workers, worker_settings

    client, _, url = _connect(redis_url)
    client.close()
    idle = {} if idle_exit is None else {"NEWSWATCH_WORKER_IDLE_EXIT": idle_exit}
    settings = _crawl_settings(None, verbose, replay=replay, overrides={**idle, **overrides})
    settings = worker_settings(settings, url)
    loader = SpiderLoader.from_settings(settings)
    try:
        crawlers, failures = run_workers(settings, [loader.load(o) for o in outlets or OUTLETS])
    except ValueError as error:  # a setting refused (NEWSWATCH_REPLAY, the window)
        _fail(str(error))
    if not (error := outage.unavailable()):
        for failure in failures:
            if failure.check(*outage.REDIS_ERRORS):
                error = str(failure.value)
    if error:
        _fail(
            f"Redis at {describe(url)} went away ({error}); the worker stopped. Nothing is "
            "lost: what was listed stays pending in Redis; start the worker again once Redis "
            "is back"
        )
    if failures:
        _fail(f"a worker crawl could not start: {failures[0].getErrorMessage()}")
    for crawler in crawlers:
        stats = crawler.stats.get_stats()
        click.echo(
            f"{crawler.spider.name:12} {stats.get('finish_reason', '?'):9} "
            f"{stats.get('newswatch/worker/jobs', 0):3} jobs, "
            f"{stats.get('downloader/request_count', 0):4} requests, "
            f"{stats.get('newswatch/push/articles', 0):3} articles pushed, "
            f"{stats.get('newswatch/skipped/known', 0):3} already stored"
        )
    if bad := [c for c in crawlers if c.stats.get_value("finish_reason") not in CLEAN_ENDS]:
        reasons = ", ".join(f"{c.spider.name} {c.stats.get_value('finish_reason')}" for c in bad)
        _fail(f"a worker crawl ended badly: {reasons}")
    lost = sum(c.stats.get_value("newswatch/lost", 0) for c in crawlers)
    if lost:
        _fail(f"{lost} article{'' if lost == 1 else 's'} could not be pushed (the log says why)")


@main.command()
@click.argument("outlets", nargs=-1, type=click.Choice(list(OUTLETS)))
@redis_option("The Redis the workers share")
def enqueue(outlets: tuple[str, ...], redis_url: str | None) -> None:
    """Ask the workers for a crawl of OUTLETS (all five when none is named): a crawl job per
    outlet, which one worker takes (what the daemon does on schedule with NEWSWATCH_REDIS)."""
    from newswatch.scaleout.jobs import push_job

    client, keys, _ = _connect(redis_url)
    for outlet in outlets or OUTLETS:
        job = push_job(client, keys, outlet)
        click.echo(f"{outlet:12} job {job['id']} queued")
    client.close()

"""What the store holds and how the crawls fare: `status` (outlet health), `summary` and
`report` (an HTML chart of coverage)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newswatch.alerts.select import failed_deliveries
from newswatch.cli import main
from newswatch.cli.common import (
    _fail,
    _open_existing,
    db_option,
    file_to_write,
    write_text_file,
)
from newswatch.outlets import OUTLETS
from newswatch.store import StoreError, count_articles, open_store, resolve_db_path
from newswatch.store.definitions import (
    news,
    on_topic_by_outlet,
    on_topic_count,
    on_topic_story_count,
)

MAX_REPORT_DAYS = 3660  # ten years a chart: a sane bound on a page of one bar group a day
FINISHED = ("finished", "shutdown", "closespider_itemcount", "blocked")


@main.command()
@click.option(
    "--last", type=click.IntRange(min=1), default=3, show_default=True, help="Crawls per outlet."
)
@db_option
def status(last: int, db_path: Path | None) -> None:
    """The latest crawls of each outlet, and which outlets look broken: recent crawls that
    fetched article pages but stored no article, required fields missing, articles that could
    not be stored, crawls that failed or died, or an outlet that refuses newswatch (blocked)."""
    from newswatch.store.crawls import crawl_state

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
            rows = [
                (started, crawl_state(state, pid, host), *rest)
                for started, state, pid, host, *rest in db.execute(
                    "SELECT started, status, pid, host, requests, article_pages, articles_new, "
                    "articles_updated, articles_on_topic, no_article, missing_fields, errors, "
                    "blocked, blocked_reason, "
                    "coalesce(json_extract(stats, '$.\"newswatch/lost\"'), 0) "
                    "+ coalesce(json_extract(stats, '$.\"newswatch/store/errors\"'), 0) "
                    "FROM crawls WHERE outlet = ? ORDER BY started DESC, id DESC LIMIT ?",
                    [outlet, last],
                ).fetchall()
            ]
            blocked = _blocked(outlet, rows)
            problems = _health(rows)
            flag = (
                "BLOCKED"
                if blocked
                else "UNHEALTHY"
                if problems
                else ("ok" if rows else "never crawled")
            )
            problems = [*blocked, *problems]
            click.echo(f"{outlet:12} {flag}" + (f": {'; '.join(problems)}" if problems else ""))
            for started, state, requests, pages, new, updated, topical, *_ in rows:
                click.echo(
                    f"  {started}  {state:10} {requests or 0:4} requests "
                    f"{pages or 0:3} article pages {new or 0:3} new "
                    f"{updated or 0:3} updated {topical or 0:3} on the topic"
                )
            if problems:
                unhealthy.append(outlet)
        for line in failed_deliveries(db):
            click.echo(line)
    finally:
        db.close()
    if unhealthy:
        sys.exit(2)


def _blocked(outlet: str, rows) -> list[str]:
    """Why the outlet's latest finished crawl was blocked, with what to do about it."""
    latest = next((r for r in rows if r[1] != "running"), None)
    if latest is None or latest[1] != "blocked":
        return []
    return [
        f"blocked: {latest[10] or 0} responses refused ({latest[11]}); the site refuses this "
        f"network: crawl it through a proxy, NEWSWATCH_PROXY_{outlet.upper()}=http://host:port"
    ]


def _health(rows) -> list[str]:
    """What is wrong with an outlet, judged on its latest crawls (newest first); a crawl still
    running is not judged."""
    import json

    rows = [r for r in rows if r[1] != "running"]
    problems = []
    if rows and rows[0][1] == "died":
        problems.append(
            "the latest crawl died: its process is gone and it never recorded its end "
            "(killed? out of memory?)"
        )
    elif rows and all(r[1] not in FINISHED for r in rows):
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
    if lost := sum(r[12] for r in rows):
        problems.append(f"{lost} article{'' if lost == 1 else 's'} could not be stored")
    return problems


@main.command()
@click.option(
    "--out",
    default="report.html",
    show_default=True,
    callback=file_to_write,
    help="The HTML file to write (its folder is created).",
)
@click.option(
    "--days",
    type=click.IntRange(1, MAX_REPORT_DAYS),
    default=30,
    show_default=True,
    help="Days back from the newest article.",
)
@db_option
def report(out: Path, days: int, db_path: Path | None) -> None:
    """Write a self-contained HTML page charting on-topic articles per outlet per day."""
    from datetime import date

    from newswatch.report import coverage, render

    db, path = _open_existing(db_path)
    try:
        newest, undated = db.execute(
            "SELECT max(date), count(*) - count(date) FROM on_topic_articles"
        ).fetchone()
        dates, counts = coverage(db, days, date.fromisoformat(newest) if newest else date.today())
        total = on_topic_count(db)
    finally:
        db.close()
    write_text_file(out, render(dates, counts, f"newswatch coverage: {path.name}"))
    charted = sum(n for c in counts.values() for n in c.values())
    click.echo(
        f"{out}: {charted} on-topic articles over {days} days, of {total} on the topic in the "
        f"store ({undated} undated)"
    )


@main.command()
@db_option
def summary(db_path: Path | None) -> None:
    """Print what the store holds: articles by outlet and language, and the dates covered."""
    db, path = _open_existing(db_path)
    try:
        total = count_articles(db)
        by = {
            column: db.execute(
                f"SELECT coalesce({column}, 'unknown') AS k, count(*) AS n FROM articles "
                "GROUP BY k ORDER BY n DESC, k"
            ).fetchall()
            for column in ("outlet", "language")
        }
        dated, first, last = db.execute(
            "SELECT count(date), min(date), max(date) FROM articles"
        ).fetchone()
        on_topic, topical, stories = (
            on_topic_count(db),
            on_topic_by_outlet(db),
            on_topic_story_count(db),
        )
        seeds = db.execute(f"SELECT count(*) FROM articles WHERE NOT ({news()})").fetchone()[0]
    finally:
        db.close()

    def line(rows) -> str:
        return ", ".join(f"{k} {n}" for k, n in rows)

    click.echo(f"newswatch store {path}")
    click.echo(
        f"  articles:    {total} ({seeds} of them seed documents), on the topic: {on_topic} "
        f"(copies folded) in {stories} stories"
    )
    click.echo(f"  by outlet:   {line(by['outlet'])}")
    click.echo(f"  on the topic by outlet: {line(topical.items())}")
    click.echo(f"  by language: {line(by['language'])}")
    if dated:
        click.echo(f"  dated:       {dated}, from {first} to {last}")
    click.echo(f"Browse it in Datasette: newswatch serve --db {path}")

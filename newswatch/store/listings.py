"""What the listings (feeds, sitemaps, archive pages) named: the articles still pending and the
listing's HTTP validators, kept together so that an unchanged listing never hides an article.

A listing's validators (ETag, Last-Modified) make the next request for it answer 304, after
which nothing it listed is seen again. So they are saved only in the transaction that records,
as `pending`, every article it named that is not stored yet. A pending row goes once the
article is stored or accounted for for good (the page answered and holds no article, 404, 410);
until then every crawl of the outlet requests it again, and after `max_tries` such crawls it is
given up. A request the site refused (blocking) is not counted as a try.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlite_utils import Database

from newswatch.store.connection import write_transaction

DEFAULT_MAX_TRIES = 3


def record_listing(
    db: Database,
    outlet: str,
    articles: Iterable[tuple[str, list[str]]],
    listed_at: str,
    validators: dict | None = None,
) -> None:
    """In one transaction: `articles` (URL, alternates) as pending for `outlet`, and the
    listing's `validators` (a http_validators row) if it has them."""
    rows = [
        {"url": url, "outlet": outlet, "listed_at": listed_at, "alternates": json.dumps(alt)}
        for url, alt in articles
    ]
    if not rows and not validators:
        return
    with write_transaction(db):
        if rows:
            db["pending"].insert_all(rows, ignore=True)  # a URL already pending keeps its tries
        if validators:
            db["http_validators"].upsert(validators, pk="url")


def take_pending(
    db: Database, outlet: str, max_tries: int = DEFAULT_MAX_TRIES
) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """The outlet's pending articles to request again in this crawl (URL, alternates), each
    try counted; and the URLs given up, removed, after `max_tries` crawls requested them."""
    with write_transaction(db):
        given_up = [
            url
            for (url,) in db.execute(
                "SELECT url FROM pending WHERE outlet = ? AND tries >= ?", [outlet, max_tries]
            )
        ]
        forget_pending(db, given_up)
        db.execute("UPDATE pending SET tries = tries + 1 WHERE outlet = ?", [outlet])
        again = [
            (url, json.loads(alternates or "[]"))
            for url, alternates in db.execute(
                "SELECT url, alternates FROM pending WHERE outlet = ? ORDER BY listed_at, url",
                [outlet],
            )
        ]
    return again, given_up


def refund_try(db: Database, url: str) -> None:
    """The site refused `url` (blocking: a 403, a 451, a challenge page): that request was no
    try, so a site that keeps refusing never uses up an article's tries."""
    with write_transaction(db):
        db.execute("UPDATE pending SET tries = max(tries - 1, 0) WHERE url = ?", [url])


def forget_pending(db: Database, urls: Iterable[str]) -> int:
    """Remove `urls` from the pending articles (stored or accounted for); how many were."""
    urls = list(dict.fromkeys(urls))
    if not urls:
        return 0
    with write_transaction(db):
        marks = ", ".join("?" for _ in urls)
        return db.execute(f"DELETE FROM pending WHERE url IN ({marks})", urls).rowcount

"""The writer's queue in Redis, a reliable queue: nothing taken is lost until it is committed.

Workers push messages (`push`, LPUSH onto `<p>:articles`). The one writer takes them
(`take`: BLMOVE / LMOVE to `<p>:articles:processing`, oldest first), stores them, and only
after its SQLite transaction committed removes them from the processing list (`ack`, LREM).
A writer that dies in between leaves its messages in the processing list; the next writer
first puts them back at the head of the queue (`redeliver`), so they are the first it takes
again. Storing is idempotent by article id, so a message written twice changes nothing.

A message the writer cannot use (not JSON, not a message of the format below, an article that
could not be saved) is moved to `<p>:articles:rejected` with the reason (`reject`): never
silently dropped, never blocking the messages behind it. Each rejected entry is JSON
{"reason", "rejected_at", "message"}; `message` is the original text, to push again by hand
once the cause is fixed.

The messages (JSON, UTF-8), shared by every worker and writer:

- an article: {"kind": "article", "article": article_to_json(a), "urls": [every URL the page
  was requested under], "seen_at": iso utc, "worker": "host:pid"} (`article_message`);
- a crawl report, a worker's share of an outlet's crawl, pushed after its articles:
  {"kind": "crawl", "outlet", "worker", "started", "finished", "finish_reason", "stats"}
  (`crawl_message`).

Redis's errors come out as `newswatch.scaleout.client.RedisFailure`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from newswatch.dates import iso_utc, utc_now
from newswatch.items import Article, article_to_json
from newswatch.scaleout.client import connect, redis_failures


def article_message(article: Article, urls: Iterable[str], seen_at: str, worker: str) -> str:
    """The message of an article a worker extracted and scored."""
    return json.dumps(
        {
            "kind": "article",
            "article": article_to_json(article),
            "urls": list(dict.fromkeys(urls)),
            "seen_at": seen_at,
            "worker": worker,
        },
        ensure_ascii=False,
    )


def crawl_message(
    outlet: str, worker: str, started: str, finished: str, finish_reason: str, stats: dict
) -> str:
    """The message of a worker's share of an outlet's crawl (`stats`: JSON-safe)."""
    return json.dumps(
        {
            "kind": "crawl",
            "outlet": outlet,
            "worker": worker,
            "started": started,
            "finished": finished,
            "finish_reason": finish_reason,
            "stats": stats,
        },
        ensure_ascii=False,
    )


class ArticleQueue:
    """`<p>:articles` and its processing and rejected lists (see the module's documentation)."""

    def __init__(self, client, keys, url: str):
        self.client = client
        self.keys = keys
        self.url = url

    @classmethod
    def from_url(cls, url: str, prefix: str | None = None) -> ArticleQueue:
        client, keys = connect(url, prefix)
        return cls(client, keys, url)

    def push(self, message: str | dict[str, Any]) -> None:
        """Queue one message (a worker's)."""
        text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
        with redis_failures(self.url):
            self.client.lpush(self.keys.articles, text)

    def take(self, max_n: int, timeout: float) -> list[str]:
        """Up to `max_n` messages, oldest first, moved to the processing list: waits up to
        `timeout` seconds for the first (0: not at all), then takes what else is there."""
        with redis_failures(self.url):
            if timeout > 0:
                first = self.client.blmove(
                    self.keys.articles, self.keys.processing, timeout, "RIGHT", "LEFT"
                )
            else:
                first = self.client.lmove(self.keys.articles, self.keys.processing, "RIGHT", "LEFT")
            if first is None:
                return []
            taken = [first]
            if max_n > 1:
                with self.client.pipeline(transaction=False) as pipe:
                    for _ in range(max_n - 1):
                        pipe.lmove(self.keys.articles, self.keys.processing, "RIGHT", "LEFT")
                    taken += [m for m in pipe.execute() if m is not None]
        return taken

    def ack(self, messages: Iterable[str], transaction=None) -> None:
        """The `messages` are committed: out of the processing list. In `transaction` (a
        MULTI/EXEC pipeline the caller executes) when given, else in one of its own."""
        messages = list(messages)
        if transaction is not None:
            for message in messages:
                transaction.lrem(self.keys.processing, 1, message)
            return
        if messages:
            with redis_failures(self.url), self.client.pipeline(transaction=True) as own:
                self.ack(messages, own)
                own.execute()

    def reject(self, rejected: Iterable[tuple[str, str]], transaction) -> None:
        """Move each (message, reason) from the processing list to the rejected one, in
        `transaction` (a MULTI/EXEC pipeline the caller executes)."""
        now = iso_utc(utc_now())
        for message, reason in rejected:
            entry = {"reason": reason, "rejected_at": now, "message": message}
            transaction.lpush(self.keys.rejected, json.dumps(entry, ensure_ascii=False))
            transaction.lrem(self.keys.processing, 1, message)

    def redeliver(self) -> int:
        """Put what a writer took and never acknowledged (it died) back at the head of the
        queue, in the order it was taken, to be taken first; how many. Only the one writer,
        holding the writer's lock, may: another writer's processing list is work in hand."""
        moved = 0
        with redis_failures(self.url):
            while self.client.lmove(self.keys.processing, self.keys.articles, "LEFT", "RIGHT"):
                moved += 1
        return moved

    def lengths(self) -> dict[str, int]:
        """How many messages are queued, in processing and rejected."""
        with redis_failures(self.url), self.client.pipeline(transaction=False) as pipe:
            pipe.llen(self.keys.articles)
            pipe.llen(self.keys.processing)
            pipe.llen(self.keys.rejected)
            queued, processing, rejected = pipe.execute()
        return {"queued": queued, "processing": processing, "rejected": rejected}

    def close(self) -> None:
        self.client.close()

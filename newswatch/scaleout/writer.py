"""`newswatch writer`: the one process that writes the store when crawl workers share Redis.

Workers extract and score articles and push them to the writer's queue in Redis
(newswatch.scaleout.queue); the writer, beside the SQLite file, takes them in batches and
stores each batch in one transaction (`write_batch`: de-duplication and story linking inside
it, idempotent by article id). Only after that commit does it, in one MULTI/EXEC:

- set the stored articles in the known set `<p>:known` (id, canonical URL, article key ->
  first_seen), which workers read before they download an article;
- remove their URLs from the pending articles (`<p>:pending`, `<p>:pending:tries`);
- acknowledge the batch (out of `<p>:articles:processing`).

So a writer killed at any moment loses nothing (what it took and did not acknowledge is
redelivered to the next one, first) and stores nothing twice (a redelivered article is found
by its id and is "unchanged").

Exactly one writer runs per prefix: it holds the lock `<p>:writer` (SET NX PX, refreshed while
it runs, its value "host:pid"); a second is refused (exit 75). A writer killed on this host is
seen dead at once and its lock taken over; one on another host holds it until it expires
(LOCK_TTL_MS).

**Crawl reports and the `crawls` table.** Each worker pushes, after its articles, a report of
its share of an outlet's crawl; the writer makes it a `crawls` row. In this mode a row is one
worker's share of one crawl of an outlet (several rows per crawl when several workers took
part): its requests, responses, pages and errors are that worker's, and its articles new /
updated / duplicate / on the topic are what the writer stored of that worker's articles for
that outlet since its previous report (counted per (outlet, worker) in
`<p>:writer:counts:<outlet>:<worker>`, updated in the MULTI/EXEC that acknowledges the
articles, so a killed writer neither loses nor doubles a count; the counts of a worker that
died before its report expire after COUNTS_TTL_S, a week with no article of its). An article
redelivered after a crash is counted new when the store holds it with its own `seen_at` as
first_seen (the dead writer stored it new and died before acknowledging). The row carries the
worker's host and pid; a report redelivered after a crash finds its row and adds no second one.

**What stops the writer.** SIGTERM or SIGINT: the batch in hand is committed and acknowledged,
then it exits 0. The database refusing a write (disk full, read-only): one line, exit 1,
nothing acknowledged (the batch is redelivered at the next start). Redis unreachable: one line,
exit 1; the store is consistent, and what was not acknowledged is redelivered. `idle_exit`:
exit 0 after that many seconds with nothing to take.
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newswatch.extensions import crawl_outcome
from newswatch.items import ARTICLE_FIELDS, JSON_FIELDS, LIST_FIELDS, Article, article_from_json
from newswatch.pipelines.store import outcome_stats
from newswatch.scaleout.client import RedisFailure, describe, redis_failures
from newswatch.scaleout.queue import ArticleQueue
from newswatch.scaleout.state import known_fields
from newswatch.store import cache_for_writing, open_store, row_to_article, write_transaction
from newswatch.store.batch import write_batch
from newswatch.store.crawls import process_alive, this_host

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 200
DEFAULT_BATCH_SECONDS = 1.0
POLL_S = 1.0  # the longest wait in Redis: a signal to stop is heard within it
LOCK_TTL_MS = 30_000
KNOWN_CHUNK = 5_000
COUNTS_TTL_S = 7 * 24 * 3600  # the counts of a crawl whose report never came, kept a week
# Seconds to wait between the commit and the acknowledgement: for the tests that kill a writer
# in that window (the worst moment) and check that nothing is lost or stored twice.
ACK_DELAY_ENV = "NEWSWATCH_WRITER_ACK_DELAY"


class Malformed(ValueError):
    """A message the writer cannot use (moved to the rejected list with this reason)."""


class StoreFailure(Exception):
    """The database refused a write: the writer stops, acknowledging nothing of the batch."""


class WriterAlreadyRunning(Exception):
    """Another writer holds the lock of this prefix."""

    def __init__(self, redis: str, prefix: str, holder: str | None):
        super().__init__(
            f"a writer already runs for Redis at {redis}, prefix {prefix!r} "
            f"({holder or 'holder unknown'}); not started"
        )


class WriterLockLost(Exception):
    """Another writer took the lock (this one stalled longer than its expiry)."""


@dataclass
class ArticleMessage:
    """An article a worker pushed. `outlet`, the crawl whose counts it goes to: the message's
    own "outlet" when a worker names it, else the article's (the spider's outlet but for an
    article of a sister site), else "unknown"."""

    raw: str
    article: Article
    urls: list[str]
    seen_at: str
    worker: str
    outlet: str


@dataclass
class CrawlReport:
    """A worker's report of its share of an outlet's crawl, pushed after its articles."""

    raw: str
    outlet: str
    worker: str
    started: str
    finished: str
    finish_reason: str
    stats: dict


def decode(raw: str) -> ArticleMessage | CrawlReport:
    """The message `raw` (see newswatch.scaleout.queue), checked; Malformed if it is not one."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise Malformed("not JSON") from None
    if not isinstance(data, dict):
        raise Malformed("not a JSON object")
    kind = data.get("kind")
    if kind == "article":
        fields = _text_fields(data, "seen_at", "worker")
        _check_time(fields["seen_at"], "seen_at")
        urls = data.get("urls", [])
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            raise Malformed("urls is not a list of URLs")
        if not isinstance(data.get("article"), dict):
            raise Malformed("no article")
        try:
            article = article_from_json(data["article"])
        except (TypeError, ValueError) as error:
            raise Malformed(f"not an article: {error}") from None
        _check_article(article)
        outlet = data.get("outlet") or article.outlet or "unknown"
        return ArticleMessage(raw, article, urls, fields["seen_at"], fields["worker"], outlet)
    if kind == "crawl":
        fields = _text_fields(data, "outlet", "worker", "started", "finished", "finish_reason")
        for name in ("started", "finished"):
            _check_time(fields[name], name)
        if not isinstance(data.get("stats"), dict):
            raise Malformed("stats is not a JSON object")
        return CrawlReport(raw, stats=data["stats"], **fields)
    raise Malformed(f"unknown kind {kind!r}")


def _text_fields(data: dict, *names: str) -> dict[str, str]:
    for name in names:
        if not isinstance(data.get(name), str) or not data[name]:
            raise Malformed(f"no {name}")
    return {name: data[name] for name in names}


def _check_time(value: str, name: str) -> None:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise Malformed(f"{name} is not an ISO 8601 time: {value[:40]!r}") from None


def _check_article(article: Article) -> None:
    """Each field of the type the store writes: a value of another type would make SQLite
    refuse the whole batch (and a refused batch stops the writer), not this article alone."""
    if not article.id:
        raise Malformed("an article without an id")
    for name in ARTICLE_FIELDS:
        value = getattr(article, name)
        if name in LIST_FIELDS:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        elif name in JSON_FIELDS:
            ok = isinstance(value, dict)
        elif name == "relevance":
            number = isinstance(value, int | float) and not isinstance(value, bool)
            ok = value is None or (number and math.isfinite(value))
        elif name == "on_topic":
            ok = value is None or isinstance(value, bool)
        elif name == "text":
            ok = isinstance(value, str)
        else:
            ok = value is None or isinstance(value, str)
        if not ok:
            raise Malformed(f"article field {name} is of the wrong type ({type(value).__name__})")


@dataclass
class Totals:
    """What the writer did since it started: the one line it prints at exit."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    crawls: int = 0
    rejected: int = 0
    lost: int = 0
    batches: int = 0
    redelivered: int = 0
    known_at_start: int = 0

    def line(self) -> str:
        return (
            f"writer: stored {self.new} new, {self.updated} updated, {self.unchanged} unchanged; "
            f"{self.crawls} crawl reports; {self.rejected} rejected, {self.lost} lost "
            f"({self.batches} batches, {self.redelivered} redelivered)"
        )


# Compare-and-set in one step: the lock is refreshed (or released, or taken over from a dead
# holder) only by who holds it now.
REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
TAKE_OVER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""


class WriterLock:
    """`<p>:writer`, held by one writer ("host:pid"), refreshed by a thread every third of its
    expiry; `check()` raises in the writer's own thread if the refresh failed."""

    def __init__(self, queue: ArticleQueue, ttl_ms: int = LOCK_TTL_MS):
        self.client = queue.client
        self.key = queue.keys.writer_lock
        self.url = queue.url
        self.prefix = queue.keys.prefix
        self.ttl_ms = ttl_ms
        self.holder = f"{this_host()}:{os.getpid()}"
        self.problem: Exception | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> None:
        with redis_failures(self.url):
            if self.client.set(self.key, self.holder, nx=True, px=self.ttl_ms):
                return self._keep()
            current = self.client.get(self.key)
            if current is not None and _dead_here(current):
                taken = self.client.eval(TAKE_OVER, 1, self.key, current, self.holder, self.ttl_ms)
                if taken:
                    logger.info("took over the lock of writer %s, which is gone", current)
                    return self._keep()
        raise WriterAlreadyRunning(describe(self.url), self.prefix, current)

    def _keep(self) -> None:
        self._thread = threading.Thread(target=self._refresh, name="writer-lock", daemon=True)
        self._thread.start()

    def _refresh(self) -> None:
        while not self._stop.wait(self.ttl_ms / 3000):
            try:
                with redis_failures(self.url):
                    held = self.client.eval(REFRESH, 1, self.key, self.holder, self.ttl_ms)
            except RedisFailure as error:
                self.problem = error
                return
            if not held:
                self.problem = WriterLockLost(
                    f"another writer took the lock {self.key}: this one stopped"
                )
                return

    def check(self) -> None:
        if self.problem is not None:
            raise self.problem

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.problem is None:
            try:
                with redis_failures(self.url):
                    self.client.eval(RELEASE, 1, self.key, self.holder)
            except RedisFailure:
                pass  # it expires by itself


def _dead_here(holder: str) -> bool:
    """Whether the writer `holder` ("host:pid") ran on this host and is gone."""
    host, _, pid = holder.rpartition(":")
    return host == this_host() and pid.isdigit() and not process_alive(int(pid))


def fill_known(db, queue: ArticleQueue) -> int:
    """Every stored article in `<p>:known` (id, canonical URL, article key -> first_seen), in
    chunks of KNOWN_CHUNK articles a pipeline; how many articles."""
    rows = db.conn.execute("SELECT id, canonical_url, article_key, first_seen FROM articles")
    count = 0
    with redis_failures(queue.url):
        while chunk := rows.fetchmany(KNOWN_CHUNK):
            mapping = {}
            for article_id, canonical, key, first_seen in chunk:
                for name in (article_id, canonical, key):
                    if name:
                        mapping[name] = first_seen or ""
            if mapping:
                queue.client.hset(queue.keys.known, mapping=mapping)
            count += len(chunk)
    return count


@dataclass
class BatchResult:
    """What one batch came to, before it is acknowledged."""

    acked: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    known: dict[str, str] = field(default_factory=dict)
    stored_urls: list[str] = field(default_factory=list)
    counts: dict[tuple[str, str], Counter] = field(default_factory=dict)
    reported: set[tuple[str, str]] = field(default_factory=set)
    outcomes: Counter = field(default_factory=Counter)


class Writer:
    """Takes the workers' messages from Redis and stores them (see the module's
    documentation)."""

    def __init__(
        self,
        db_path: Path,
        redis_url: str,
        *,
        batch: int = DEFAULT_BATCH,
        batch_seconds: float = DEFAULT_BATCH_SECONDS,
        idle_exit: float | None = None,
        ack_delay: float = 0.0,
        prefix: str | None = None,
    ):
        self.db_path = db_path
        self.queue = ArticleQueue.from_url(redis_url, prefix)
        self.batch = max(1, batch)
        self.batch_seconds = batch_seconds
        self.idle_exit = idle_exit
        self.ack_delay = ack_delay
        self.totals = Totals()
        self.stopping = False
        self.redelivered: set[str] = set()
        self.db = None

    @property
    def keys(self):
        return self.queue.keys

    def run(self) -> Totals:
        """Hold the lock, open the store, fill the known set, redeliver, then store batches
        until stopped (a signal, idle_exit) or failing (RedisFailure, StoreFailure,
        WriterLockLost; WriterAlreadyRunning before anything)."""
        lock = WriterLock(self.queue)
        try:
            lock.acquire()
        except BaseException:
            self.queue.close()
            raise
        previous = {s: signal.signal(s, self._stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.db = open_store(self.db_path)
            cache_for_writing(self.db)
            self.totals.known_at_start = fill_known(self.db, self.queue)
            with redis_failures(self.queue.url):
                self.redelivered = set(self.client.lrange(self.keys.processing, 0, -1))
            self.totals.redelivered = self.queue.redeliver()
            logger.info(
                "writing %s: %d stored articles known, %d messages redelivered",
                self.db_path,
                self.totals.known_at_start,
                self.totals.redelivered,
            )
            idle_since = time.monotonic()
            while not self.stopping:
                lock.check()
                taken = self._take()
                if taken:
                    self._write(taken)
                    idle_since = time.monotonic()
                elif self.idle_exit is not None and time.monotonic() - idle_since >= self.idle_exit:
                    break
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            lock.release()
            if self.db is not None:
                self.db.close()
            self.queue.close()
        return self.totals

    @property
    def client(self):
        return self.queue.client

    def _stop(self, signum, frame) -> None:
        logger.info("%s: finishing the batch in hand", signal.Signals(signum).name)
        self.stopping = True

    def _take(self) -> list[str]:
        """A batch: up to `batch` messages, or what came within `batch_seconds` of the first."""
        taken = self.queue.take(self.batch, POLL_S)
        deadline = time.monotonic() + self.batch_seconds
        while taken and len(taken) < self.batch and not self.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            more = self.queue.take(self.batch - len(taken), min(left, POLL_S) if left > 0.01 else 0)
            taken += more
        return taken

    def _write(self, taken: list[str]) -> None:
        started = time.monotonic()
        result = BatchResult()
        messages = []
        for raw in taken:
            try:
                messages.append(decode(raw))
            except Malformed as error:
                logger.warning("rejected a malformed message: %s: %.200s", error, raw)
                result.rejected.append((raw, f"malformed: {error}"))
        articles = [m for m in messages if isinstance(m, ArticleMessage)]
        committed_before = self._committed_before(articles)
        batch = [(m.article, m.seen_at) for m in articles]
        outcomes = write_batch(self.db, batch) if batch else []
        if refused := next((o for o in outcomes if isinstance(o, sqlite3.Error)), None):
            raise StoreFailure(f"cannot write to the database {self.db_path}: {refused}")
        outcome_of = dict(zip((id(m) for m in articles), outcomes, strict=True))
        first_seen = self._first_seen(
            [m.article.id for m in articles if not isinstance(outcome_of[id(m)], Exception)]
        )
        rows = []
        for message in messages:
            if isinstance(message, ArticleMessage):
                outcome = outcome_of[id(message)]
                if outcome == "unchanged" and message.raw in committed_before:
                    # Stored new by a writer that died before acknowledging it: new for its
                    # crawl, counted as it was stored then.
                    self._count(message, "new", first_seen, result, committed_before[message.raw])
                else:
                    self._count(message, outcome, first_seen, result)
            else:
                rows.append(self._report(message, result))
        self._record_crawls(rows)
        if self.ack_delay:
            logger.info("committed %d messages; acknowledging in %s s", len(taken), self.ack_delay)
            time.sleep(self.ack_delay)
        self._acknowledge(result)
        self._tally(result, len(rows), time.monotonic() - started)

    def _committed_before(self, articles: list[ArticleMessage]) -> dict[str, Article]:
        """Of the redelivered `articles`, those a writer that died before acknowledging them
        stored new (the store holds them with their own seen_at as first_seen), as stored."""
        found = {}
        for message in articles:
            if message.raw not in self.redelivered:
                continue
            cursor = self.db.execute(
                "SELECT * FROM articles WHERE id = ? AND first_seen = ?",
                [message.article.id, message.seen_at],
            )
            if row := cursor.fetchone():
                names = [c[0] for c in cursor.description]
                found[message.raw] = row_to_article(dict(zip(names, row, strict=True)))
        return found

    def _first_seen(self, ids: list[str]) -> dict[str, str]:
        found = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            found.update(
                self.db.execute(
                    f"SELECT id, first_seen FROM articles WHERE id IN ({marks})", chunk
                ).fetchall()
            )
        return found

    def _count(
        self,
        message: ArticleMessage,
        outcome: str | Exception,
        first_seen: dict[str, str],
        result: BatchResult,
        as_stored: Article | None = None,
    ) -> None:
        """Count `message`'s article in its crawl's counts (`as_stored`: the article to count
        instead, as a dead writer stored it), and what to tell Redis once acknowledged."""
        counts = result.counts.setdefault((message.outlet, message.worker), Counter())
        if isinstance(outcome, Exception):  # a fault of newswatch's own: not stored
            logger.error("article %s not stored: %r", message.article.id, outcome)
            result.rejected.append((message.raw, f"not stored: {outcome!r}"))
            result.outcomes["lost"] += 1
            counts["newswatch/lost"] += 1
            return
        stored_at = first_seen.get(message.article.id, message.seen_at)
        result.outcomes[outcome] += 1
        counts.update(outcome_stats(as_stored or message.article, outcome))
        result.known.update(known_fields(message.article, stored_at))
        result.stored_urls += [*message.urls, *filter(None, [message.article.url])]
        result.acked.append(message.raw)

    def _report(self, report: CrawlReport, result: BatchResult) -> dict:
        """The crawls row of `report`: the worker's stats with what the writer stored of its
        articles (counted until now: earlier batches in Redis, this one in `result`)."""
        key = (report.outlet, report.worker)
        saved = {}
        if key not in result.reported:  # else the earlier report of this batch took them
            with redis_failures(self.queue.url):
                saved = self.client.hgetall(self.keys.writer_counts(*key))
        counts = Counter({name: int(value) for name, value in saved.items()})
        counts.update(result.counts.pop(key, Counter()))
        result.reported.add(key)
        result.acked.append(report.raw)
        stats = {k: v for k, v in report.stats.items() if not k.startswith("newswatch/store/")}
        lost = counts.pop("newswatch/lost", 0)
        if lost:
            stats["newswatch/lost"] = stats.get("newswatch/lost", 0) + lost
        stats.update(counts)
        stats.setdefault("finish_time", report.finished)
        host, _, pid = report.worker.rpartition(":")
        row = crawl_outcome(stats, report.finish_reason)
        row.update(
            outlet=report.outlet,
            started=report.started,
            finished=report.finished,
            host=host or report.worker,
            pid=int(pid) if pid.isdigit() else None,
        )
        return row

    def _record_crawls(self, rows: list[dict]) -> None:
        """The reports' crawls rows, each once (a redelivered report finds its row)."""
        if not rows:
            return
        try:
            with write_transaction(self.db):
                for row in rows:
                    exists = self.db.execute(
                        "SELECT 1 FROM crawls WHERE outlet = ? AND started = ? AND host IS ? "
                        "AND pid IS ?",
                        [row["outlet"], row["started"], row["host"], row["pid"]],
                    ).fetchone()
                    if not exists:
                        self.db["crawls"].insert(row)
        except sqlite3.Error as error:
            raise StoreFailure(f"cannot write to the database {self.db_path}: {error}") from error

    def _acknowledge(self, result: BatchResult) -> None:
        """After the commit, in one MULTI/EXEC: the known set, the pending articles, the
        per-crawl counts, the rejected messages and the acknowledgement."""
        keys = self.keys
        with redis_failures(self.queue.url), self.client.pipeline(transaction=True) as multi:
            if result.known:
                multi.hset(keys.known, mapping=result.known)
            if result.stored_urls:
                urls = list(dict.fromkeys(result.stored_urls))
                multi.hdel(keys.pending, *urls)
                multi.hdel(keys.pending_tries, *urls)
            for key in result.reported:
                multi.delete(keys.writer_counts(*key))
            for key, counts in result.counts.items():
                for name, value in counts.items():
                    multi.hincrby(keys.writer_counts(*key), name, value)
                # A worker that dies before its report leaves its counts: they go in time.
                multi.expire(keys.writer_counts(*key), COUNTS_TTL_S)
            self.queue.reject(result.rejected, multi)
            self.queue.ack(result.acked, multi)
            multi.execute()
        self.redelivered.difference_update(result.acked)
        self.redelivered.difference_update(raw for raw, _ in result.rejected)

    def _tally(self, result: BatchResult, crawls: int, seconds: float) -> None:
        done = result.outcomes
        totals = self.totals
        totals.new += done["new"]
        totals.updated += done["updated"]
        totals.unchanged += done["unchanged"]
        totals.lost += done["lost"]
        totals.rejected += len(result.rejected) - done["lost"]
        totals.crawls += crawls
        totals.batches += 1
        logger.info(
            "batch of %d: %d new, %d updated, %d unchanged, %d crawl reports, %d rejected, "
            "%d lost (%.2f s)",
            len(result.acked) + len(result.rejected),
            done["new"],
            done["updated"],
            done["unchanged"],
            crawls,
            len(result.rejected) - done["lost"],
            done["lost"],
            seconds,
        )


def ack_delay_from_env() -> float:
    """ACK_DELAY_ENV in seconds (0 when unset)."""
    value = os.environ.get(ACK_DELAY_ENV, "")
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0

"""Worker mode: the outlet spiders crawling from Redis, for `newswatch worker`.

A worker runs one crawl per outlet in one process, each a *worker spider*: the outlet's own
spider (newswatch/spiders/*) with `WorkerSpider` mixed in, and worker settings
(`worker_settings`). It differs from a crawl on one machine in what it reads and writes, not in
how it routes or extracts:

- requests go through scrapy-redis's scheduler into the outlet's shared queue in Redis
  (newswatch.scaleout.scheduler), filtered by a shared duplicate filter whose sets expire
  (newswatch.scaleout.dupefilter); every worker's spider of the outlet takes from that queue;
- the known-article check, the listings' validators and the pending articles are read and
  written in Redis (crawl_state gives RedisCrawlState when NEWSWATCH_WORKER_REDIS is set);
- each site's pace (DOWNLOAD_DELAY, or AutoThrottle's delay) holds across all workers: a
  request reserves its moment in Redis before it goes out (newswatch.scaleout.pace);
- articles are normalised and scored, then pushed to the writer (newswatch.pipelines.push);
  nothing opens the SQLite file: no StorePipeline, no OutletLock (the shared queue is what
  several workers of one outlet share), no CrawlRecorder (the crawl's row comes from the crawl
  report the worker pushes, which the writer records), no seed import;
- the spider starts with nothing and never closes on its own (scrapy-redis's RedisSpider does
  that with `start_requests()`, which Scrapy 2.19 no longer calls, and idles for ever): every
  NEWSWATCH_WORKER_POLL_S seconds it looks for crawl jobs of its outlet
  (newswatch.scaleout.jobs). A job taken puts the outlet's pending articles (dont_filter, as at
  the start of a crawl on one machine: newswatch.pending) and its listings (what `discover()`
  yields) into the shared queue. When this worker has had nothing left to do for the outlet
  for a second (the shared queue empty, nothing in flight here), it pushes a crawl report of
  what it did since its last one; with NEWSWATCH_WORKER_IDLE_EXIT=S it closes once it has
  been so for S seconds with no job; a stop (SIGTERM) takes no new job, finishes what is in
  flight, pushes its items and report and leaves what is queued to the other workers. Redis
  going away stops it cleanly (newswatch.scaleout.outage).

A crawl report (newswatch.scaleout.queue.crawl_message) is the worker's share of a crawl of the
outlet: its stats since its last report, JSON-safe, with the jobs it took in that time
(newswatch/worker/jobs, and their ids in newswatch/worker/job_ids).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import Settings
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

from newswatch.dates import iso_utc, utc_now
from newswatch.items import Article
from newswatch.pending import pending_requests, requested_urls
from newswatch.scaleout.client import RETRIES, SOCKET_TIMEOUT_S, split_url
from newswatch.scaleout.jobs import take_jobs
from newswatch.scaleout.keys import RedisKeys
from newswatch.scaleout.outage import REDIS_ERRORS, redis_went_away, unavailable
from newswatch.scaleout.queue import ArticleQueue, crawl_message

logger = logging.getLogger(__name__)

DEFAULT_POLL_S = 1.0
# A share is reported once the worker has had nothing to do for the outlet this long: the
# shared queue empties for a moment while another worker parses a listing, which is no end of
# a crawl. It also keeps a worker's shares of an outlet one second apart at least, as their
# rows are told apart by when they started, to the second.
REPORT_AFTER_IDLE_S = 1.0
WORKER_PIPELINES = {
    "newswatch.pipelines.NormalisePipeline": 100,
    "newswatch.pipelines.TopicPipeline": 300,
    "newswatch.pipelines.push.PushPipeline": 900,
}
SHARED_PACE_HANDLER = "newswatch.scaleout.pace.SharedPaceDownloadHandler"
NOT_IN_A_WORKER = (
    "newswatch.outlet_lock.OutletLock",  # a lock file beside the SQLite store
    "newswatch.extensions.CrawlRecorder",  # the crawls table: the writer records reports
)
# Stats that are a moment or a level, not a count: a report gives them for its own share.
NOT_COUNTS = ("start_time", "finish_time", "finish_reason", "elapsed_time_seconds", "memusage/")


def redis_keys(settings: Mapping[str, Any]) -> RedisKeys:
    """The Redis keys of a worker's crawl: under the prefix its NEWSWATCH_WORKER_REDIS URL
    names (`?prefix=`, else "newswatch"; newswatch.scaleout.client.split_url)."""
    return RedisKeys(split_url(settings["NEWSWATCH_WORKER_REDIS"])[1])


def worker_name() -> str:
    """host:pid, as messages and reports name the worker that sent them."""
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_settings(settings: Settings, redis_url: str) -> Settings:
    """newswatch's settings turned into a worker's (see the module's documentation), for the
    Redis at `redis_url` (its `?prefix=` names the keys' prefix). They are set at the project's
    priority: a `-s NAME=VALUE` of the command line still wins."""
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    plain_url, prefix = split_url(redis_url)
    keys = RedisKeys(prefix)
    worker = settings.copy()
    extensions = dict(worker.getdict("EXTENSIONS"))
    extensions.update(dict.fromkeys(NOT_IN_A_WORKER))
    extensions["newswatch.scaleout.outage.RedisOutage"] = -20
    for name, value in {
        "NEWSWATCH_WORKER_REDIS": redis_url,  # the crawl's state in Redis (crawl_state)
        "REDIS_URL": plain_url,  # scrapy-redis's connection, tried again as newswatch's are
        "REDIS_PARAMS": {
            "socket_timeout": SOCKET_TIMEOUT_S,
            "socket_connect_timeout": 5.0,
            "retry": Retry(ExponentialBackoff(cap=0.5, base=0.1), retries=RETRIES),
        },
        "SCHEDULER": "newswatch.scaleout.scheduler.RedisScheduler",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests("%(spider)s"),
        "SCHEDULER_SERIALIZER": "newswatch.scaleout.serializer",
        "SCHEDULER_PERSIST": True,  # a worker that stops leaves the queue to the others
        "SCHEDULER_FLUSH_ON_START": False,
        "DUPEFILTER_CLASS": "newswatch.scaleout.dupefilter.WindowedDupeFilter",
        # each site's pace shared by all workers (newswatch.scaleout.pace)
        "DOWNLOAD_HANDLERS": dict.fromkeys(("http", "https"), SHARED_PACE_HANDLER),
        "ITEM_PIPELINES": WORKER_PIPELINES,
        "EXTENSIONS": extensions,
    }.items():
        worker.set(name, value, priority="project")
    return worker


def worker_spider(spider_cls: type) -> type:
    """The worker spider of an outlet spider class: the same name, routes and extraction."""
    name = f"{spider_cls.__name__}Worker"
    return type(name, (WorkerSpider, spider_cls), {"__module__": __name__})


@dataclass
class _Share:
    """What this worker did for the outlet since its last crawl report."""

    started: datetime = field(default_factory=utc_now)
    jobs: list[str] = field(default_factory=list)


class WorkerSpider:
    """Mixed in before an outlet spider class (`worker_spider`); see the module's
    documentation."""

    pending_per_job = True  # newswatch.pending leaves the pending articles to each job

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._become_worker(crawler)
        return spider

    def _become_worker(self, crawler) -> None:
        settings = crawler.settings
        self.queue = ArticleQueue.from_url(settings["NEWSWATCH_WORKER_REDIS"])
        self.redis, self.keys = self.queue.client, self.queue.keys
        self.worker = worker_name()
        self.idle_exit_s = settings.getfloat("NEWSWATCH_WORKER_IDLE_EXIT", 0) or None
        self.poll_s = settings.getfloat("NEWSWATCH_WORKER_POLL_S", DEFAULT_POLL_S)
        self._requested_under: dict[int, tuple[list[str], Article]] = {}
        self._share: _Share | None = None
        self._reported: dict[str, Any] = {}  # the stats at the last report
        self._idle_since: float | None = None
        self._scheduling = 0  # jobs whose requests are being queued
        self._stopping = False
        self._poll = None  # the job poll, started when the spider opens
        on = crawler.signals.connect
        on(self._opened, signal=signals.spider_opened)
        on(self._keep_open, signal=signals.spider_idle)
        on(self._closed, signal=signals.spider_closed)
        # A request downloaded, or answered by a middleware (replay), is this worker's work.
        on(self._active, signal=signals.request_reached_downloader)
        on(self._active, signal=signals.response_received)
        for signal in (signals.item_dropped, signals.item_error):
            on(self._item_gone, signal=signal)

    async def start(self):
        """Nothing: a worker's spider crawls what jobs and the shared queue give it, and
        imports no seed documents (it has no store)."""
        return
        yield

    # --- the articles' URLs, for the push pipeline ---------------------------------------

    def parse_article(self, response):
        urls = requested_urls(response)
        for output in super().parse_article(response):
            if isinstance(output, Article):
                self._requested_under[id(output)] = (urls, output)
            yield output

    def take_requested_urls(self, article: Article) -> list[str] | None:
        """Every URL `article`'s page was requested under (PushPipeline asks, once)."""
        entry = self._requested_under.pop(id(article), None)
        return entry[0] if entry is not None and entry[1] is article else None

    def _item_gone(self, item, **_: Any) -> None:
        self.take_requested_urls(item)

    # --- jobs, idleness, reports -----------------------------------------------------------

    def _opened(self, spider) -> None:
        self._poll = create_looping_call(self._poll_once)
        self._poll.start(self.poll_s, now=True)

    def _keep_open(self, spider) -> None:
        if not self._stopping:
            raise DontCloseSpider

    def _active(self, request, spider, **_: Any) -> None:
        self._idle_since = None
        if self._share is None:
            self._share = _Share()

    def _poll_once(self) -> None:
        """Take the outlet's waiting jobs; else, when this worker has nothing left to do for
        the outlet, report its share, and close once idle for NEWSWATCH_WORKER_IDLE_EXIT."""
        engine = self.crawler.engine
        if self._stopping or unavailable() or not engine.running:  # stopping: no new job
            return
        try:
            if jobs := take_jobs(self.redis, self.keys, self.name):
                self._take(jobs)
            elif self._scheduling or not engine.spider_is_idle():
                self._idle_since = None
            else:
                self._idle_since = self._idle_since or time.monotonic()
                idle_for = time.monotonic() - self._idle_since
                if self._share is not None and idle_for >= REPORT_AFTER_IDLE_S:
                    self._report("finished")
                if self.idle_exit_s and idle_for >= self.idle_exit_s:
                    logger.info("%s: no job for %g s: closing", self.name, self.idle_exit_s)
                    self._close("idle")
        except REDIS_ERRORS as error:
            redis_went_away(error)
        except Exception:  # a fault of ours: say so and stop, rather than idle for ever
            logger.exception("%s: the worker's job poll failed", self.name)
            self._close("worker_error")

    def _take(self, jobs: list[dict]) -> None:
        ids = [str(job.get("id")) for job in jobs]
        logger.info("%s: crawl job %s taken", self.name, ", ".join(ids))
        self._idle_since = None
        if self._share is None:
            self._share = _Share()
        self._share.jobs.extend(ids)
        self.crawler.stats.inc_value("newswatch/worker/jobs", len(jobs))
        self._scheduling += 1
        deferred_from_coro(self._queue_crawl())

    async def _queue_crawl(self) -> None:
        """The outlet's pending articles and listings into the shared queue."""
        from newswatch.crawlstate import crawl_state

        try:
            # dont_filter: the shared duplicate filter outlives a crawl, and a pending
            # article's earlier request (lost to a stop) left its fingerprint there.
            requests = [
                request.replace(dont_filter=True)
                for request in pending_requests(self.crawler, crawl_state(self.crawler))
            ]
            async for output in self.discover():
                if isinstance(output, Request):
                    requests.append(output)
            for request in requests:
                if self._stopping:
                    break
                self.crawler.engine.crawl(request)
        except REDIS_ERRORS as error:
            redis_went_away(error)
        except Exception:
            logger.exception("%s: the crawl job's requests could not be queued", self.name)
            self._close("worker_error")
        finally:
            self._scheduling -= 1

    def _close(self, reason: str) -> None:
        if not self._stopping:
            self._stopping = True
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def _closed(self, spider, reason: str) -> None:
        self._stopping = True
        if self._poll is not None and self._poll.running:
            self._poll.stop()
        if self._share is not None and not unavailable():
            try:
                self._report(reason)
            except REDIS_ERRORS as error:
                redis_went_away(error)
        self.queue.close()

    def _report(self, reason: str) -> None:
        """Push the crawl report of this worker's share since its last one."""
        share, self._share = self._share, None
        current = self.crawler.stats.get_stats()
        stats = stats_since(current, self._reported)
        self._reported = dict(current)
        self.queue.push(crawl_report(self.name, self.worker, share, utc_now(), reason, stats))
        self.crawler.stats.inc_value("newswatch/worker/reports")


def stats_since(current: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """The counts of `current` minus those of `before` (the changed ones), with the other
    values as they are now, JSON-safe; moments and levels (NOT_COUNTS) left out."""
    since: dict[str, Any] = {}
    for key, value in current.items():
        if key.startswith(NOT_COUNTS):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            change = value - before.get(key, 0)
            if change:
                since[key] = round(change, 6) if isinstance(change, float) else change
        else:
            since[key] = _jsonable(value)
    return since


def crawl_report(
    outlet: str, worker: str, share: _Share, finished: datetime, reason: str, stats: dict
) -> str:
    """The crawl report message of a worker's share of an outlet's crawl; its stats say which
    jobs it took (newswatch/worker/jobs) and when it ran."""
    started, ended = iso_utc(share.started), iso_utc(finished)
    stats = {
        **stats,
        "start_time": started,
        "finish_time": ended,
        "finish_reason": reason,
        "elapsed_time_seconds": round((finished - share.started).total_seconds(), 3),
    }
    if share.jobs:
        stats["newswatch/worker/job_ids"] = ",".join(share.jobs)
    return crawl_message(outlet, worker, started, ended, reason, stats)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def run_workers(
    settings: Settings, spider_classes: Sequence[type]
) -> tuple[list[Crawler], list[Any]]:
    """Run a worker spider of each class at once in this process, until each has closed
    (SIGTERM or SIGINT stops them all); their crawlers, and the failures of crawls that could
    not start."""
    process = CrawlerProcess(settings)
    crawlers = [process.create_crawler(worker_spider(cls)) for cls in spider_classes]
    failures: list[Any] = []
    for crawler in crawlers:
        process.crawl(crawler).addErrback(failures.append)
    process.start()
    return crawlers, failures

"""Redis going away under a worker: one clear stop, not a traceback per request.

A worker reaches Redis from many places: the scheduler (every request in and out), the
duplicate filter, the crawl's state (known articles, validators, pending articles), the push
pipeline, the job poll. When Redis goes away each of them would fail on its own, and Scrapy
would log a traceback for every request, item and signal handler on the way, while the crawl
went on fetching pages it could not queue or push.

So the first Redis connection error (after redis-py's own retries) anywhere in the process
stops every worker crawl in it, with the reason `redis_unavailable`, and from then on the
worker's own components stop asking Redis; the `newswatch worker` command then says so in
one line and exits non-zero. The components of newswatch's own (scheduler, push pipeline,
job poll) catch the error where it happens; for the others (middlewares that read the crawl's
state, signal handlers) `RedisOutage` watches the log: a record whose exception is a Redis
connection error starts the stop and is not shown.

Nothing is lost: what a listing named is pending in Redis (persisted with appendonly) until
the writer stored it, and the next crawl job requests it again.
"""

from __future__ import annotations

import contextlib
import logging
import weakref

import redis.exceptions
from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from newswatch.scaleout.client import RedisFailure

logger = logging.getLogger(__name__)

# redis-py's, and newswatch's own (RedisCrawlState and the queue raise RedisFailure).
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, RedisFailure)
UNAVAILABLE = "redis_unavailable"
# The loggers Scrapy and Twisted report a failed request, item or signal handler on.
WATCHED_LOGGERS = (
    "scrapy.core.scraper",
    "scrapy.core.engine",
    "scrapy.utils.signal",
    "scrapy.middleware",
    "twisted",
    "asyncio",
    "newswatch",
)

_crawlers: weakref.WeakSet = weakref.WeakSet()  # this process's worker crawlers
_stopped: weakref.WeakSet = weakref.WeakSet()  # the crawlers asked to stop for it
_first_error: list[str] = []  # why Redis is unavailable, once it went away


def unavailable() -> str | None:
    """Why Redis went away under this process's workers, or None while it is there."""
    return _first_error[0] if _first_error else None


def redis_went_away(error: BaseException) -> None:
    """Stop every worker crawl of this process (once); see the module's documentation."""
    if not _first_error:
        if isinstance(error, RedisFailure) and error.__cause__ is not None:
            error = error.__cause__  # RedisFailure's message names the server: said apart
        _first_error.append(" ".join(str(error).split()) or type(error).__name__)
        logger.warning("Redis went away (%s): stopping the worker's crawls", error)
    for crawler in list(_crawlers):
        _stop(crawler)


def _stop(crawler) -> None:
    if crawler in _stopped:
        return
    _stopped.add(crawler)
    crawler.stats.set_value("newswatch/redis/unavailable", unavailable())
    engine = crawler._engine  # None before the crawl starts (Scrapy's documented way)
    if engine is not None:
        deferred_from_coro(_close_spider(engine))


async def _close_spider(engine) -> None:
    """Close the engine's spider, unless it closed meanwhile (the close runs later)."""
    if engine.spider is None or not engine.running:
        return
    with contextlib.suppress(RuntimeError):  # closed between the check and the call
        await engine.close_spider_async(reason=UNAVAILABLE)


def is_redis_error(record: logging.LogRecord) -> bool:
    if record.exc_info and isinstance(record.exc_info[1], REDIS_ERRORS):
        return True
    # Twisted's "Unhandled error in Deferred" carries its traceback in the message.
    return record.name == "twisted" and _names_redis(record.getMessage())


def _names_redis(text: str) -> bool:
    return "redis.exceptions." in text or "RedisFailure" in text


class _QuietRedisErrors(logging.Filter):
    """Drops log records of Redis connection errors, and starts the stop on the first."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not is_redis_error(record):
            return True
        if record.exc_info:
            error = record.exc_info[1]
        else:  # Twisted's traceback as text: its last line says what
            lines = [line for line in record.getMessage().splitlines() if _names_redis(line)]
            error = ConnectionError(lines[-1].strip() if lines else "Redis failed")
        redis_went_away(error)
        return False


_filter = _QuietRedisErrors()


class RedisOutage:
    """Scrapy extension of worker mode: registers the crawler to be stopped when Redis goes
    away, and watches the log for Redis errors (see the module's documentation)."""

    def __init__(self, crawler):
        self.crawler = crawler
        _crawlers.add(crawler)
        for name in WATCHED_LOGGERS:
            watched = logging.getLogger(name)
            if _filter not in watched.filters:
                watched.addFilter(_filter)

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self, spider):
        if unavailable():  # another crawl of the process met the outage first
            _stop(self.crawler)

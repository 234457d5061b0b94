"""One pace per site for all the workers: N workers of an outlet ask its site no more often
than one crawl on one machine does.

Scrapy keeps a site's pace in the download slot of one process: DOWNLOAD_DELAY (or the delay
AutoThrottle has set since) between two requests to one host. Workers on several machines each
have their own slots, so N of them would ask the site up to N times as often. So in a worker
each request, once its own slot has let it go, also reserves its moment in Redis, in one
atomic step (`RESERVE`, timed by Redis's clock, which all workers share): the moment after the
host's last reservation plus the slot's delay, or now if that has passed. The request waits
until then, and only then opens its connection.

A site's requests from all workers are thus at least its delay apart, whatever machine they
come from: the delay is the one the slot holds (AutoThrottle's when it is on, which slows a
site that answers slowly), randomised as Scrapy randomises it. A slot with no delay
(DOWNLOAD_DELAY=0, as in the benchmarks) asks nothing of Redis. Each worker holds up to
CONCURRENT_REQUESTS_PER_DOMAIN reservations of a site at once; those of a killed worker,
never used, leave a gap of as many delays, and a stopped worker waits for the moments it
reserved before it exits. Redis going away stops the worker (newswatch.scaleout.outage);
the requests already in flight go out unpaced.
"""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.http import Response

from newswatch.mirror import MirrorDownloadHandler
from newswatch.scaleout.client import connect
from newswatch.scaleout.keys import RedisKeys
from newswatch.scaleout.outage import REDIS_ERRORS, redis_went_away, unavailable

# KEYS[1]: the host's pace key; ARGV[1]: its delay in ms. Returns the ms to wait.
RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, free)
local delay = tonumber(ARGV[1])
redis.call('SET', KEYS[1], at + delay, 'PX', at + delay - now + 60000)
return at - now
"""


class SharedPace:
    """The reservations of a host's next request, in Redis."""

    def __init__(self, client, keys: RedisKeys):
        self.keys = keys
        self._reserve = client.register_script(RESERVE)

    def reserve(self, host: str, delay_s: float) -> float:
        """Reserve the next moment `host` may be asked, `delay_s` after the last reservation
        of any worker; the seconds to wait for it (0 when the host has no delay)."""
        if delay_s <= 0:
            return 0.0
        wait_ms = self._reserve(keys=[self.keys.pace(host)], args=[round(delay_s * 1000)])
        return int(wait_ms) / 1000


class SharedPaceDownloadHandler(MirrorDownloadHandler):
    """The HTTP(S) download handler of a worker: it waits for the host's shared moment (see
    the module's documentation), then downloads as MirrorDownloadHandler does. It counts the
    requests that waited in newswatch/pace/waited and the seconds in newswatch/pace/wait_s."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.crawler = crawler
        client, keys = connect(crawler.settings["NEWSWATCH_WORKER_REDIS"])
        self.pace = SharedPace(client, keys)

    async def download_request(self, request: Request) -> Response:
        await self._wait_for_turn(request)
        return await super().download_request(request)

    async def _wait_for_turn(self, request: Request) -> None:
        if unavailable():
            return
        downloader = self.crawler.engine.downloader
        host = downloader.get_slot_key(request)
        slot = downloader.slots.get(host)
        # the slot's next delay, randomised as Scrapy randomises it (RANDOMIZE_DOWNLOAD_DELAY)
        delay = (
            slot.download_delay()
            if slot is not None
            else self.crawler.settings.getfloat("DOWNLOAD_DELAY")
        )
        try:
            wait = self.pace.reserve(host, delay)
        except REDIS_ERRORS as error:
            redis_went_away(error)
            return
        if wait > 0:
            self.crawler.stats.inc_value("newswatch/pace/waited")
            self.crawler.stats.inc_value("newswatch/pace/wait_s", round(wait, 3))
            await asyncio.sleep(wait)

"""The workers' shared duplicate filter, whose memory does not grow for ever.

scrapy-redis's RFPDupeFilter keeps every request fingerprint in one Redis set per spider, for
ever: a worker fleet that runs for years fills Redis with fingerprints of pages nobody will
request again (about 70 MB per million, see bench/redis_memory.py). A monitoring crawl needs
the filter only for a while: an article already stored is skipped before its download by the
known-article check (`<p>:known`, SkipKnownArticlesMiddleware), and what a listing named but
could not be stored is pending in Redis and requested again with dont_filter. What the filter
must still stop is the same page fetched twice by the same crawl (a feed and a sitemap listing
it, two workers reading the same listing) or by crawls close together.

So WindowedDupeFilter subclasses RFPDupeFilter (same place in scrapy-redis's Scheduler, same
logging) and keeps the fingerprints of each time window of NEWSWATCH_DUPEFILTER_HOURS in a set
of their own, `<p>:<outlet>:seen:<window>` (RedisKeys.seen), which expires when the next window
ends. A request is a duplicate when its fingerprint is in the current window's set or the
previous one's: one seen at least one window ago and at most two ago is not filtered any more.
A fingerprint found in the previous window is not copied into the current one, so a page
listed again and again is fetched at most once per one to two windows, and memory stays
bounded by what two windows request. The check and the add are one Lua script: atomic between
workers, one round trip.

Fingerprints are Scrapy's own (`crawler.request_fingerprinter`, which honours
REQUEST_FINGERPRINTER_CLASS), stored as their 20 raw bytes, where scrapy-redis stores 40 hex
characters of a fingerprint of its own.

Its `close()` leaves the sets alone: they are shared with the other workers (RFPDupeFilter's
deletes its set).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter

from newswatch.scaleout.keys import RedisKeys
from newswatch.scaleout.worker import redis_keys

logger = logging.getLogger(__name__)

DEFAULT_WINDOW_HOURS = 24.0

# KEYS[1] the previous window's set, KEYS[2] the current one's; ARGV[1] the fingerprint,
# ARGV[2] when the current set expires (unix milliseconds). 1 if the fingerprint is new.
_SEEN_SCRIPT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
    return 0
end
local added = redis.call('SADD', KEYS[2], ARGV[1])
if added == 1 then
    redis.call('PEXPIREAT', KEYS[2], ARGV[2])
end
return added
"""


class WindowedDupeFilter(RFPDupeFilter):
    """See the module's documentation."""

    logger = logger

    def __init__(
        self,
        server,
        keys: RedisKeys,
        outlet: str,
        window_s: float,
        fingerprint: Callable[[object], bytes],
        debug: bool = False,
        clock: Callable[[], float] = time.time,
    ):
        super().__init__(server, key=keys.seen(outlet, 0), debug=debug)
        if window_s <= 0:
            raise ValueError(f"NEWSWATCH_DUPEFILTER_HOURS must be positive, not {window_s / 3600}")
        self.keys = keys
        self.outlet = outlet
        self.window_s = window_s
        self.fingerprint = fingerprint
        self.clock = clock
        self._script = server.register_script(_SEEN_SCRIPT)

    @classmethod
    def from_spider(cls, spider):
        """What scrapy-redis's Scheduler calls when it opens (it passes no crawler)."""
        settings = spider.settings
        hours = settings.getfloat("NEWSWATCH_DUPEFILTER_HOURS", DEFAULT_WINDOW_HOURS)
        return cls(
            get_redis_from_settings(settings),
            redis_keys(settings),
            spider.name,
            hours * 3600,
            spider.crawler.request_fingerprinter.fingerprint,
            debug=settings.getbool("DUPEFILTER_DEBUG"),
        )

    def window(self, moment: float | None = None) -> int:
        """The number of the time window `moment` (unix seconds; now by default) falls in."""
        return int((self.clock() if moment is None else moment) // self.window_s)

    def request_fingerprint(self, request) -> bytes:
        return self.fingerprint(request)

    def request_seen(self, request) -> bool:
        return self.fingerprint_seen(self.request_fingerprint(request))

    def fingerprint_seen(self, fingerprint: bytes) -> bool:
        """True if `fingerprint` is in this window's set or the previous one's; else False, and
        it is added to this window's."""
        return self._check(fingerprint, self.server) == 0

    def fingerprints_seen(self, fingerprints: list[bytes]) -> list[bool]:
        """`fingerprint_seen` of each, in one round trip (a pipeline)."""
        pipe = self.server.pipeline(transaction=False)
        for fingerprint in fingerprints:
            self._check(fingerprint, pipe)
        return [added == 0 for added in pipe.execute()]

    def _check(self, fingerprint: bytes, client):
        window = self.window()
        expires_ms = round((window + 2) * self.window_s * 1000)  # the next window's end
        return self._script(
            keys=[self.keys.seen(self.outlet, window - 1), self.keys.seen(self.outlet, window)],
            args=[fingerprint, expires_ms],
            client=client,
        )

    def close(self, reason: str = "") -> None:
        """The sets are shared with the other workers: nothing to delete."""

    def clear(self) -> None:
        """Forget every fingerprint of this outlet (scrapy-redis's Scheduler.flush)."""
        pattern = self.keys.seen(self.outlet, 0)[:-1] + "*"
        for key in self.server.scan_iter(match=pattern):
            self.server.delete(key)

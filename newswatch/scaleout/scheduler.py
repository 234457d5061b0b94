"""The workers' scheduler: scrapy-redis's, adapted to Scrapy 2.19 and to Redis going away.

scrapy-redis 0.9.1 is tested up to Scrapy 2.11. Its Scheduler and PriorityQueue work with 2.19
as they are (Scrapy checks a scheduler by its methods, not its base class); what is adapted:

- stats: it passes `spider=` to the stats collector, which Scrapy 2.19 deprecates (a warning
  per request); here the stats are counted without it.
- Redis going away: every call to Redis the engine makes through the scheduler (enqueue,
  next, has-pending) turns a connection error into the worker's clean stop
  (newswatch.scaleout.outage) instead of an exception in the engine's loop, repeated on every
  heartbeat; once Redis is gone the scheduler answers "nothing" without asking it again.

What is used as it is: the PriorityQueue (one sorted set per outlet, `<p>:<outlet>:requests`,
popped atomically, so any number of workers share it), with our JSON serializer
(newswatch.scaleout.serializer) instead of pickle, and SCHEDULER_PERSIST (a worker that stops
leaves the queue to the others). What is not used: its RedisSpider/RedisMixin (start requests
from a Redis list through `start_requests()`, which Scrapy 2.19 no longer calls, and spiders
that never close): our outlet spiders get a worker mode of their own
(newswatch.scaleout.worker). Its duplicate filter is replaced by one whose sets expire
(newswatch.scaleout.dupefilter).
"""

from __future__ import annotations

from scrapy_redis.scheduler import Scheduler

from newswatch.scaleout.outage import REDIS_ERRORS, redis_went_away, unavailable


class RedisScheduler(Scheduler):
    def enqueue_request(self, request) -> bool:
        if unavailable():
            return False
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
        except REDIS_ERRORS as error:
            redis_went_away(error)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        if unavailable():
            return None
        try:
            request = self.queue.pop(self.idle_before_close)
        except REDIS_ERRORS as error:
            redis_went_away(error)
            return None
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if unavailable():
            return False
        try:
            return len(self) > 0
        except REDIS_ERRORS as error:
            redis_went_away(error)
            return False

    def open(self, spider):
        try:
            return super().open(spider)
        except REDIS_ERRORS as error:
            redis_went_away(error)
            return None

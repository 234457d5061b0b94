"""PushPipeline: in a crawl worker, each Article goes to the writer through Redis.

A worker (`newswatch worker`) never opens the SQLite store: where a crawl on one machine ends
in StorePipeline, a worker's ends here, with the article as a message on `<p>:articles` for the
writer (`newswatch writer`), which de-duplicates, links stories and stores it (the message:
newswatch.scaleout.queue.article_message).

`urls` are every URL the page was requested under (the listed one, its redirects, the final
one): the writer forgets them all from `<p>:pending` once the article is committed. The worker
spider keeps them for each article it yields (newswatch.scaleout.worker); an article that came
otherwise has its own URL.

When Redis is unavailable the article is dropped (newswatch/push/failed) and the worker stops
(newswatch.scaleout.outage): its page is still pending in Redis, so the next crawl fetches it
again.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import DropItem

from newswatch.dates import iso_utc, utc_now
from newswatch.items import Article
from newswatch.scaleout.outage import REDIS_ERRORS, redis_went_away, unavailable
from newswatch.scaleout.queue import ArticleQueue, article_message


class PushPipeline:
    def __init__(self, crawler, queue, worker: str):
        self.crawler = crawler
        self.stats = crawler.stats
        self.queue = queue
        self.worker = worker

    @classmethod
    def from_crawler(cls, crawler):
        from newswatch.scaleout.worker import worker_name

        queue = ArticleQueue.from_url(crawler.settings["NEWSWATCH_WORKER_REDIS"])
        pipeline = cls(crawler, queue, worker_name())
        crawler.signals.connect(queue.close, signal=signals.spider_closed)
        return pipeline

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        urls = self._requested_under(item)
        if unavailable():
            self.stats.inc_value("newswatch/push/failed")
            raise DropItem(f"article {item.id} not pushed: Redis is unavailable (still pending)")
        try:
            self.queue.push(article_message(item, urls, iso_utc(utc_now()), self.worker))
        except REDIS_ERRORS as error:
            self.stats.inc_value("newswatch/push/failed")
            redis_went_away(error)
            raise DropItem(f"article {item.id} not pushed: {error} (still pending)") from None
        self.stats.inc_value("newswatch/push/articles")
        return item

    def _requested_under(self, item: Article) -> list[str]:
        taken = getattr(self.crawler.spider, "take_requested_urls", None)
        urls = taken(item) if taken else None
        return [u for u in (urls or [item.url]) if u]

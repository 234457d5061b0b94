"""A fix of Scrapy 2.19: a crawl asked to stop (SIGTERM, Ctrl-C, CloseSpider) while items that
its spider's start() yielded were still in the item pipelines waited for ever.

The scraper lets the spider close once nothing is in progress, and checks that when a
response's items are done, but never when an item from start() leaves the pipelines
(scrapy/core/scraper.py, start_itemproc_async only lowers the count). `newswatch import` yields
every article from start(), and StorePipeline keeps articles a moment for their batch, so a
stop during an import hung it. This extension checks again after each item leaves the pipelines
while the scraper is closing, until the scraper's count of items is down to none.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.utils.asyncio import call_later


class CloseWhenPipelinesDrain:
    RECHECK_S = 0.05

    def __init__(self, crawler):
        self.crawler = crawler
        self.checking = False

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(extension.item_left, signal=signal)
        return extension

    def item_left(self) -> None:
        if self._closing_slot() is not None and not self.checking:
            self.checking = True
            call_later(0, self._check)

    def _check(self) -> None:
        """Let the scraper close once its count of items is down to none (it is lowered a few
        turns of the loop after the item's signal)."""
        slot = self._closing_slot()
        if slot is None or slot.closing.called:
            self.checking = False
        elif slot.is_idle():
            self.checking = False
            self.crawler.engine.scraper._check_if_closing()  # the check Scrapy leaves out
        else:
            call_later(self.RECHECK_S, self._check)

    def _closing_slot(self):
        slot = self.crawler.engine.scraper.slot
        return slot if slot is not None and slot.closing is not None else None

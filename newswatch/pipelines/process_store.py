"""ProcessStorePipeline: StorePipeline's batches written by a writer process of their own."""

from __future__ import annotations

import asyncio
import functools
import logging

from scrapy.exceptions import CloseSpider, DropItem
from scrapy.utils.asyncio import is_asyncio_available

from newswatch.items import Article
from newswatch.pipelines.store import StorePipeline
from newswatch.scaleout.local import LocalWriter, WriterGone
from newswatch.store import StoreError

logger = logging.getLogger(__name__)


class ProcessStorePipeline(StorePipeline):
    """StorePipeline (`NEWSWATCH_WRITER=process`) whose batches a child process writes
    (newswatch.scaleout.local), so that storing (de-duplication, story linking, the full-text
    index) runs on the second core while this process fetches, extracts and scores the next
    pages. Batching, counting and dropping are StorePipeline's; as there, an article is passed
    on (and its pending row forgotten) only once the child answered that its batch committed.

    At most NEWSWATCH_WRITER_IN_FLIGHT batches are with the child at a time: one being written
    and one waiting keep it busy, and more would only hold more articles away from the store
    should it die. Articles that come meanwhile wait in the next batch, and when a batch is
    answered the waiting ones go at once if a batch was due (full, or its time up): the child
    never idles while articles wait for it.

    If the child dies (killed, out of memory), the crawl stops with the reason `store_error`
    and one line saying so (newswatch/store/error, which the commands print); the articles it
    had not answered for are dropped (newswatch/store/writer_gone), not lost: they stay
    pending in the store, and the next crawl fetches them."""

    def __init__(self, *args, in_flight: int = 2, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_flight = max(1, in_flight)
        self.writer: LocalWriter | None = None
        self.flush_due = False
        self.sent: set[asyncio.Future] = set()

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = super().from_crawler(crawler)
        pipeline.in_flight = max(1, crawler.settings.getint("NEWSWATCH_WRITER_IN_FLIGHT", 2))
        return pipeline

    async def open_spider(self):
        """Start the writer process; if it cannot open the store, the crawl ends at once
        (`store_error`, the reason in newswatch/store/error)."""
        if not is_asyncio_available():
            raise StoreError("NEWSWATCH_WRITER=process needs Scrapy's asyncio reactor")
        self.writer = LocalWriter(self.db_path, on_gone=self._writer_gone)
        try:
            await self.writer.start()
        except (StoreError, OSError) as error:
            self.writer = None
            self.stats.inc_value("newswatch/store/errors")
            self.stats.set_value("newswatch/store/error", str(error))
            logger.error("%s", error)
            raise CloseSpider("store_error") from error

    async def close_spider(self):
        """Send what waits, wait for every answer, then let the child exit."""
        if self.writer is None:
            return
        self._flush()
        while self.sent or self.pending:
            await asyncio.gather(*self.sent, return_exceptions=True)
            await asyncio.sleep(0)  # the answers' callbacks run, and send what waited
        await self.writer.close()
        self.stats.set_value("newswatch/writer/batches", self.writer.numbers)
        if self.writer.cpu_seconds is not None:
            self.stats.set_value("newswatch/writer/cpu_s", round(self.writer.cpu_seconds, 2))
        self.writer = None

    def _writes_at_once(self) -> bool:
        return False  # even a batch of one goes to the child, not into this process

    def _flush(self) -> None:
        """The pending articles are due: send them now, or as soon as the child has room."""
        self._cancel_timer()
        self.flush_due = True
        self._send()

    def _send(self) -> None:
        while self.pending and len(self.sent) < self.in_flight:
            batch, self.pending = self.pending[: self.batch_size], self.pending[self.batch_size :]
            sent = self.writer.send([(item, seen_at) for item, seen_at, _ in batch])
            self.sent.add(sent)
            sent.add_done_callback(functools.partial(self._answered, batch))
        if not self.pending:
            self.flush_due = False

    def _answered(self, batch: list, sent: asyncio.Future) -> None:
        self.sent.discard(sent)
        error = sent.exception()
        self._settle_batch(batch, [error] * len(batch) if error else sent.result())
        if self.flush_due or len(self.pending) >= self.batch_size:
            self._send()

    def _settle(self, item: Article, outcome) -> None:
        if isinstance(outcome, WriterGone):  # not stored, and still pending: not lost
            self.stats.inc_value("newswatch/store/writer_gone")
            raise DropItem(f"article {item.id} not stored: {outcome}", log_level="INFO")
        super()._settle(item, outcome)

    def _writer_gone(self, message: str) -> None:
        """The child died: what waits to be sent is dropped too, and the crawl stops."""
        self.stats.inc_value("newswatch/store/errors")
        self._stop_crawl(message)
        self._cancel_timer()
        batch, self.pending = self.pending, []
        self._settle_batch(batch, [WriterGone(message)] * len(batch))

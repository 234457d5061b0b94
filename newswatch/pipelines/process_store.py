"""ProcessStorePipeline: StorePipeline's batches written by a writer process of their own."""

from __future__ import annotations

import asyncio

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.asyncio import call_later, is_asyncio_available

from newswatch.items import Article
from newswatch.pipelines.store import StorePipeline
from newswatch.scaleout.local import LocalWriter, WriterGone
from newswatch.store import StoreError


class ProcessStorePipeline(StorePipeline):
    """StorePipeline (`NEWSWATCH_WRITER=process`) whose batches a child process writes
    (newswatch.scaleout.local), so that storing (de-duplication, story linking, the full-text
    index) runs on the second core while this process fetches, extracts and scores the next
    pages. Counting and dropping are StorePipeline's; as there, an article is passed on (and
    its pending row forgotten) only once the child answered that its batch committed.

    One batch is with the child at a time, and the next goes once the articles of the one
    before have left the item pipelines. Passing an article on makes this process write too
    (PendingArticlesMiddleware forgets its pending row): had the child begun its next
    transaction by then, that write would wait for it, and the whole crawl with it, since
    SQLite lets one writer at a time (measured: with two batches in flight the crawl spent a
    fifth of its time waiting so). Meanwhile the articles that come wait in the next batch,
    and go as soon as the child is free: a batch holds what came while the one before was
    written (NEWSWATCH_WRITER_BATCH at most, 100; NEWSWATCH_STORE_BATCH_S plays no part), so
    that the child never idles while articles wait, and batches grow when the child is the
    slower of the two, which makes each article cheaper to write.

    If the child dies (killed, out of memory), the crawl stops with the reason `store_error`
    and one line saying so (newswatch/store/error, which the commands print); the articles it
    had not answered for are dropped (newswatch/store/writer_gone), not lost: they stay
    pending in the store, and the next crawl fetches them."""

    LEAVING_WAIT_S = 0.5
    """How long the next batch waits at most for the articles of the one before to leave the
    pipelines (they do within a few turns of the loop; a crawl cancelled meanwhile says so
    with no signal)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.writer: LocalWriter | None = None
        self.at_child: asyncio.Future | None = None
        self.leaving: set[int] = set()  # id() of the answered articles not passed on yet
        self.leaving_timer = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = super().from_crawler(crawler)
        pipeline.batch_size = max(1, crawler.settings.getint("NEWSWATCH_WRITER_BATCH", 100))
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(pipeline._item_left, signal=signal)
        return pipeline

    async def open_spider(self):
        """Start the writer process (if it cannot open the store, it says why and exits: the
        crawl stops then, as when it dies)."""
        if not is_asyncio_available():
            raise StoreError("NEWSWATCH_WRITER=process needs Scrapy's asyncio reactor")
        self.writer = LocalWriter(self.db_path, on_gone=self._writer_gone)
        await self.writer.start()

    async def close_spider(self):
        """Send what waits, wait for every answer, then let the child exit."""
        if self.writer is None:
            return
        self.leaving.clear()  # nothing is passed on any more
        while self.at_child is not None or self.pending:
            self._send()
            if self.at_child is not None:
                await asyncio.gather(self.at_child, return_exceptions=True)
            await asyncio.sleep(0)  # the answer's callback runs
            self.leaving.clear()
        await self.writer.close()
        self.stats.set_value("newswatch/writer/batches", self.writer.numbers)
        if self.writer.cpu_seconds is not None:
            self.stats.set_value("newswatch/writer/cpu_s", round(self.writer.cpu_seconds, 2))
            memory = round(self.writer.peak_memory / 2**20, 1)
            self.stats.set_value("newswatch/writer/peak_memory_mb", memory)
        self.writer = None

    def _writes_at_once(self) -> bool:
        return False  # even a batch of one goes to the child, not into this process

    def _queued(self) -> None:
        self._send()  # if the child is free, this article need not wait for company

    def _flush(self) -> None:
        self._send()

    def _send(self) -> None:
        """Send what waits (a batch at most), if the child is free."""
        if not self.pending or self.at_child is not None or self.leaving:
            return
        batch, self.pending = self.pending[: self.batch_size], self.pending[self.batch_size :]
        self.at_child = self.writer.send([(item, seen_at) for item, seen_at, _ in batch])
        self.at_child.add_done_callback(lambda sent: self._answered(batch, sent))

    def _answered(self, batch: list, sent: asyncio.Future) -> None:
        self.at_child = None
        error = sent.exception()
        self.leaving = {id(item) for item, _, done in batch if not done.done()}
        self._settle_batch(batch, [error] * len(batch) if error else sent.result())
        if self.leaving:
            self.leaving_timer = call_later(self.LEAVING_WAIT_S, self._left)
        else:
            self._send()

    def _item_left(self, item) -> None:
        if id(item) in self.leaving:
            self.leaving.discard(id(item))
            if not self.leaving:
                # After the other receivers of this signal (the pending row forgotten).
                asyncio.get_running_loop().call_soon(self._left)

    def _left(self) -> None:
        if self.leaving_timer is not None:
            self.leaving_timer.cancel()
            self.leaving_timer = None
        self.leaving.clear()
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

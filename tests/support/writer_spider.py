"""A crawl that writes many articles through newswatch's pipelines, for the concurrency tests.

Run with `scrapy runspider tests/support/writer_spider.py -a count=N -a prefix=P` from the
repository, so that the project's settings (pipelines, NEWSWATCH_DB) apply.
"""

from newswatch.items import Article
from newswatch.spiders.base import NewswatchSpider


class WriterSpider(NewswatchSpider):
    name = "writer"
    custom_settings = {"ROBOTSTXT_OBEY": False}

    def __init__(self, count="100", prefix="writer", **kwargs):
        super().__init__(**kwargs)
        self.count = int(count)
        self.prefix = prefix

    async def discover(self):
        import asyncio

        for n in range(self.count):
            # Spread the writes over a few seconds, so that the other process's writes
            # certainly fall among them.
            await asyncio.sleep(0.002)
            yield Article(
                url=f"https://www.unian.ua/politics/{self.prefix}-{n:08d}.html",
                title=f"Стаття {n}",
                text=f"Переговори, абзац {n}.\n\nДругий абзац.",
                published="2026-11-19T15:20:00+02:00",
            )

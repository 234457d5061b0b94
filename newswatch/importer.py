"""`newswatch import`: seed-format files into the store, through the same item pipelines as a
crawl. The import is itself a (file-reading) Scrapy crawl, so normalising, topic scoring,
de-duplication and storing treat imported and crawled articles alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from newswatch.spiders.base import NewswatchSpider


class ImportSpider(NewswatchSpider):
    """Yields the articles of the seed-format files (or folders of them) in `paths`.
    It lives outside the spiders package: it is not an outlet, so `scrapy list` omits it."""

    name = "import"
    custom_settings = {"ROBOTSTXT_OBEY": False}

    def __init__(self, paths: Sequence[str | Path] = (), **kwargs: Any):
        super().__init__(**kwargs)
        self.paths = [Path(p) for p in paths]

    async def discover(self) -> AsyncIterator[Any]:
        for article in self.read_seed_articles(self.paths):
            yield article

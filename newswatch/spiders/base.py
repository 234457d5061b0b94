"""NewswatchSpider: what every newswatch crawl shares.

A crawl into a store that holds no article yet first yields the bundled seed documents, so the
topic is in the database from the first use, whichever command or spider ran first. Subclasses
route; they implement `discover()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import scrapy

from newswatch.dates import utc_now
from newswatch.items import Article
from newswatch.seedfile import SeedFileError, iter_seed_paths, read_seed_file
from newswatch.seeds import seeds_dir, store_needs_seeds


class NewswatchSpider(scrapy.Spider):
    """Base of every newswatch spider."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.refused: list[SeedFileError] = []
        self.warnings: list[str] = []

    async def start(self) -> AsyncIterator[Any]:
        if store_needs_seeds(self.settings):
            folder = seeds_dir(self.settings)
            if folder.is_dir():
                self.logger.info("new store: importing the seed documents from %s", folder)
                for article in self.read_seed_articles([folder], "first_use"):
                    yield article
            else:
                self.logger.warning("new store, but no seed documents at %s", folder)
        async for output in self.discover():
            yield output

    async def discover(self) -> AsyncIterator[Any]:
        """Requests and items of this crawl, after the first-use seeds."""
        return
        yield

    def read_seed_articles(self, paths: Iterable[Path], kind: str = "import") -> Iterator[Article]:
        """Articles from seed-format files; a file that cannot be imported is recorded in
        `self.refused` (and the crawl stats) and the others go on. Stats are counted under
        newswatch/<kind>/read and newswatch/<kind>/refused."""
        today = utc_now().date()
        for path in iter_seed_paths(paths):
            try:
                seed = read_seed_file(path, today)
            except SeedFileError as error:
                self.logger.warning("refused %s", error)
                self.refused.append(error)
                self.crawler.stats.inc_value(f"newswatch/{kind}/refused")
                continue
            for warning in seed.warnings:
                self.logger.info("%s: %s", path, warning)
                self.warnings.append(f"{path}: {warning}")
            self.crawler.stats.inc_value(f"newswatch/{kind}/read")
            yield seed.article

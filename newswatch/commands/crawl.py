"""`scrapy crawl`, Scrapy's own command, with the errors a user can cause in one line on stderr
and a non-zero exit instead of a traceback or a quiet exit 0: an unknown spider name, a
database (NEWSWATCH_DB) that cannot be opened, a spider argument the spider refused."""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from newswatch.store import StoreError, open_store, resolve_db_path

REFUSED = ("bad_argument", "store_error")
"""Finish reasons of a crawl that refused to run or could not store: the command exits 1."""


class Command(ScrapyCrawl):
    _crawler = None  # the crawl's Crawler, to read how it finished

    def run(self, args, opts) -> None:
        if len(args) == 1 and (problem := self._refusal(args[0])):
            print(f"scrapy crawl: {problem}", file=sys.stderr)
            self.exitcode = 1
            return
        super().run(args, opts)
        if self._crawler is not None and self._crawler.stats.get_value("finish_reason") in REFUSED:
            self.exitcode = 1

    def _create_crawler(self, spidercls):
        self._crawler = super()._create_crawler(spidercls)
        return self._crawler

    def _refusal(self, name: str) -> str | None:
        """Why the crawl cannot start, before Scrapy's own tracebacks would say it."""
        names = self.crawler_process.spider_loader.list()
        if name not in names:
            return f"no spider {name!r}; the spiders are {', '.join(sorted(names))}"
        try:
            open_store(resolve_db_path(settings=self.settings)).close()
        except StoreError as error:
            return str(error)
        return None

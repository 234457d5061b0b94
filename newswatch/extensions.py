"""Scrapy extensions."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured


class StatsDumpFile:
    """With STATS_DUMP_FILE set, write the crawl's final stats there as one JSON object when
    the spider closes (written whole, via a temporary file), for scripts and tests to read."""

    def __init__(self, crawler, path: Path):
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("STATS_DUMP_FILE")
        if not path:
            raise NotConfigured
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        text = json.dumps(stats, default=_jsonable, indent=1, sort_keys=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.path)


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)

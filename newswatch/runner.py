"""Running crawls from the newswatch commands: one Twisted reactor per process, any number of
crawls in it, their stats and spiders returned for reporting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from newswatch.outlet_lock import CrawlAlreadyRunning


def project_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """newswatch's Scrapy settings, found without scrapy.cfg (the commands run anywhere)."""
    import os

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newswatch.settings")
    settings = get_project_settings()
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawls(
    settings: Settings,
    jobs: Sequence[tuple[type, Mapping[str, Any]]],
    refused: list[CrawlAlreadyRunning] | None = None,
) -> list[Crawler]:
    """Run each (spider class, spider arguments) crawl, one after the other, in this process;
    return their crawlers once all have finished. A crawl of an outlet that another process is
    crawling does not start; it is added to `refused` (when given) and the others still run."""
    process = CrawlerProcess(settings)
    crawlers = [process.create_crawler(spidercls) for spidercls, _ in jobs]
    failures = []

    def failed(failure):
        if refused is not None and failure.check(CrawlAlreadyRunning):
            refused.append(failure.value)
        else:
            failures.append(failure)

    def chain(index: int = 0):
        if index == len(jobs):
            return None
        deferred = process.crawl(crawlers[index], **jobs[index][1])
        deferred.addErrback(failed)
        deferred.addBoth(lambda _: chain(index + 1))
        return deferred

    chain()
    process.start()
    if failures:  # a crawl that could not even start (its pipelines failed to open)
        failures[0].raiseException()
    return crawlers

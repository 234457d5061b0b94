"""One crawl per outlet and database at a time, across processes and restarts.

A Scrapy extension (so `newswatch crawl`, `scrapy crawl` and the daemon's crawls all obey it):
when the crawler of an outlet's spider is built, before anything is fetched or stored, it
takes the lock `<database>.locks/<outlet>.lock` (newswatch/locks.py: a lock the kernel frees
when its holder dies, however it died) and holds it until the engine stops. When another
process holds it, the crawl does not start (a warning in the log): CrawlAlreadyRunning, which
ends `scrapy crawl` with the exit status ALREADY_RUNNING_EXIT and which `newswatch crawl` turns
into one line on stderr and the same exit status.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newswatch.locks import ALREADY_RUNNING_EXIT, LockBusy, held_lock

logger = logging.getLogger(__name__)

__all__ = ["ALREADY_RUNNING_EXIT", "CrawlAlreadyRunning", "OutletLock", "outlet_lock_path"]


class CrawlAlreadyRunning(SystemExit):
    """Another process is crawling this outlet into this database. A SystemExit with the status
    ALREADY_RUNNING_EXIT, so that `scrapy crawl` ends with it (and no traceback); `newswatch
    crawl` catches it, says so in one line and crawls the other outlets named."""

    def __init__(self, outlet: str, db: Path, holder: int | None):
        super().__init__(ALREADY_RUNNING_EXIT)
        by = f"pid {holder}" if holder else "another process"
        self.message = f"{outlet} is already being crawled into {db} ({by}); not crawled again"
        self.outlet = outlet

    def __str__(self) -> str:
        return self.message


def outlet_lock_path(db: Path, outlet: str) -> Path:
    return db.with_name(f"{db.name}.locks") / f"{outlet}.lock"


class OutletLock:
    """Holds the outlet's lock for the crawl (see the module's documentation)."""

    def __init__(self) -> None:
        self.held = ExitStack()

    @classmethod
    def from_crawler(cls, crawler):
        from newswatch.outlets import OUTLETS
        from newswatch.store import resolve_db_path

        outlet = crawler.spidercls.name
        if outlet not in OUTLETS:
            raise NotConfigured  # imports and test crawls are not outlet crawls
        db = resolve_db_path(settings=crawler.settings)
        path = outlet_lock_path(db, outlet)
        extension = cls()
        try:
            extension.held.enter_context(held_lock(path, wait=False))
        except LockBusy as busy:
            refusal = CrawlAlreadyRunning(outlet, db, busy.holder)
            logger.warning("%s", refusal)
            raise refusal from None
        except OSError as error:  # a read-only folder: the store will say so itself
            logger.warning("cannot take the lock %s (%s); crawling without it", path, error)
            raise NotConfigured from None
        crawler.signals.connect(extension.release, signal=signals.engine_stopped)
        return extension

    def release(self) -> None:
        self.held.close()

"""The five seed documents that define the topic, bundled with newswatch, and the rule that a
store holding no article yet receives them first, so that the topic is visible from the start."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from newswatch.store import count_articles, open_store, resolve_db_path


def bundled_seeds_dir() -> Path:
    """The seeds folder of a source checkout (editable install), else the copy installed
    under <prefix>/share/newswatch/seeds."""
    checkout = Path(__file__).resolve().parent.parent / "seeds"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "newswatch" / "seeds"


def seeds_dir(settings: Mapping[str, Any] | None = None) -> Path:
    configured = settings.get("NEWSWATCH_SEEDS") if settings else None
    return Path(configured) if configured else bundled_seeds_dir()


def store_is_empty(path: Path) -> bool:
    """Open (create, migrate) the store at `path`; True when it holds no article at all."""
    db = open_store(path)
    try:
        return count_articles(db) == 0
    finally:
        db.close()


def store_needs_seeds(settings: Mapping[str, Any]) -> bool:
    """True when the crawl's store is new: it holds no article at all."""
    return store_is_empty(resolve_db_path(settings=settings))

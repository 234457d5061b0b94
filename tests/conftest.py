"""Shared test fixtures. Tests never touch the network; real pages come from ../shared by path."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSWATCH_SHARED", REPO.parent / "shared"))
SEEDS = REPO / "seeds"
# A fixed "now" for everything that judges dates, so that tests never depend on the clock.
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared, which CI places beside the clone. Missing is a failure, never a skip."""
    if not (SHARED / "fixtures").is_dir() or not (SHARED / "seeds").is_dir():
        pytest.fail(f"{SHARED} with fixtures/ and seeds/ is required beside the repository")
    return SHARED


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "test.db"


def run_newswatch(
    *args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run the `newswatch` command in a real subprocess (a fresh reactor each time)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "newswatch.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or REPO,
        timeout=timeout,
    )

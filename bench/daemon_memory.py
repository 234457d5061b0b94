"""The daemon's resident memory after N scheduled replay crawls: the job function the scheduler
runs (newswatch.daemon.run_crawl: one outlet's crawl, here replayed from the demo pages) called
N times in this process, as the daemon would over N scheduled runs; RSS before, after, and its
growth. The crawls themselves run in subprocesses, so what grows here is the daemon's own.

    python bench/daemon_memory.py [--crawls 200]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from newswatch.daemon import run_crawl
from newswatch.fixtures import DEMO_DIR
from newswatch.outlets import OUTLETS

REPO = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawls", type=int, default=200)
    args = parser.parse_args()
    outlets = list(OUTLETS)
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "daemon.db")
        run_crawl(outlets[0], "feeds", db, replay=str(DEMO_DIR), cwd=str(REPO))  # warm-up
        before = rss_mb()
        failed = sum(
            run_crawl(outlets[n % len(outlets)], "feeds", db, replay=str(DEMO_DIR), cwd=str(REPO))
            != 0
            for n in range(args.crawls)
        )
        after = rss_mb()
    result = {
        "daemon_crawls": args.crawls,
        "daemon_failed_crawls": failed,
        "daemon_rss_mb_before": round(before, 1),
        "daemon_rss_mb": round(after, 1),
        "daemon_rss_growth_mb": round(after - before, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

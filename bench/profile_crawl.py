"""Where a replay crawl's CPU goes: the pages of bench/replay_throughput.py (generated from
UNIAN's demo pages) crawled under cProfile through the full pipeline, and the functions that
cost most printed (cumulative and own time, per article).

    python bench/profile_crawl.py [--pages 1000] [--out crawl.prof] [--tree DIR] [--top 40]
                                  [-s NAME=VALUE ...]

`--tree DIR` profiles the code of another checkout (a worktree of an earlier commit, with its
own .venv), so that two versions are profiled on the same pages. cProfile makes the crawl about
twice as slow; compare shares and ratios, not absolute times with an unprofiled run. `-s`
passes a setting on (`-s 'ITEM_PIPELINES={}'`: fetch and extract only).
"""

from __future__ import annotations

import argparse
import os
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay_throughput import FAST as REPLAY_FAST  # noqa: E402
from replay_throughput import generate  # noqa: E402

from newswatch.fixtures import serve_fixtures  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FAST = [*REPLAY_FAST, "-s", "LOG_LEVEL=ERROR"]


def profile(tree: Path, mirror: str, db: Path, out: Path, settings: list[str]) -> None:
    python = tree / ".venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    command = [str(python if python.exists() else sys.executable), "-m", "cProfile", "-o"]
    command += [str(out), "-m", "scrapy", "crawl", "unian", "-s", f"NEWSWATCH_MIRROR={mirror}"]
    command += ["-s", f"NEWSWATCH_DB={db}", *FAST, *(f"-s{s}" for s in settings)]
    subprocess.run(command, cwd=tree, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=None, help="keep the profile here")
    parser.add_argument("--tree", type=Path, default=REPO, help="the checkout to profile")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder / "corpus", args.pages)
        out = args.out or folder / "crawl.prof"
        with serve_fixtures([folder / "corpus"]) as base:
            profile(args.tree.resolve(), base, folder / "p.db", out, args.settings)
        stats = pstats.Stats(str(out))
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()

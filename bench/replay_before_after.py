"""The replay benchmark (bench/replay_throughput.py) of two checkouts, taking turns: `--before`
(a worktree of an earlier commit, with its own .venv) and this one, `--rounds` times each, so
that the machine's other load falls on both alike. Prints each run and the medians side by
side.

    python bench/replay_before_after.py --before ../wt-base [--rounds 3] [--pages 2000]

Each checkout runs its own bench/replay_throughput.py (its plain-Scrapy ceiling, its full
pipeline, its crawl without item pipelines, in one run). Writes
bench/results/replay_before_after.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MEASURES = (
    "replay_articles_per_s",
    "scrapy_ceiling_pages_per_s",
    "replay_vs_ceiling",
    "replay_extract_only_pages_per_s",
    "replay_peak_memory_mb",
)


def replay(tree: Path, pages: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    python = str(tree / ".venv" / "bin" / "python")
    command = [python, "bench/replay_throughput.py", "--pages", str(pages)]
    done = subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": REPO}
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for round_ in range(args.rounds):
        for name, tree in trees.items():
            result = replay(tree, args.pages)
            runs[name].append(result)
            print(round_, name, {k: result[k] for k in MEASURES}, flush=True)
    medians = {
        name: {k: statistics.median(r[k] for r in results) for k in MEASURES}
        for name, results in runs.items()
    }
    print(f"{'median of ' + str(args.rounds):32} {'before':>9} {'after':>9}")
    for k in MEASURES:
        print(f"{k:32} {medians['before'][k]:9} {medians['after'][k]:9}")
    result = {"pages": args.pages, "rounds": args.rounds, "median": medians, "runs": runs}
    (REPO / "bench" / "results" / "replay_before_after.json").write_text(
        json.dumps(result, indent=2) + "\n"
    )
    print(json.dumps({"pages": args.pages, "rounds": args.rounds, "median": medians}))


if __name__ == "__main__":
    main()

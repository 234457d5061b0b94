"""CPU per article of the replay crawl, for two checkouts taking turns: the pages of
bench/replay_throughput.py crawled by `scrapy crawl unian` from a local server, through the
full pipeline and with no item pipelines (fetch and extract only), and the CPU time the crawl
process used (user + system, from the kernel), in ms per page. On a machine that others share,
CPU time is what a change saves; wall time also counts the waits for a core.

    python bench/crawl_cpu.py --before ../wt-base [--rounds 3] [--pages 2000]

The server runs in this process, so its CPU is not counted. The crawl's start (imports, the
topic's dictionaries) is in the count: a fixed cost per crawl, the same for both. Writes
bench/results/crawl_cpu.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from replay_throughput import FAST as REPLAY_FAST  # bench/ is the script's folder

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
FAST = [*REPLAY_FAST, "-s", "LOG_LEVEL=ERROR"]
KINDS = {"full": [], "extract_only": ["-s", "ITEM_PIPELINES={}"]}


def crawl(tree: Path, mirror: str, db: Path, settings: list[str]) -> dict:
    """One crawl in `tree`'s interpreter: its CPU and wall seconds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    command = [str(tree / ".venv" / "bin" / "python"), "-m", "scrapy", "crawl", "unian"]
    command += ["-s", f"NEWSWATCH_MIRROR={mirror}", "-s", f"NEWSWATCH_DB={db}", *FAST, *settings]
    started = os.times().elapsed
    process = subprocess.Popen(command, cwd=tree, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": os.times().elapsed - started}


def _per_page(results: list[dict], measure: str, pages: int) -> float:
    return round(1000 * statistics.median(r[measure] for r in results) / pages, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    from replay_throughput import generate

    from newswatch.fixtures import serve_fixtures

    trees = {"before": args.before.resolve(), "after": REPO}
    runs: dict[str, dict[str, list[dict]]] = {n: {k: [] for k in KINDS} for n in trees}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder / "corpus", args.pages)
        with serve_fixtures([folder / "corpus"]) as mirror:
            for round_ in range(args.rounds):
                for kind, settings in KINDS.items():
                    for name, tree in trees.items():
                        db = folder / f"{name}-{kind}-{round_}.db"
                        result = crawl(tree, mirror, db, settings)
                        runs[name][kind].append(result)
                        print(round_, kind, name, result, flush=True)
    summary: dict[str, dict[str, float]] = {}
    print(f"{'ms per page (median of ' + str(args.rounds) + ')':34} {'before':>8} {'after':>8}")
    for kind in KINDS:
        for measure in ("cpu_s", "wall_s"):
            label = f"{kind} {measure[:-2]} ms/page"
            values = {n: _per_page(runs[n][kind], measure, args.pages) for n in trees}
            summary[label] = values
            print(f"{label:34} {values['before']:8} {values['after']:8}")
    result = {"pages": args.pages, "rounds": args.rounds, "summary": summary, "runs": runs}
    (BENCH / "results" / "crawl_cpu.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"pages": args.pages, "rounds": args.rounds, "summary": summary}))


if __name__ == "__main__":
    main()

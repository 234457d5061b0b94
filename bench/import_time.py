"""Wall time of `newswatch import` of 1 and of 5 seed files into a store that already holds the
seeds (so that no first-use import is timed), each a fresh process, median of 3 runs; beside
it the floor every command pays, `newswatch --version` (Python and imports). Writes
bench/results/import_time.json.

    python bench/import_time.py [--runs 3] [--label after]

To time another version, put its source first on PYTHONPATH: the command runs as
`python -m newswatch.cli` with this environment.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = sorted((REPO / "seeds").glob("*.txt"))
RESULTS = REPO / "bench" / "results" / "import_time.json"


def _newswatch(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newswatch.cli", *args], check=True, capture_output=True)
    return time.perf_counter() - started


def _import(db: Path, files: list[Path]) -> float:
    return _newswatch("import", *map(str, files), "--db", str(db))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--label", default="after", help="the key the result is saved under")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "import.db"
        _import(db, SEEDS)  # the store and its seeds, not timed
        result = {
            f"{len(files)} file{'s' if len(files) > 1 else ''}": round(
                statistics.median(_import(db, files) for _ in range(args.runs)), 2
            )
            for files in (SEEDS[:1], SEEDS[:5])
        }
        result["newswatch --version"] = round(
            statistics.median(_newswatch("--version") for _ in range(args.runs)), 2
        )
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    saved[args.label] = {"median_seconds": result, "runs": args.runs}
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    print(json.dumps({args.label: saved[args.label]}))


if __name__ == "__main__":
    main()

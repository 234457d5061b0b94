"""CPU per article of each stage of the pipeline, for two checkouts side by side: the pages of
bench/replay_throughput.py (generated from UNIAN's demo pages) through each public function in
turn, warm (every page once before timing, as a crawl's caches are after its first pages).

    python bench/stage_costs.py --before ../wt-base [--pages 500] [--rounds 5]

Each round runs every stage over all pages in a fresh process, the two checkouts alternating
(so that the machine's other load falls on both); the table gives the median over rounds of ms
per article (CPU time of the process: on a shared machine, what a change saves; wall time also
counts the waits for a core), before and after, and their ratio. The stages:

- extract: `extract_article` on the page's text;
- normalise: `normalise_article`;
- topic: `judge_article` against the bundled topic;
- fingerprint: `newswatch.dedup.fingerprint` (of which story_features, minhash and
  normalise_text, timed apart);
- stems: `text_stems`, the search column;
- store: `write_batch` of 25 articles a transaction into a fresh store (de-duplication, story
  linking, the row and its indexes: `save_article`), with a fresh store each round.

Writes bench/results/stage_costs.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
STAGES = (
    "extract",
    "normalise",
    "topic",
    "fingerprint",
    "story_features",
    "minhash",
    "normalise_text",
    "stems",
    "store",
)


def measure(corpus: Path, out: Path) -> None:
    """One round in this interpreter's checkout: ms per article of each stage."""
    from newswatch.dedup import fingerprint, minhash, normalise_text, story_features
    from newswatch.extraction import extract_article
    from newswatch.fixtures import load_fixtures
    from newswatch.pipelines.normalise import normalise_article
    from newswatch.search import text_stems
    from newswatch.store import open_store
    from newswatch.store.batch import write_batch
    from newswatch.topic import judge_article, load_topics

    topics = load_topics(None)
    pages = [
        (f.url, f.body.decode("utf-8"))
        for f in sorted(load_fixtures([corpus]).values(), key=lambda f: f.url)
        if f.page_kind == "article"
    ]
    n = len(pages)
    timings: dict[str, float] = {}

    def timed(stage: str, run) -> list:
        started = time.process_time()
        results = run()
        timings[stage] = (time.process_time() - started) * 1000 / n
        return results

    def all_stages(record: bool) -> None:
        extracted = timed("extract", lambda: [extract_article(h, u, now=NOW) for u, h in pages])
        articles = [copy.deepcopy(a) for a in extracted]
        timed("normalise", lambda: [normalise_article(a, NOW) for a in articles])
        timed("topic", lambda: [judge_article(a, topics) for a in articles])
        fields = [(a.title, a.lead, a.text, a.language) for a in articles]
        timed("fingerprint", lambda: [fingerprint(*f) for f in fields])
        timed("story_features", lambda: [story_features(*f) for f in fields])
        normalised = timed("normalise_text", lambda: [normalise_text(f[2]) for f in fields])
        words = [text.split() for text in normalised]
        timed("minhash", lambda: [minhash(w) for w in words])
        timed("stems", lambda: [text_stems(*f) for f in fields])
        with tempfile.TemporaryDirectory() as tmp:
            db = open_store(Path(tmp) / "s.db")
            db.execute("SELECT count(*) FROM articles").fetchone()
            batches = [
                [(a, (NOW + timedelta(seconds=i + j)).isoformat()) for j, a in enumerate(chunk)]
                for i, chunk in ((i, articles[i : i + 25]) for i in range(0, n, 25))
            ]
            timed("store", lambda: [write_batch(db, batch) for batch in batches])
            db.close()
        if not record:
            timings.clear()

    all_stages(record=False)  # warm: caches filled, dictionaries loaded, code compiled
    all_stages(record=True)
    out.write_text(json.dumps(timings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required="--measure" not in sys.argv)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    sys.path.insert(0, str(BENCH))
    from replay_throughput import generate

    trees = {"before": args.before.resolve(), "after": REPO}
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder / "corpus", args.pages)
        for round_ in range(args.rounds):
            for name, tree in trees.items():
                out = folder / f"{name}-{round_}.json"
                python = str(tree / ".venv" / "bin" / "python")
                command = [python, __file__, "--measure", str(folder / "corpus"), str(out)]
                subprocess.run(command, cwd=tree, env=env, check=True)
                runs[name].append(json.loads(out.read_text()))
    result = {"pages": args.pages, "rounds": args.rounds, "ms_per_article": {}}
    print(f"{'stage':16} {'before':>8} {'after':>8} {'ratio':>6}   (median ms per article)")
    for stage in STAGES:
        before = statistics.median(r[stage] for r in runs["before"])
        after = statistics.median(r[stage] for r in runs["after"])
        result["ms_per_article"][stage] = {
            "before": round(before, 3),
            "after": round(after, 3),
            "ratio": round(after / before, 3) if before else None,
        }
        print(f"{stage:16} {before:8.3f} {after:8.3f} {after / before:6.2f}")
    (BENCH / "results" / "stage_costs.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

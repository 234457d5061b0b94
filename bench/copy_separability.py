"""How far text alone can tell copies from other reports of the same event, on the real corpus
(../shared/corpus/topic_dev_{en,uk,ru}.jsonl, truth in `copy_of` and `event`).

A copy detector compares two articles in one language; the pairs that can fool it are reports
of one event. For every such pair this scores the measures a copy detector could use, on the
texts the store fingerprints (the record's text, normalised as `newswatch.dedup` does):

- `minhash`: the store's own estimate of the Jaccard similarity of word 3-shingles;
- `jaccard-k`: the exact Jaccard similarity of word k-shingles (k = 1, 3, 5);
- `containment-k`: the share of the shorter text's k-shingles found in the other.

For each measure it reports an ORACLE: the threshold chosen on the whole corpus, knowing the
answers, that gives the most copy pairs found with no false copy (precision 1.0), and the best
F1 of any threshold. These figures flatter by construction; they bound what a threshold on the
measure can do, they are not a quality claim. When even the oracle misses the target
(precision 1.0 with recall >= 0.9), the labels are not separable by that measure.

    python bench/copy_separability.py [--corpus DIR]

Writes bench/results/copy_separability.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

from newswatch.dedup import minhash, normalise_text, similarity

sys.path.insert(0, str(Path(__file__).resolve().parent))
from story_judgement import CORPUS, _copy_groups, load_corpus  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "copy_separability.json"


def _shingles(words: list[str], k: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + k]) for i in range(max(1, len(words) - k + 1))}


def pair_measures(a: list[str], b: list[str]) -> dict[str, float]:
    """Every measure of the module's docstring for two normalised word lists."""
    out = {"minhash": similarity(minhash(a), minhash(b))}
    for k in (1, 3, 5):
        sa, sb = _shingles(a, k), _shingles(b, k)
        shared = len(sa & sb)
        out[f"jaccard-{k}"] = shared / len(sa | sb)
        out[f"containment-{k}"] = shared / min(len(sa), len(sb))
    return out


def same_event_pairs(records: list[dict]) -> list[dict]:
    """Each pair of records in one language sharing `event`: its ids, whether it is a copy
    pair (transitively, by `copy_of`), and its measures."""
    roots = _copy_groups(records)
    words = {r["id"]: normalise_text(r["text"]).split() for r in records}
    return [
        {
            "pair": [a["id"], b["id"]],
            "copy": roots[a["id"]] == roots[b["id"]],
            **pair_measures(words[a["id"]], words[b["id"]]),
        }
        for a, b in itertools.combinations(records, 2)
        if a["language"] == b["language"] and a["event"] == b["event"]
    ]


def oracle(pairs: list[dict], measure: str) -> dict:
    """The best a threshold on `measure` can do, chosen knowing the answers."""
    copies = sorted((p[measure] for p in pairs if p["copy"]), reverse=True)
    others = [p[measure] for p in pairs if not p["copy"]]
    worst_other = max(others, default=0.0)
    clean = sum(1 for value in copies if value > worst_other)
    best_f1, best_at = 0.0, None
    for threshold in copies:
        tp = sum(1 for value in copies if value >= threshold)
        fp = sum(1 for value in others if value >= threshold)
        f1 = 2 * tp / (2 * tp + fp + (len(copies) - tp))
        if f1 > best_f1:
            best_f1, best_at = f1, threshold
    return {
        "recall_at_precision_1": round(clean / len(copies), 3) if copies else 1.0,
        "best_f1": round(best_f1, 3),
        "best_f1_threshold": round(best_at, 3) if best_at is not None else None,
        "highest_non_copy": round(worst_other, 3),
        "lowest_copy": round(copies[-1], 3) if copies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(CORPUS))
    args = parser.parse_args()
    pairs = same_event_pairs(load_corpus(Path(args.corpus)))
    measures = [m for m in pairs[0] if m not in ("pair", "copy")]
    result = {
        "data": "../shared/corpus (339 real excerpts), pairs in one language sharing `event`",
        "pairs": len(pairs),
        "copy_pairs": sum(p["copy"] for p in pairs),
        "oracle": {m: oracle(pairs, m) for m in measures},
    }
    print(f"{result['pairs']} same-event pairs in one language, {result['copy_pairs']} copies")
    header = ("measure", "recall @ P=1", "best F1", "top non-copy", "lowest copy")
    print(f"{header[0]:<15} {header[1]:>13} {header[2]:>8} {header[3]:>13} {header[4]:>12}")
    for m, o in result["oracle"].items():
        print(
            f"{m:<15} {o['recall_at_precision_1']:>13.3f} {o['best_f1']:>8.3f} "
            f"{o['highest_non_copy']:>13.3f} {o['lowest_copy']:>12.3f}"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Topic relevance on the labelled dev set (tests/topic_devset) and the five seeds: precision and
recall per language for newswatch's topic scoring (its model, when the topic has one), beside
the topic file's rules alone and the naive alert query (a Western actor
AND Russia AND a talks word, anywhere in the text), and speed in ms per article and per KB.

    python bench/topic_eval.py [--topic FILE]

Writes bench/results/topic_eval.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from newswatch.language import detect_language
from newswatch.seedfile import parse_seed_text
from newswatch.topic import DEFAULT_TOPIC, field_hits, load_topic, rules_score, score_text

REPO = Path(__file__).resolve().parent.parent
DEVSET = REPO / "tests" / "topic_devset"


def examples(folder: Path = DEVSET) -> list[dict]:
    rows = list(csv.DictReader((folder / "labels.tsv").open(encoding="utf-8"), delimiter="\t"))
    out = [
        {
            "file": r["file"],
            "language": r["language"],
            "label": r["on_topic"] == "1",
            "kind": r["kind"],
            "text": parse_seed_text((folder / r["file"]).read_text()).body,
        }
        for r in rows
    ]
    for seed in sorted((REPO / "seeds").glob("*.txt")):
        text = parse_seed_text(seed.read_text()).body
        out.append(
            {
                "file": f"seeds/{seed.name}",
                "language": None,
                "label": True,
                "kind": "seed",
                "text": text,
            }
        )
    return out


def naive(topic, text: str, language: str) -> bool:
    hits = field_hits(text, topic.lexicon(language))
    return bool(hits.get("west") and hits.get("russia") and hits.get("talks"))


def report(predictions: list[tuple[dict, bool]]) -> dict:
    by_language: dict[str, list] = defaultdict(list)
    for example, predicted in predictions:
        by_language[example["language"] or "seed"].append((example, predicted))
    out = {}
    for language, rows in sorted(by_language.items()):
        tp = sum(1 for e, p in rows if p and e["label"])
        fp = sum(1 for e, p in rows if p and not e["label"])
        fn = sum(1 for e, p in rows if not p and e["label"])
        lookalikes = [
            (e, p)
            for e, p in rows
            if not e["label"] and e["kind"] not in ("sport", "weather", "markets", "other")
        ]
        out[language] = {
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "lookalikes_passed": sum(1 for _, p in lookalikes if p),
            "lookalikes": len(lookalikes),
            "n": len(rows),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topic", default=str(DEFAULT_TOPIC))
    parser.add_argument(
        "--set",
        default=str(DEVSET),
        help="a labelled folder (labels.tsv), e.g. tests/topic_holdout",
    )
    args = parser.parse_args()
    topic = load_topic(args.topic)
    cases = examples(Path(args.set))
    ours, rules, base, timings, kb = [], [], [], [], []
    errors = []
    for case in cases:
        start = time.perf_counter()
        result = score_text(
            topic, title=None, lead=None, text=case["text"], language=case["language"]
        )
        timings.append((time.perf_counter() - start) * 1000)
        kb.append(len(case["text"].encode()) / 1024)
        ours.append((case, result.on_topic))
        rules.append(
            (
                case,
                rules_score(
                    topic, title=None, lead=None, text=case["text"], language=case["language"]
                ).on_topic,
            )
        )
        # The naive query reads the language as newswatch does (detected when not given).
        language = case["language"] or detect_language(case["text"]) or "en"
        base.append((case, naive(topic, case["text"], language)))
        if result.on_topic != case["label"]:
            errors.append(
                {
                    "file": case["file"],
                    "label": case["label"],
                    "kind": case["kind"],
                    "relevance": result.relevance,
                }
            )
    # Speed on a warm cache, as in a long crawl.
    warm = []
    for case in cases:
        start = time.perf_counter()
        score_text(topic, title=None, lead=None, text=case["text"], language=case["language"])
        warm.append((time.perf_counter() - start) * 1000)
    summary = {
        "newswatch": report(ours),
        "rules": report(rules),
        "naive_query": report(base),
        "topic_ms_per_article": round(statistics.median(warm), 3),
        "topic_ms_per_kb": round(
            statistics.median(t / k for t, k in zip(warm, kb, strict=True)), 3
        ),
        "topic_ms_per_article_cold": round(statistics.median(timings), 3),
    }
    print(f"{'language':8} {'method':12} {'precision':>9} {'recall':>7} {'look-alikes passed':>19}")
    for method in ("newswatch", "rules", "naive_query"):
        for language, r in summary[method].items():
            print(
                f"{language:8} {method:12} {r['precision']!s:>9} {r['recall']!s:>7} "
                f"{r['lookalikes_passed']:>10} of {r['lookalikes']}"
            )
    print(
        f"ms per article {summary['topic_ms_per_article']}, ms per KB {summary['topic_ms_per_kb']}"
    )
    out = REPO / "bench" / "results" / f"topic_eval_{Path(args.set).name}.json"
    out.write_text(json.dumps({"summary": summary, "errors": errors}, indent=1) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

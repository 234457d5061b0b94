"""Judgement on real articles: topic relevance, story links and copies, on the labelled corpus
(../shared/corpus/topic_dev_{en,uk,ru}.jsonl, 339 real excerpts; read by path, never copied).

    python bench/judgement.py [--corpus DIR] [--topic FILE] [--repeats 3] [--no-stories]

Protocol (see bench/README.md, "Judgement on real articles"):
- Anything fitted is scored by grouped cross-validation: the corpus's events are dealt into
  FOLDS folds (by a hash of the event id and the repetition), so no event is in a training fold
  and its test fold; the model is fitted on four folds and scores the fifth. This is repeated
  `--repeats` times with other deals; precision and recall come from the counts pooled over
  repetitions, look-alikes passed are per repetition (mean).
- Beside it, unfitted and so scored on everything: the naive alert query (a Western actor AND
  Russia AND a talks word anywhere; language detected as for newswatch) and today's rules (the
  topic file's hand-set scoring, before any model).
- The five seeds are scored by the model fitted on the whole corpus (they are not in it).
- Speed: the model's scoring (features, probability and explanation), median ms per article,
  warm.
- Learning curve: the model fitted on N training articles (whole events, drawn at random),
  scored on the held-out fold.
- Stories and copies: `bench/story_judgement.py` (its own protocol, same corpus).

Writes bench/results/judgement.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from story_judgement import load_corpus  # noqa: E402  bench/story_judgement.py

from newswatch.language import detect_language  # noqa: E402
from newswatch.seedfile import parse_seed_text  # noqa: E402
from newswatch.topic import DEFAULT_TOPIC, field_hits, load_topic, rules_score  # noqa: E402
from newswatch.topic.features import article_features  # noqa: E402
from newswatch.topic.fitting import (  # noqa: E402
    FOLDS,
    cross_validated,
    fold_of,
    precision_recall_f1,
)
from newswatch.topic.model import THRESHOLD, fit  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
LANGUAGES = ("en", "uk", "ru")
CURVE = (25, 50, 100, 150, 200, 270)


def features_of(topic, record: dict) -> dict[str, float]:
    return article_features(
        topic,
        title=record.get("title"),
        lead=None,
        text=record["text"],
        language=None,  # detected, as the monitor does
        date=record.get("date"),
    )[0]


def naive(topic, record: dict) -> bool:
    text = "\n".join(filter(None, (record.get("title"), record["text"])))
    language = detect_language(text)
    hits = field_hits(text, topic.lexicon(language if language in LANGUAGES else "en"))
    return bool(hits.get("west") and hits.get("russia") and hits.get("talks"))


def rules(topic, record: dict) -> bool:
    return rules_score(
        topic, title=record.get("title"), lead=None, text=record["text"], language=None
    ).on_topic


def scores(records: list[dict], predicted: list[bool], repeats: int = 1) -> dict:
    """Per language: precision, recall, F1 and look-alikes passed (per repetition)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for record, p in zip(records, predicted, strict=True):
        c = counts[record["language"]]
        truth = bool(record["label"])
        c["tp"] += p and truth
        c["fp"] += p and not truth
        c["fn"] += (not p) and truth
        c["lookalikes_passed"] += p and not truth and bool(record.get("hard_negative"))
        c["lookalikes"] += (not truth) and bool(record.get("hard_negative"))
    out = {}
    for language in LANGUAGES:
        c = counts[language]
        precision, recall, f1 = precision_recall_f1(c["tp"], c["fp"], c["fn"])
        out[language] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "lookalikes_passed": round(c["lookalikes_passed"] / repeats, 1),
            "lookalikes": c["lookalikes"] // repeats,
        }
    return out


def cross_validate(records, rows, repeats: int) -> tuple[list, list[bool]]:
    """The model's held-out predictions, `repeats` deals of the events into folds."""
    labels = [r["label"] for r in records]
    groups = [r["event"] for r in records]
    all_records, predicted = [], []
    for repetition in range(repeats):
        probabilities = cross_validated(rows, labels, groups, repetition)
        for record, probability in zip(records, probabilities, strict=True):
            all_records.append(record)
            predicted.append(probability is not None and probability >= THRESHOLD)
    return all_records, predicted


def learning_curve(records, rows, repeats: int) -> dict[int, float]:
    """F1 (mean over languages, counts pooled over folds and deals) of models fitted on N
    training articles: whole events drawn at random from the training folds."""
    result = {}
    for size in CURVE:
        tested, predicted = [], []
        for repetition in range(repeats):
            folds = [fold_of(r["event"], repetition) for r in records]
            for fold in range(FOLDS):
                events = sorted(
                    {r["event"] for r, f in zip(records, folds, strict=True) if f != fold}
                )
                random.Random(f"{repetition}:{fold}:{size}").shuffle(events)
                train: list[int] = []
                for event in events:
                    if len(train) >= size:
                        break
                    train += [i for i, r in enumerate(records) if r["event"] == event]
                labels = [records[i]["label"] for i in train]
                if len(set(labels)) < 2:
                    continue
                model = fit([rows[i] for i in train], labels)
                for i, f in enumerate(folds):
                    if f == fold:
                        tested.append(records[i])
                        predicted.append(model.probability(rows[i]) >= model.threshold)
        s = scores(tested, predicted, repeats)
        result[size] = round(statistics.mean(s[lang]["f1"] for lang in LANGUAGES), 3)
    return result


def seeds_on_topic(topic, model) -> dict[str, float]:
    out = {}
    for path in sorted((REPO / "seeds").glob("*.txt")):
        seed = parse_seed_text(path.read_text(encoding="utf-8"))
        x = article_features(
            topic, title=None, lead=None, text=seed.body, language=None, date=seed.date_raw
        )[0]
        out[path.name] = round(model.probability(x), 3)
    return out


def speed(topic, model, records: list[dict]) -> float:
    for record in records:  # warm: lemmas and readings cached, as in a long crawl
        features_of(topic, record)
    timings = []
    for record in records:
        start = time.perf_counter()
        x = features_of(topic, record)
        model.probability(x)
        model.explain(x)  # as the pipeline does
        timings.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(timings), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--topic", default=str(DEFAULT_TOPIC))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-stories", action="store_true", help="topic only")
    parser.add_argument("--no-curve", action="store_true", help="skip the learning curve")
    parser.add_argument(
        "--quick-stories", action="store_true", help="stories: every fourth grid point only"
    )
    args = parser.parse_args()
    records = load_corpus(Path(args.corpus))
    topic = load_topic(args.topic)
    rows = [features_of(topic, r) for r in records]
    summary: dict = {"articles": len(records), "folds": FOLDS, "repeats": args.repeats}
    summary["naive_query"] = scores(records, [naive(topic, r) for r in records])
    summary["rules"] = scores(records, [rules(topic, r) for r in records])
    held_out, predicted = cross_validate(records, rows, args.repeats)
    summary["model_cv"] = scores(held_out, predicted, args.repeats)
    whole = fit(rows, [r["label"] for r in records])
    summary["seeds"] = seeds_on_topic(topic, whole)
    summary["topic_model_ms_per_article"] = speed(topic, whole, records)
    if not args.no_curve:
        summary["learning_curve_f1"] = learning_curve(records, rows, args.repeats)
    if not args.no_stories:
        from story_judgement import evaluate

        summary["stories"] = evaluate(records, quick=args.quick_stories)

    print(f"{'lang':4} {'method':10} {'P':>6} {'R':>6} {'F1':>6} {'look-alikes passed':>20}")
    for method in ("naive_query", "rules", "model_cv"):
        for language in LANGUAGES:
            s = summary[method][language]
            print(
                f"{language:4} {method:10} {s['precision']:6.3f} {s['recall']:6.3f} "
                f"{s['f1']:6.3f} {s['lookalikes_passed']:>11} of {s['lookalikes']}"
            )
    print("seeds (model fitted on the whole corpus):", summary["seeds"])
    print("model ms/article:", summary["topic_model_ms_per_article"])
    if "learning_curve_f1" in summary:
        print("learning curve (training articles: mean F1):", summary["learning_curve_f1"])
    if summary.get("stories"):
        print("stories and copies (story_judgement.py): P / R / F1")
        for key in ("cv_dated-first", "cv_dated-first_full_store", "cv_mixed_full_store"):
            s = summary["stories"][key]
            print(
                f"  {key:28} all {s['story_all']['precision']:.3f} {s['story_all']['recall']:.3f}"
                f" {s['story_all']['f1']:.3f}  dated {s['story_dated']['precision']:.3f}"
                f" {s['story_dated']['recall']:.3f} {s['story_dated']['f1']:.3f}"
                f"  copies {s['copies']['precision']:.3f} {s['copies']['recall']:.3f}"
            )
    out = REPO / "bench" / "results" / "judgement.json"
    out.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()

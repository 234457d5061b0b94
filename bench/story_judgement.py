"""Stories and copies judged on the real corpus (../shared/corpus/topic_dev_{en,uk,ru}.jsonl):
339 article excerpts nobody here wrote, with the truth in `event` (same event or statement, any
language) and `copy_of` (the same article at another URL).

Every record (all labels) is saved through the code a crawl uses (Article with url, title,
text, language and the record's date as `date`; normalise_article at a fixed clock after the
data; save_article) into a fresh store; no date may be lost. Two orders: `dated-first`,
publication order with the undated articles last (the order of `relink_all` and of a backfill),
and `mixed`, each undated article right after the dated one before it in its file (a monitor
meets them mixed). Both are reported; the first is the headline.

Scores, over ALL pairs of articles:
- story pairs: positive when the two share `event`; predicted when they share `story_id`.
  Pairs of copies (one `copy_of` the other, transitively) are left out: they are scored as
  copies. Reported over all articles and over pairs of two dated articles.
- copies: positive when one is (transitively) `copy_of` the other; predicted when the two
  `duplicate_of` roots are equal.

The story rules' thresholds are tuned, so the quality reported is that of 5-fold
cross-validation grouped by `event`: for each fold the thresholds are chosen on the other
folds' articles (in a store of their own) and the held-out fold's articles are scored in
another store of their own with them. "Fit on all" (thresholds chosen and scored on
everything) is shown apart, labelled as such.

    python bench/story_judgement.py [--corpus DIR] [--quick]

Writes bench/results/story_judgement.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from newswatch.items import Article
from newswatch.pipelines.normalise import normalise_article
from newswatch.store import open_store, save_article
from newswatch.store.rules import DEFAULT_RULES, LinkRules

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)  # after every article of the corpus
FOLDS = 5
SEED = 20261204
WORKERS = 2
# The grids the thresholds are chosen from, on training folds only: the story thresholds by
# story F1 over all pairs, the copy threshold by copy F1 (each with the other's defaults).
STORY_GRID = [
    {"score": score, "score_undated": undated, "score_prominent": lead, "idf_floor": floor}
    for floor, score, undated, lead in itertools.product(
        (0.5, 1.0), (0.15, 0.2, 0.25), (0.15, 0.2, 0.3), (0.15, 0.2, 0.25)
    )
]
COPY_GRID = [{"near_duplicate": near} for near in (0.4, 0.5, 0.6)]


def load_corpus(folder: Path = CORPUS) -> list[dict]:
    """The corpus rows, en, uk, ru, in file order."""
    return [
        json.loads(line)
        for language in ("en", "uk", "ru")
        for line in (folder / f"topic_dev_{language}.jsonl").open(encoding="utf-8")
        if line.strip()
    ]


def in_order(records: list[dict], order: str) -> list[dict]:
    """`dated-first`: by date, undated last (file order among equals); `mixed`: by date, each
    undated record kept right after the dated one before it in its file."""
    if order == "dated-first":
        return sorted(records, key=lambda r: (r["date"] is None, r["date"] or ""))
    keyed, last = [], ""
    for position, record in enumerate(records):
        last = record["date"] or last
        keyed.append(((last, position), record))
    return [record for _, record in sorted(keyed, key=lambda kr: kr[0])]


def build(records: list[dict], rules: LinkRules, order: str = "dated-first") -> dict:
    """Save `records` into a fresh store; per record id: its article id, duplicate root and
    story id; plus how many dates the store kept."""
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = open_store(Path(tmp) / "judgement.db")
        for record in in_order(records, order):
            article = Article(
                url=record["url"],
                title=record.get("title"),
                text=record["text"],
                language=record["language"],
                date=record["date"],
            )
            normalise_article(article, NOW)
            save_article(db, article, NOW.isoformat(), rules=rules)
            out[record["id"]] = {"id": article.id, "date": article.date}
        for value in out.values():
            row = db.execute(
                "SELECT coalesce(duplicate_of, id), story_id FROM articles WHERE id = ?",
                [value["id"]],
            ).fetchone()
            value["root"], value["story"] = row
        db.close()
    return out


def _copy_groups(records: list[dict]) -> dict[str, str]:
    """Each record id -> the root of its `copy_of` chain."""
    parent = {r["id"]: r.get("copy_of") or r["id"] for r in records}

    def root(key: str) -> str:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    return {key: root(key) for key in parent}


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def counts(records: list[dict], built: dict) -> dict[str, list[int]]:
    """True positives, false positives, false negatives of story pairs (all, dated) and of
    copies, over every pair of `records`."""
    copies = _copy_groups(records)
    tally = {"story_all": [0, 0, 0], "story_dated": [0, 0, 0], "copies": [0, 0, 0]}

    def add(name: str, truth: bool, predicted: bool) -> None:
        if truth or predicted:
            tally[name][0 if truth and predicted else 1 if predicted else 2] += 1

    for a, b in itertools.combinations(records, 2):
        pa, pb = built[a["id"]], built[b["id"]]
        if copies.get(a["id"]) == copies.get(b["id"]):
            add("copies", True, pa["root"] == pb["root"])
            continue  # a copy pair is scored as a copy, not as a story pair
        add("copies", False, pa["root"] == pb["root"])
        truth, predicted = a["event"] == b["event"], pa["story"] == pb["story"]
        add("story_all", truth, predicted)
        if a["date"] and b["date"]:
            add("story_dated", truth, predicted)
    return tally


def score(records: list[dict], built: dict) -> dict:
    return {name: _prf(*tally) for name, tally in counts(records, built).items()}


def folds_by_event(records: list[dict], k: int = FOLDS, seed: int = SEED) -> list[list[dict]]:
    """`k` folds of records, no event in two folds (events shuffled, then dealt to the fold
    with the fewest records so far)."""
    events: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        events[record["event"]].append(record)
    names = sorted(events)
    random.Random(seed).shuffle(names)
    names.sort(key=lambda e: -len(events[e]))  # stable: big events dealt first
    folds: list[list[dict]] = [[] for _ in range(k)]
    for name in names:
        min(folds, key=len).extend(events[name])
    order = {r["id"]: i for i, r in enumerate(records)}
    return [sorted(fold, key=lambda r: order[r["id"]]) for fold in folds]


def _f1(job: tuple[list[dict], dict, str, str]) -> float:
    records, values, order, measure = job
    return score(records, build(records, replace(DEFAULT_RULES, **values), order))[measure]["f1"]


def choose(records: list[dict], order: str, quick: bool = False) -> LinkRules:
    """The rules with the best story F1 over all pairs of `records` among STORY_GRID and the
    best copy F1 among COPY_GRID (ties: the earlier in the grid), each grid point in a fresh
    store of its own (two at a time)."""
    chosen = {}
    for grid, measure in ((STORY_GRID, "story_all"), (COPY_GRID, "copies")):
        points = grid[:: 4 if quick else 1]
        with ProcessPoolExecutor(max_workers=WORKERS) as pool:
            f1s = list(pool.map(_f1, [(records, values, order, measure) for values in points]))
        chosen.update(points[f1s.index(max(f1s))])
    return replace(DEFAULT_RULES, **chosen)


def _sum(tallies: list[dict[str, list[int]]]) -> dict:
    total = {name: [sum(t[name][i] for t in tallies) for i in range(3)] for name in tallies[0]}
    return {name: _prf(*tally) for name, tally in total.items()}


def cross_validate(records: list[dict], order: str, quick: bool = False) -> tuple[dict, dict]:
    """Grouped k-fold: thresholds chosen on the other folds, the fold scored in its own store;
    the pair counts of the k held-out folds are summed (pairs across folds are not scored).
    Second, the same thresholds with the fold's articles saved among all the others (a store
    as full as the corpus; only pairs within the fold are scored, and no event of the fold was
    seen in choosing): a fold's own store holds a fifth of the distractors a real one has."""
    tallies, full, chosen = [], [], []
    for fold in folds_by_event(records):
        held_out = {r["id"] for r in fold}
        training = [r for r in records if r["id"] not in held_out]
        rules = choose(training, order, quick)
        chosen.append(rules.as_dict())
        tallies.append(counts(fold, build(fold, rules, order)))
        full.append(counts(fold, build(records, rules, order)))
    return {**_sum(tallies), "chosen": chosen}, _sum(full)


def dates_kept(records: list[dict], built: dict) -> dict:
    dated = [r for r in records if r["date"]]
    lost = [r["id"] for r in dated if built[r["id"]]["date"] != r["date"]]
    return {"dated": len(dated), "dates_lost": lost}


def evaluate(records: list[dict], *, quick: bool = False) -> dict:
    """The whole judgement on `records` (the corpus rows): cross-validated quality in both
    orders, the shipped defaults on everything, and a fit-on-all number labelled as such.
    `quick`: every fourth point of the grids only."""
    result: dict = {"articles": len(records), "events": len({r["event"] for r in records})}
    started = time.perf_counter()
    shipped = build(records, DEFAULT_RULES)
    result["dates"] = dates_kept(records, shipped)
    assert not result["dates"]["dates_lost"], "a date was dropped by normalising"
    result["shipped_defaults_all_articles"] = {"rules": DEFAULT_RULES.as_dict()} | score(
        records, shipped
    )
    for order in ("dated-first", "mixed"):
        result[f"cv_{order}"], result[f"cv_{order}_full_store"] = cross_validate(
            records, order, quick
        )
    rules = choose(records, "dated-first", quick)
    result["fit_on_all_not_a_quality_estimate"] = {"rules": rules.as_dict()} | score(
        records, build(records, rules)
    )
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _row(label: str, scores: dict) -> str:
    cells = [
        f"{scores[n]['precision']:.3f} {scores[n]['recall']:.3f} {scores[n]['f1']:.3f}"
        for n in ("story_all", "story_dated")
    ]
    copies = scores["copies"]
    return (
        f"{label:44} | {cells[0]:17} | {cells[1]:17} | "
        f"{copies['precision']:.3f} {copies['recall']:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--quick", action="store_true", help="every fourth grid point only")
    args = parser.parse_args()
    records = load_corpus(Path(args.corpus))
    result = evaluate(records, quick=args.quick)
    print(f"{'':44} | story all P R F1   | story dated P R F1 | copies P R")
    for label, key in (
        ("5-fold CV by event, dated first, fold stores", "cv_dated-first"),
        ("  same folds, each among all articles", "cv_dated-first_full_store"),
        ("5-fold CV by event, mixed order, fold stores", "cv_mixed"),
        ("  same folds, each among all articles", "cv_mixed_full_store"),
        ("shipped defaults on all (NOT an estimate)", "shipped_defaults_all_articles"),
        ("fit on all (NOT a quality estimate)", "fit_on_all_not_a_quality_estimate"),
    ):
        print(_row(label, result[key]))
    out = REPO / "bench" / "results" / "story_judgement.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result), file=sys.stdout)


if __name__ == "__main__":
    main()

"""De-duplication and story linking on the hand-written set of tests/dedup_set: precision and
recall of duplicates (exact and near) and of story links (two articles given one story_id),
over every pair of its articles (the truth: `story` of each article, the duplicate and update
pairs of pairs.tsv). A regression test: the set was written here and its thresholds were once
chosen on it; quality on real articles is bench/story_judgement.py's.

Articles are saved in order of publication (undated last) through the same normalising and
store code a crawl uses, into a fresh database, at a clock after the set's last article.

    python bench/dedup_eval.py [--set DIR]

Writes bench/results/dedup_eval.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from newswatch.items import Article
from newswatch.pipelines.normalise import normalise_article
from newswatch.store import open_store, save_article
from newswatch.store.rules import DEFAULT_RULES, LinkRules

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)  # after every article of the set
DUPLICATE = {"exact_duplicate", "near_duplicate"}


def load(folder: Path) -> tuple[list[dict], list[dict]]:
    articles = [
        json.loads(line)
        for line in (folder / "articles.jsonl").open(encoding="utf-8")
        if line.strip()
    ]
    pairs = list(csv.DictReader((folder / "pairs.tsv").open(encoding="utf-8"), delimiter="\t"))
    return articles, pairs


def _groups(ids: list[str], pairs: list[dict], relations: set[str]) -> dict[str, str]:
    """Each article id -> the root of its group, articles joined by pairs of `relations`
    (transitively)."""
    parent = {i: i for i in ids}

    def root(key: str) -> str:
        while parent[key] != key:
            key = parent[key]
        return key

    for pair in pairs:
        if pair["relation"] in relations:
            parent[root(pair["a"])] = root(pair["b"])
    return {i: root(i) for i in ids}


def run(folder: Path, rules: LinkRules = DEFAULT_RULES) -> dict:
    """Every pair of the set's articles scored: a story pair when both have the same `story`,
    a duplicate pair when pairs.tsv joins them as exact or near duplicates (transitively);
    pairs of duplicates are scored as duplicates only, and an update and what it updates
    (one row) only as that."""
    articles, pairs = load(folder)
    stored: dict[str, dict] = {}
    order = sorted(articles, key=lambda a: (a.get("published") is None, a.get("published") or ""))
    with tempfile.TemporaryDirectory() as tmp:
        db = open_store(Path(tmp) / "eval.db")
        for record in order:
            article = Article(
                url=record["url"],
                title=record.get("title"),
                lead=record.get("lead"),
                text=record["text"],
                language=record.get("language"),
                published=record.get("published"),
            )
            normalise_article(article, NOW)
            if record.get("published") and not article.published:
                raise AssertionError(f"{record['id']}: its publication time was dropped")
            save_article(db, article, NOW.isoformat(), rules=rules)
            stored[record["id"]] = {"id": article.id}
        for value in stored.values():
            row = db["articles"].get(value["id"])
            value.update(duplicate_of=row["duplicate_of"], story_id=row["story_id"])
        versions = db.execute("SELECT count(*) FROM article_versions").fetchone()[0]
        db.close()

    def root(key: str) -> str:
        return stored[key]["duplicate_of"] or stored[key]["id"]

    ids = [a["id"] for a in articles]
    story = {a["id"]: a["story"] for a in articles}
    copies = _groups(ids, pairs, DUPLICATE)
    updates = _groups(ids, pairs, {"update"})
    counts = {"duplicate": [0, 0, 0], "story": [0, 0, 0]}  # true positive, false pos, false neg
    mistakes = []
    for a, b in itertools.combinations(ids, 2):
        if updates[a] == updates[b]:
            continue  # one article seen twice: scored below
        if copies[a] == copies[b]:
            scored = (("duplicate", True, root(a) == root(b)),)
        else:
            scored = (
                ("duplicate", False, root(a) == root(b)),
                ("story", story[a] == story[b], stored[a]["story_id"] == stored[b]["story_id"]),
            )
        for name, truth, predicted in scored:
            if truth and predicted:
                counts[name][0] += 1
            elif predicted:
                counts[name][1] += 1
                mistakes.append({"a": a, "b": b, "predicted": f"{name} (wrongly)"})
            elif truth:
                counts[name][2] += 1
                mistakes.append({"a": a, "b": b, "predicted": f"no {name}"})

    def pr(tp: int, fp: int, fn: int) -> dict:
        return {
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "tp": tp,
            "fp": fp,
            "fn": fn,
        }

    update_pairs = [p for p in pairs if p["relation"] == "update"]
    return {
        "duplicates": pr(*counts["duplicate"]),
        "story_links": pr(*counts["story"]),
        "updates_kept_as_one_row": sum(
            1 for p in update_pairs if stored[p["a"]]["id"] == stored[p["b"]]["id"]
        ),
        "updates": len(update_pairs),
        "versions_kept": versions,
        "mistakes": mistakes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default=str(REPO / "tests" / "dedup_set"))
    args = parser.parse_args()
    result = run(Path(args.set))
    for name in ("duplicates", "story_links"):
        r = result[name]
        print(
            f"{name:12} precision {r['precision']} recall {r['recall']} "
            f"(tp {r['tp']}, fp {r['fp']}, fn {r['fn']})"
        )
    print(f"updates kept as one row: {result['updates_kept_as_one_row']} of {result['updates']}")
    out = REPO / "bench" / "results" / "dedup_eval.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "mistakes"}))


if __name__ == "__main__":
    main()

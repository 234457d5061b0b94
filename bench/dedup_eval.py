"""De-duplication and story linking on the labelled pairs of tests/dedup_set: precision and
recall of duplicates (exact and near) and of story links (two articles given one story_id).

Articles are saved in order of publication (undated last) through the same normalising and
store code a crawl uses, into a fresh database.

    python bench/dedup_eval.py [--set DIR]

Writes bench/results/dedup_eval.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from newswatch.items import Article
from newswatch.pipelines.normalise import normalise_article
from newswatch.store import open_store, save_article

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
DUPLICATE = {"exact_duplicate", "near_duplicate"}
SAME_STORY = {"exact_duplicate", "near_duplicate", "update", "same_story"}


def load(folder: Path) -> tuple[list[dict], list[dict]]:
    articles = [
        json.loads(line)
        for line in (folder / "articles.jsonl").open(encoding="utf-8")
        if line.strip()
    ]
    pairs = list(csv.DictReader((folder / "pairs.tsv").open(encoding="utf-8"), delimiter="\t"))
    return articles, pairs


def run(folder: Path) -> dict:
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
            save_article(db, article, NOW.isoformat())
            stored[record["id"]] = {"id": article.id}
        for value in stored.values():
            row = db["articles"].get(value["id"])
            value.update(duplicate_of=row["duplicate_of"], story_id=row["story_id"])
        versions = db.execute("SELECT count(*) FROM article_versions").fetchone()[0]
        db.close()

    def root(key: str) -> str:
        return stored[key]["duplicate_of"] or stored[key]["id"]

    counts = {"duplicate": [0, 0, 0], "story": [0, 0, 0]}  # true positive, false pos, false neg
    mistakes = []
    for pair in pairs:
        a, b, relation = pair["a"], pair["b"], pair["relation"]
        if relation == "update":
            same_row = stored[a]["id"] == stored[b]["id"]
            if not same_row:
                mistakes.append({**pair, "predicted": "two rows"})
            continue
        # One row (an edited slug: the same article) or one pointing at the other: caught.
        predicted_dup = root(a) == root(b)
        predicted_story = stored[a]["story_id"] == stored[b]["story_id"]
        for name, truth, predicted in (
            ("duplicate", relation in DUPLICATE, predicted_dup),
            ("story", relation in SAME_STORY, predicted_story),
        ):
            if truth and predicted:
                counts[name][0] += 1
            elif predicted:
                counts[name][1] += 1
                mistakes.append({**pair, "predicted": f"{name} (wrongly)"})
            elif truth:
                counts[name][2] += 1
                mistakes.append({**pair, "predicted": f"no {name}"})

    def pr(tp: int, fp: int, fn: int) -> dict:
        return {
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "tp": tp,
            "fp": fp,
            "fn": fn,
        }

    updates = [p for p in pairs if p["relation"] == "update"]
    return {
        "duplicates": pr(*counts["duplicate"]),
        "story_links": pr(*counts["story"]),
        "updates_kept_as_one_row": sum(
            1 for p in updates if stored[p["a"]]["id"] == stored[p["b"]]["id"]
        ),
        "updates": len(updates),
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

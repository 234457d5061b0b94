"""De-duplication and storage cost per new article as the store grows: 1k, 10k, 100k stored.

The store is filled with synthetic articles (their own words, names, numbers and dates spread
over two years, like a monitor's), through the same linking and indexing code a crawl uses,
a thousand to a transaction. Then `save_article` (one transaction per article, duplicate and
story lookups included) is timed on new articles, one in three a near copy of a stored one: a
stored article's text read back and edited (a tenth of its words dropped or replaced, a line
added), so that it is found by the near-copy path (LSH bands, then signatures), not by the
content hash. Prints the median ms per new article at each size, the medians of near copies
and of other articles apart, how many near copies were recognised, and dedup_growth = cost at
the largest size / cost at 1k; writes bench/results/dedup_scale.json.

    python bench/dedup_scale.py [--sizes 1000,10000,100000] [--new 300]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from newswatch.items import Article
from newswatch.store import open_store, save_article, write_transaction
from newswatch.store.dedup import index_article, link
from newswatch.store.rows import article_to_row

VOCABULARY = [f"слово{i}" for i in range(20000)]
NAMES = [f"Прізвище{chr(1072 + i % 32)}{i}" for i in range(3000)]
START = date(2025, 1, 1)


def synthetic(n: int, rng: random.Random) -> Article:
    words = rng.choices(VOCABULARY, k=250)
    for _ in range(12):
        words.insert(rng.randrange(len(words)), "у " + rng.choice(NAMES))
    words.insert(rng.randrange(len(words)), str(rng.randrange(10, 5000)))
    day = START + timedelta(days=rng.randrange(730))
    return Article(
        id=f"{n:016x}",
        url=f"https://www.unian.ua/x/a-{n:08d}.html",
        title=f"Стаття {n}",
        text=" ".join(words),
        language="uk",
        outlet="unian",
        date=day.isoformat(),
        published=f"{day.isoformat()}T12:00:00+02:00",
    )


def fill(db, size: int, rng: random.Random) -> None:
    for start in range(0, size, 1000):
        with write_transaction(db):
            for n in range(start, min(size, start + 1000)):
                article = synthetic(n, rng)
                fp, _ = link(db, article)
                db["articles"].insert({**article_to_row(article), "first_seen": "2025-01-01"})
                index_article(db, article, fp)


def edited(text: str, rng: random.Random) -> str:
    """`text` as a re-post edits it: a tenth of its words dropped or replaced, a line added."""
    words = text.split()
    for _ in range(len(words) // 10):
        i = rng.randrange(len(words))
        if rng.random() < 0.5:
            del words[i]
        else:
            words[i] = rng.choice(VOCABULARY)
    return " ".join(words) + " Джерело: УНІАН."


def measure(size: int, new: int) -> dict[str, float]:
    rng = random.Random(size)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_store(Path(tmp) / "scale.db")
        fill(db, size, rng)
        timings, copies, found = [], [], 0
        for k in range(new):
            article = synthetic(10_000_000 + k, rng)
            near = k % 3 == 0
            if near:  # a near copy of a stored article, edited
                stored_id = f"{rng.randrange(size):016x}"
                text = db.execute("SELECT text FROM articles WHERE id = ?", [stored_id]).fetchone()
                article.text = edited(text[0], rng)
            start = time.perf_counter()
            save_article(db, article, "2026-11-22T00:00:00+00:00")
            elapsed = (time.perf_counter() - start) * 1000
            (copies if near else timings).append(elapsed)
            if near:  # recognised: a copy of it, or (published earlier) its new original
                promoted = db.execute(
                    "SELECT duplicate_of FROM articles WHERE id = ?", [stored_id]
                ).fetchone()[0]
                found += article.duplicate_of == stored_id or promoted == article.id
        db.close()
    return {
        "all": statistics.median(timings + copies),
        "near_copies": statistics.median(copies),
        "others": statistics.median(timings),
        "near_copies_found": found / max(1, len(copies)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--new", type=int, default=300)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, float] = {}
    for size in sizes:
        started = time.perf_counter()
        measured = measure(size, args.new)
        results[f"dedup_ms_per_article_{size}"] = round(measured["all"], 3)
        results[f"dedup_ms_near_copy_{size}"] = round(measured["near_copies"], 3)
        results[f"dedup_ms_other_{size}"] = round(measured["others"], 3)
        results[f"near_copies_found_{size}"] = round(measured["near_copies_found"], 3)
        print(
            f"{size:>8} stored: {measured['all']:.3f} ms per new article (near copies "
            f"{measured['near_copies']:.3f}, found {measured['near_copies_found']:.0%}; others "
            f"{measured['others']:.3f}) ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    results["dedup_growth"] = round(
        results[f"dedup_ms_per_article_{sizes[-1]}"] / results[f"dedup_ms_per_article_{sizes[0]}"],
        2,
    )
    out = Path(__file__).parent / "results" / "dedup_scale.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results))


if __name__ == "__main__":
    main()

"""De-duplication and storage cost per new article as the store grows: 1k, 10k, 100k stored.

The store is filled with synthetic articles (their own words, names, numbers and dates spread
over two years, like a monitor's), through the same linking and indexing code a crawl uses,
a thousand to a transaction. Then `save_article` (one transaction per article, duplicate and
story lookups included) is timed on new articles, some of them near copies of stored ones.
Prints the median ms per new article at each size and dedup_growth = cost at the largest size
/ cost at 1k; writes bench/results/dedup_scale.json.

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


def measure(size: int, new: int) -> float:
    rng = random.Random(size)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_store(Path(tmp) / "scale.db")
        fill(db, size, rng)
        timings = []
        for k in range(new):
            article = synthetic(10_000_000 + k, rng)
            if k % 3 == 0:  # a near copy of a stored article
                original = synthetic(rng.randrange(size), random.Random(0))
                article.text = original.text + " Джерело: УНІАН."
            start = time.perf_counter()
            save_article(db, article, "2026-11-22T00:00:00+00:00")
            timings.append((time.perf_counter() - start) * 1000)
        db.close()
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--new", type=int, default=300)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, float] = {}
    for size in sizes:
        started = time.perf_counter()
        results[f"dedup_ms_per_article_{size}"] = round(measure(size, args.new), 3)
        print(
            f"{size:>8} stored: {results[f'dedup_ms_per_article_{size}']:.3f} ms per new "
            f"article ({time.perf_counter() - started:.0f} s)",
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

"""How long saving one article takes as the store grows.

Fills a fresh database with N synthetic articles (in one transaction, through the same row
format the store uses), then times `save_article` for 200 new articles, one transaction each,
as a crawl does. Prints the median ms per article at each size and the growth ratio, and writes
bench/results/store_write.json.

    python bench/store_write.py [--sizes 1000,10000,100000] [--new 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from newswatch.items import Article
from newswatch.store import open_store, save_article, write_transaction
from newswatch.store.articles import article_to_row

WORDS = [
    "переговори",
    "Росія",
    "НАТО",
    "Рютте",
    "Макрон",
    "діалог",
    "Москва",
    "Brussels",
    "talks",
    "ceasefire",
    "Kremlin",
    "envoy",
    "Geneva",
    "санкції",
    "Європа",
    "Trump",
    "Putin",
    "security",
    "guarantees",
]


def synthetic(n: int, prefix: str) -> Article:
    body = " ".join(WORDS[(n * 7 + k) % len(WORDS)] for k in range(300))
    return Article(
        id=f"{prefix}{n:013x}",
        title=f"Article {n}",
        text=body,
        outlet="unian",
        language="uk",
        date="2026-11-19",
        authors=["A. Author"],
        tags=["NATO"],
    )


def measure(size: int, new: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_store(Path(tmp) / "bench.db")
        with write_transaction(db):
            db["articles"].insert_all(
                (article_to_row(synthetic(n, "aaa")) for n in range(size)), batch_size=1000
            )
        timings = []
        for n in range(new):
            article = synthetic(n, "bbb")
            start = time.perf_counter()
            save_article(db, article, "2026-11-22T00:00:00+00:00")
            timings.append((time.perf_counter() - start) * 1000)
        db.close()
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--new", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {f"ms_per_article_{size}": round(measure(size, args.new), 3) for size in sizes}
    first, last = results[f"ms_per_article_{sizes[0]}"], results[f"ms_per_article_{sizes[-1]}"]
    results["store_growth"] = round(last / first, 2)
    out = Path(__file__).parent / "results" / "store_write.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    for key, value in results.items():
        print(f"{key:28} {value}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()

"""Scale-out throughput: the 2,000 generated pages of bench/replay_throughput.py crawled by 1, 2
and 3 `newswatch worker` processes and one `newswatch writer` over a Redis of their own, beside
the plain-Scrapy ceiling and the one-process crawl (`--writer process`) on the same
pages, all in one run on this machine.

Each round: a fresh store with the seed documents, a fresh Redis (Debian's redis-server on a
free port of 127.0.0.1, no persistence: what fsync costs the writer is in
bench/writer_ceiling.py), the
writer started, a crawl job for UNIAN queued, then the workers started; the time runs from the
job to the last article committed (the store polled every 50 ms). Every process shares this
machine's two cores with the others and with the page server, so the figure says how far the
split goes on one machine; with workers on machines of their own each worker adds what one
worker does alone, up to the writer's ceiling (bench/writer_ceiling.py).

    python bench/scaleout_throughput.py [--pages 2000] [--rounds 3]

Writes bench/results/scaleout_throughput.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from redis_memory import start_server
from replay_throughput import FAST, FEED, generate, run, seconds

from newswatch.fixtures import serve_fixtures
from newswatch.lemmas import DecodedCacheDictionaryFactory

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "scaleout_throughput.json"


def newswatch(*args: str) -> list[str]:
    return [sys.executable, "-m", "newswatch.cli", *args]


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}


def stored(db: Path) -> int:
    try:
        with closing(sqlite3.connect(db, timeout=5)) as conn:
            return conn.execute("SELECT count(*) FROM articles WHERE url IS NOT NULL").fetchone()[0]
    except sqlite3.Error:
        return 0


def scaled_round(mirror: str, workers: int, expected: int, folder: Path) -> float:
    """Seconds from the crawl job to the last of `expected` articles committed."""
    env = environment()
    db = folder / "store.db"
    subprocess.run(
        newswatch("import", str(REPO / "seeds"), "--db", str(db)),
        env=env,
        check=True,
        capture_output=True,
    )
    server, port = start_server(folder)
    url = f"redis://127.0.0.1:{port}/0"
    log = (folder / "processes.log").open("wb")
    processes = [
        subprocess.Popen(
            newswatch("writer", "--redis", url, "--db", str(db)), env=env, stdout=log, stderr=log
        )
    ]
    try:
        time.sleep(1.5)  # the writer opens the store and fills the known set
        started = time.monotonic()
        subprocess.run(newswatch("enqueue", "unian", "--redis", url), env=env, check=True)
        for _ in range(workers):
            processes.append(
                subprocess.Popen(
                    newswatch(
                        "worker", "unian", "--redis", url, "-s", f"NEWSWATCH_MIRROR={mirror}",
                        "-s", "NEWSWATCH_WORKER_POLL_S=0.05", "-s", "LOG_LEVEL=ERROR", *FAST,
                    ),
                    env=env, stdout=log, stderr=log,
                )
            )  # fmt: skip
        deadline = started + 900
        while stored(db) < expected:
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise SystemExit(f"round of {workers} workers failed: see {folder}/processes.log")
            time.sleep(0.05)
        return time.monotonic() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        server.terminate()
        server.wait(timeout=30)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="1,2,3")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    for language in ("en", "uk", "ru"):
        DecodedCacheDictionaryFactory.decoded(language)
    times: dict[str, list[float]] = {f"workers_{n}": [] for n in counts}
    ceilings: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder / "corpus", args.pages)
        with serve_fixtures([folder / "corpus"]) as base:
            # One-process crawl first: how many articles the pages give (the target count).
            single = run(
                [sys.executable, "-m", "scrapy", "crawl", "unian", "-s", f"NEWSWATCH_MIRROR={base}",
                 "-s", f"NEWSWATCH_DB={folder / 'single.db'}", "-s", "NEWSWATCH_WRITER=process",
                 *FAST],
                folder / "single.json",
            )  # fmt: skip
            expected = stored(folder / "single.db")
            single_rate = (
                single.get("newswatch/store/new", 0) - single.get("newswatch/first_use/read", 0)
            ) / seconds(single)
            for round_number in range(args.rounds):
                ceiling = run(
                    [sys.executable, "-m", "scrapy", "runspider", "bench/ceiling_spider.py",
                     "-a", f"feed={base}/{FEED.split('://', 1)[1]}", *FAST],
                    folder / f"ceiling-{round_number}.json",
                )  # fmt: skip
                ceilings.append(ceiling["ceiling/pages"] / seconds(ceiling))
                for n in counts:
                    work = folder / f"round-{round_number}-{n}"
                    work.mkdir()
                    times[f"workers_{n}"].append(scaled_round(base, n, expected, work))
    ceiling = statistics.median(ceilings)
    result = {
        "scaleout_pages": args.pages,
        "scaleout_articles": expected,
        "scaleout_rounds": args.rounds,
        "scaleout_ceiling_pages_per_s": round(ceiling, 1),
        "scaleout_single_process_articles_per_s": round(single_rate, 1),
    }
    for n in counts:
        rate = expected / statistics.median(times[f"workers_{n}"])
        result[f"scaleout_workers_{n}_articles_per_s"] = round(rate, 1)
        result[f"scaleout_workers_{n}_vs_ceiling"] = round(rate / ceiling, 3)
        result[f"scaleout_workers_{n}_rounds_s"] = [round(t, 2) for t in times[f"workers_{n}"]]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for n in counts:
        print(
            f"{n} worker(s) + writer: {result[f'scaleout_workers_{n}_articles_per_s']} articles/s "
            f"({result[f'scaleout_workers_{n}_vs_ceiling']} of the ceiling)"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

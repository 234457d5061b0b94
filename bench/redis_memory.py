"""Redis memory per million URLs seen by the workers' duplicate filter, beside scrapy-redis's.

A redis-server of its own (Debian's, on a free port of 127.0.0.1, no persistence) is filled
with `--urls` realistic article URLs (the five outlets' URL shapes, random slugs and ids), each
added through the filter's own code path: newswatch.scaleout.dupefilter.WindowedDupeFilter
(`fingerprints_seen`: Scrapy's request fingerprint, 20 raw bytes, by its Lua script, in
pipelined batches) and, for comparison, scrapy-redis's RFPDupeFilter (`request_seen`: its own
SHA-1 as 40 hex characters, SADD into one set). Reports INFO used_memory before and after,
per million URLs, and the time taken; then what a window costs: a window's set lives two
windows, so the filter holds at most the URLs requested in two windows.

    python bench/redis_memory.py [--urls 1000000]

Writes bench/results/redis_memory.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis
from scrapy import Request
from scrapy.utils.request import RequestFingerprinter
from scrapy_redis.dupefilter import RFPDupeFilter

from newswatch.scaleout.dupefilter import WindowedDupeFilter
from newswatch.scaleout.keys import RedisKeys

RESULTS = Path(__file__).resolve().parent / "results" / "redis_memory.json"
BATCH = 10_000
# The shapes of the five outlets' article URLs (newswatch/spiders/*).
SHAPES = (
    "https://sputnikglobe.com/2026{month:02d}{day:02d}/{slug}-{n}.html",
    "https://newsukraine.rbc.ua/news/{slug}-{n}.html",
    "https://www.unian.ua/politics/{slug}-{n}.html",
    "https://www.pravda.com.ua/news/2026/{month:02d}/{day:02d}/{n}/",
    "https://www.themoscowtimes.com/2026/{month:02d}/{day:02d}/{slug}-a{n}",
)
WORDS = [
    *("talks", "peace", "ukraine", "russia", "envoy", "kremlin", "kyiv", "geneva"),
    *("ceasefire", "security", "guarantees", "delegation", "sanctions", "summit"),
    *("minister", "foreign", "says", "meeting", "round", "energy", "strike", "front"),
]


def urls(count: int, seed: int = 17):
    rng = random.Random(seed)
    for _ in range(count):
        slug = "-".join(rng.choices(WORDS, k=rng.randint(4, 9)))
        yield rng.choice(SHAPES).format(
            month=rng.randint(1, 12), day=rng.randint(1, 28), slug=slug, n=rng.randint(10**6, 10**8)
        )


def start_server(folder: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(folder),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return process, port
        except redis.ConnectionError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def used(client) -> int:
    return client.info("memory")["used_memory"]


def measure(client, name: str, count: int, add) -> dict:
    client.flushall()
    before = used(client)
    started = time.perf_counter()
    batch: list[Request] = []
    for url in urls(count):
        batch.append(Request(url))
        if len(batch) == BATCH:
            add(batch)
            batch = []
    if batch:
        add(batch)
    seconds = time.perf_counter() - started
    after = used(client)
    added = after - before
    return {
        "filter": name,
        "urls": count,
        "used_memory_added_mb": round(added / 1e6, 1),
        "bytes_per_url": round(added / count, 1),  # = MB per million URLs
        "seconds": round(seconds, 1),
        "urls_per_s": round(count / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        process, port = start_server(Path(folder))
        try:
            client = redis.Redis(port=port)
            fingerprint = RequestFingerprinter().fingerprint
            ours = WindowedDupeFilter(client, RedisKeys(), "unian", 24 * 3600, fingerprint)
            theirs = RFPDupeFilter(client, key="unian:dupefilter")

            def add_ours(batch):
                seen = ours.fingerprints_seen([fingerprint(r) for r in batch])
                assert not any(seen)  # every URL is new (else the count would be wrong)

            def add_theirs(batch):
                for request in batch:
                    theirs.request_seen(request)

            rows = [
                measure(client, "newswatch WindowedDupeFilter", args.urls, add_ours),
                measure(client, "scrapy-redis RFPDupeFilter", args.urls, add_theirs),
            ]
            version = client.info("server")["redis_version"]
        finally:
            process.terminate()
            process.wait()
    per_url = rows[0]["bytes_per_url"]
    windows = {
        f"{hours} h window, {per_day:,} new URLs a day": round(
            per_url * per_day * hours / 24 * 2 / 1e6, 1
        )
        for hours in (6, 24, 168)
        for per_day in (25_000, 250_000)
    }
    result = {"redis_version": version, "rows": rows, "worst_case_mb": windows}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(f"Redis {version}, {args.urls:,} realistic article URLs each")
    for row in rows:
        print(
            f"  {row['filter']:30} {row['bytes_per_url']:6.1f} MB per million URLs "
            f"({row['bytes_per_url']} bytes each), {row['urls_per_s']:,} URLs/s"
        )
    print("at most (two windows held), MB:")
    for label, mb in windows.items():
        print(f"  {label:40} {mb:8.1f}")


if __name__ == "__main__":
    main()

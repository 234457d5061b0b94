"""The ceiling of `newswatch writer`, and the memory of the known-article set in Redis.

1. N article messages (the replay benchmark's generated pages, extracted, normalised and scored
   once by newswatch's own code, as workers push them) are pushed to a redis-server of its
   own; `newswatch writer --idle-exit` drains them into a new store: articles/s in its steady
   state (its first batch, which loads the code and data it needs on first use, apart: its
   seconds are reported beside), and over the whole command. Beside it, in the same round, the
   same articles through `write_batch` in this process in batches of the same size (the first
   apart too), no Redis: what Redis and the messages cost the writer is the ratio. Rounds
   alternate the two; medians.
   Redis runs with append-only persistence, fsync on every write (`always`, the tests' and the
   safest setting) and once a second (`everysec`, Redis's default for AOF).
2. `<p>:known` memory per million stored articles: INFO memory's used_memory before and after
   the writer's fields (id, canonical URL, article key -> first_seen) for K articles whose URLs
   vary the demo's real article URLs of all five outlets, scaled to a million.

    python bench/writer_ceiling.py [--articles 2000] [--batch 200] [--rounds 3] [--known 250000]

Writes bench/results/writer_ceiling.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))
from replay_throughput import generate  # noqa: E402  (the replay benchmark's pages)
from support.redis_server import free_port  # noqa: E402
from support.worker_articles import seen_times, worker_articles  # noqa: E402

from newswatch.fixtures import DEMO_DIR, load_fixtures  # noqa: E402
from newswatch.items import article_from_json, article_to_json  # noqa: E402
from newswatch.keys import article_id, article_key, canonical_url  # noqa: E402
from newswatch.scaleout.queue import ArticleQueue, article_message  # noqa: E402
from newswatch.store import open_store  # noqa: E402
from newswatch.store.batch import write_batch  # noqa: E402
from newswatch.store.connection import cache_for_writing  # noqa: E402

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FSYNC = ("always", "everysec")
BATCH_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .* batch of (\d+): .*\(([\d.]+) s\)$"
)


class Redis:
    """A redis-server of the benchmark's own, append-only with the fsync policy given."""

    def __init__(self, folder: Path, fsync: str):
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                fsync,
                "--save",
                "",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        queue = ArticleQueue.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                queue.client.ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        queue.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def copy(article):
    return article_from_json(article_to_json(article))


def in_process(articles, folder: Path, batch: int) -> float:
    """Articles/s of `write_batch` storing `articles` into a new store, `batch` at a time, in
    this process, its first batch apart (as the writer's is), with the writer's page cache."""
    db = open_store(folder / "in-process.db")
    cache_for_writing(db)
    pairs = list(zip(map(copy, articles), seen_times(NOW, len(articles)), strict=True))
    ends = []
    for start in range(0, len(pairs), batch):
        outcomes = write_batch(db, pairs[start : start + batch])
        assert all(o == "new" for o in outcomes), outcomes[:3]
        ends.append(time.perf_counter())
    db.close()
    return (len(pairs) - min(batch, len(pairs))) / (ends[-1] - ends[0])


def through_writer(messages: list[str], url: str, folder: Path, batch: int) -> dict:
    """`newswatch writer` storing `messages` into a new store: articles/s in its steady state
    (from the end of its first batch to the end of its last, by its own log lines), the seconds
    of its first batch (start-up costs: the lemmatiser's dictionaries, the topic and the
    de-duplication code loaded on first use), and articles/s over the whole command."""
    queue = ArticleQueue.from_url(url)
    queue.client.flushdb()
    with queue.client.pipeline(transaction=False) as pipe:
        for message in messages:
            pipe.lpush(queue.keys.articles, message)
        pipe.execute()
    queue.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    command = [
        sys.executable,
        "-m",
        "newswatch.cli",
        "writer",
        "--redis",
        url,
        "--db",
        str(folder / "writer.db"),
        "--batch",
        str(batch),
        "--idle-exit",
        "0",
        "-v",
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0 or f"stored {len(messages)} new" not in done.stdout:
        raise SystemExit(f"the writer failed: {done.stdout}{done.stderr[-3000:]}")
    batches = [
        (datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f"), int(m.group(2)), float(m.group(3)))
        for line in done.stderr.splitlines()
        if (m := BATCH_LINE.match(line))
    ]
    steady = sum(size for _, size, _ in batches[1:])
    return {
        "steady": steady / (batches[-1][0] - batches[0][0]).total_seconds(),
        "first_batch_s": batches[0][2],
        "wall": len(messages) / wall,
    }


def known_memory(url: str, count: int) -> dict:
    """used_memory added by `<p>:known` for `count` articles of realistic URLs."""
    templates = [
        u for u, f in sorted(load_fixtures([DEMO_DIR]).items()) if f.page_kind == "article"
    ]
    queue = ArticleQueue.from_url(url)
    client = queue.client
    client.flushdb()
    before = client.info("memory")["used_memory"]
    first_seen = "2026-11-22T12:00:00+00:00"
    fields = 0
    with client.pipeline(transaction=False) as pipe:
        for n in range(count):
            template = templates[n % len(templates)]
            number = re.findall(r"\d{5,}", template)[-1]
            url_n = template.replace(number, str(int(number) + n // len(templates) + 1))
            mapping = {
                key: first_seen
                for key in (article_id(url_n), canonical_url(url_n), article_key(url_n))
            }
            fields += len(mapping)
            pipe.hset(queue.keys.known, mapping=mapping)
            if n % 5_000 == 4_999:
                pipe.execute()
        pipe.execute()
    after = client.info("memory")["used_memory"]
    stored = client.hlen(queue.keys.known)
    queue.close()
    return {
        "known_articles": count,
        "known_fields": stored,
        "known_bytes_per_article": round((after - before) / count, 1),
        "known_mb_per_million_articles": round((after - before) / count * 1e6 / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--known", type=int, default=250_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder / "corpus", args.articles)
        started = time.perf_counter()
        articles = worker_articles([folder / "corpus"], NOW)
        extract_s = time.perf_counter() - started
        messages = [
            article_message(a, [a.url], seen_at, "bench:1")
            for a, seen_at in zip(articles, seen_times(NOW, len(articles)), strict=True)
        ]
        runs: dict[str, list[float]] = {}
        servers = {fsync: Redis(folder / f"redis-{fsync}", fsync) for fsync in FSYNC}
        try:
            for n in range(args.rounds):
                round_folder = folder / f"round-{n}"
                for fsync, server in servers.items():
                    (round_folder / fsync).mkdir(parents=True)
                    measured = through_writer(
                        messages, server.url, round_folder / fsync, args.batch
                    )
                    for name, value in measured.items():
                        runs.setdefault(f"{fsync}_{name}", []).append(value)
                runs.setdefault("in_process", []).append(
                    in_process(articles, round_folder, args.batch)
                )
                print(
                    f"round {n + 1}: in process {runs['in_process'][-1]:.0f}, writer (fsync "
                    f"always) {runs['always_steady'][-1]:.0f}, writer (fsync everysec) "
                    f"{runs['everysec_steady'][-1]:.0f} articles/s",
                    flush=True,
                )
            memory = known_memory(servers["everysec"].url, args.known)
        finally:
            for server in servers.values():
                server.stop()
    median = {k: round(statistics.median(v), 2) for k, v in runs.items()}
    result = {
        "writer_articles": len(articles),
        "writer_batch": args.batch,
        "writer_rounds": args.rounds,
        "worker_extract_articles_per_s": round(len(articles) / extract_s, 1),
        "in_process_write_batch_articles_per_s": median["in_process"],
    }
    for fsync in FSYNC:
        result[f"writer_articles_per_s_fsync_{fsync}"] = median[f"{fsync}_steady"]
        result[f"writer_vs_in_process_fsync_{fsync}"] = round(
            median[f"{fsync}_steady"] / median["in_process"], 3
        )
        result[f"writer_first_batch_s_fsync_{fsync}"] = median[f"{fsync}_first_batch_s"]
        result[f"writer_wall_articles_per_s_fsync_{fsync}"] = median[f"{fsync}_wall"]
    result["runs"] = {k: [round(x, 2) for x in v] for k, v in runs.items()}
    result.update(memory)
    out = REPO / "bench" / "results" / "writer_ceiling.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Crash safety: kill -9 a crawl at random moments, many times, and check the store each time.

Each round starts a crawl writing N articles (the test writer spider, through the real
pipelines) into one database, kills it with SIGKILL after a random delay, and checks that the
database passes PRAGMA integrity_check and the FTS index's own check, that no article is stored
twice, and that every stored article has its fingerprint. Every round writes new articles, so
each kill lands at start-up, in a migration or mid-writing; a last, uninterrupted run of the
last killed crawl must then complete what it missed. Prints one JSON object last.

    python bench/crash_test.py [--rounds 20] [--articles 300]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from contextlib import closing
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from support.writer_spider import command  # noqa: E402  (the spider the tests also use)


def crawl(db: Path, count: int, prefix: str = "crash") -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    offset = zlib.crc32(prefix.encode()) % 10_000 * 10_000
    return subprocess.Popen(
        command(db, count, prefix=prefix, pause="0.002", offset=offset),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def check(db: Path) -> dict:
    with closing(sqlite3.connect(db, timeout=60)) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES('integrity-check', 1)")
        urls = [r[0] for r in conn.execute("SELECT url FROM articles WHERE url IS NOT NULL")]
        unfingerprinted = conn.execute(
            "SELECT count(*) FROM articles a LEFT JOIN article_fingerprints f "
            "ON f.article_id = a.id WHERE f.article_id IS NULL"
        ).fetchone()[0]
    return {
        "integrity": integrity,
        "articles": len(urls),
        "twice": len(urls) - len(set(urls)),
        "unfingerprinted": unfingerprinted,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(20261122)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "crash.db"
        for n in range(args.rounds):
            process = crawl(db, args.articles, prefix=f"round{n}")  # new articles each round
            time.sleep(rng.uniform(1.0, 8.0))  # start-up, migrations, or mid-writing
            process.send_signal(signal.SIGKILL)
            process.wait()
            if db.exists():
                state = check(db)
                print(f"round {n + 1:2}: killed; {state}", flush=True)
                if state["integrity"] != "ok" or state["twice"] or state["unfingerprinted"]:
                    failures.append((n + 1, state))
        last = f"round{args.rounds - 1}"
        final = crawl(db, args.articles, prefix=last)  # the last killed crawl, run again
        final.wait(timeout=600)
        state = check(db)
        with closing(sqlite3.connect(db)) as conn:
            done = conn.execute(
                "SELECT count(*) FROM articles WHERE url LIKE ?", [f"%/{last}-%"]
            ).fetchone()[0]
        complete = done == args.articles and final.returncode == 0
        print(f"final crawl: {state}, exit {final.returncode}")
    result = {
        "crash_rounds": args.rounds,
        "crash_failures": len(failures),
        "crash_final_complete": complete,
    }
    print(json.dumps(result))
    sys.exit(0 if not failures and complete else 1)


if __name__ == "__main__":
    main()

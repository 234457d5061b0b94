"""Proof that a speed-up changed no result: the same inputs through the code of two checkouts
(`--before`, a worktree of the commit before the change with its own .venv, and this one), and
every result compared.

    python bench/same_output.py --before ../wt-base [--pages 2000] [--only functions,store,crawls]

Three comparisons, each on the same inputs for both checkouts:
- **functions**: every page and text at hand through the pure functions, one JSON record each:
  extraction (`extract_article`), normalising, topic judgement (`judge_article`: relevance,
  on_topic, matched, topics), the topic's rules alone (`rules_score`), the fingerprint (content
  hash, MinHash signature, LSH buckets, story features, title key) and the search stems. Inputs:
  the generated replay pages (bench/replay_throughput.py's `generate`), the demo pages, the
  real pages of ../shared/fixtures and ../shared/extraction-benchmark, the seed-format files of
  seeds/, tests/topic_devset, tests/topic_holdout and tests/dedup_set, and the 339 real
  articles of ../shared/corpus.
- **store**: the 339 real articles saved one after the other into a fresh store (as
  bench/story_judgement.py does, with a fixed first_seen each), in two orders: copies, stories
  and everything indexed.
- **crawls**: `scrapy crawl unian` of the generated pages from a local server (the replay
  benchmark's crawl) and `newswatch demo`, each checkout into its own store.

Stores are compared table by table, every column of every row but the clock's (fetched_at,
first_seen of a crawl, seen_at, listed_at, the crawls' times), floats to 1e-9 (JSON columns
parsed, their floats too). Exits 1, listing the first differences, when anything differs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = REPO.parent / "shared"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TOLERANCE = 1e-9
FAST = [
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "LOG_LEVEL=ERROR",
]
# Columns the clock or the process writes, not the code under test.
CLOCK = {
    "articles": {"fetched_at"},
    "article_versions": {"seen_at"},
    "pending": {"listed_at"},
    "http_validators": {"checked_at"},
    "crawls": {"id", "started", "finished", "stats", "pid", "host"},
    "_sqlite_migrations": {"applied_at"},
}
# A crawl's articles are first seen when they arrive.
CRAWL_CLOCK = {**CLOCK, "articles": {"fetched_at", "first_seen"}}
SKIPPED_TABLES = ("articles_fts",)  # the FTS index: its content is the articles' columns


# --- inputs ------------------------------------------------------------------------------------


def pages(generated: Path) -> list[tuple[str, str, bytes]]:
    """(name, url, body) of every article page at hand."""
    from newswatch.fixtures import DEMO_DIR, load_fixtures

    found = []
    for folder, label in ((generated, "generated"), (DEMO_DIR, "demo")):
        for _, fixture in sorted(load_fixtures([folder]).items(), key=lambda kv: str(kv[0])):
            if fixture.page_kind == "article":
                found.append((f"{label}:{fixture.url}", fixture.url, fixture.body))
    for golden in sorted((REPO / "tests" / "golden").glob("*/*/*.json")):
        data = json.loads(golden.read_text())
        fixture = data["fixture"]
        page = SHARED / fixture if fixture.startswith("fixtures/") else REPO / fixture
        found.append((f"golden:{golden.stem}", data["url"], page.read_bytes()))
    benchmark = SHARED / "extraction-benchmark"
    if benchmark.is_dir():
        truth = json.loads((benchmark / "ground-truth.json").read_text())
        for key, item in sorted(truth.items()):
            path = benchmark / "html" / f"{key}.html.gz"
            if path.exists():
                found.append((f"benchmark:{key}", item["url"], gzip.decompress(path.read_bytes())))
    return found


def seed_paths() -> list[Path]:
    folders = [REPO / "seeds", *(REPO / "tests" / n for n in ("topic_devset", "topic_holdout"))]
    folders.append(REPO / "tests" / "dedup_set")
    return [p for folder in folders for p in sorted(folder.rglob("*.txt"))]


def corpus() -> list[dict]:
    return [
        json.loads(line)
        for language in ("en", "uk", "ru")
        for line in (SHARED / "corpus" / f"topic_dev_{language}.jsonl").open(encoding="utf-8")
        if line.strip()
    ]


# --- what one checkout makes of them (run in that checkout's interpreter) ----------------------


def _results(article, topics) -> dict:
    """Everything the pipelines derive from a normalised article."""
    from newswatch.dedup import fingerprint, story_features
    from newswatch.search import text_stems
    from newswatch.topic import judge_article, rules_score

    judge_article(article, topics)
    fp = fingerprint(article.title, article.lead, article.text, article.language)
    rules = [
        rules_score(topic, title=article.title, lead=article.lead, text=article.text, language=lang)
        for topic in topics
        for lang in (article.language, None)
    ]
    return {
        "topics": article.topics,
        "matched": article.matched,
        "relevance": article.relevance,
        "on_topic": article.on_topic,
        "rules": [[r.relevance, r.on_topic, r.matched] for r in rules],
        "content_hash": fp.content_hash,
        "signature": fp.signature.tobytes().hex(),
        "buckets": fp.buckets,
        "features": fp.features,
        "title_key": fp.title_key,
        "untitled_features": story_features(None, None, article.text, article.language),
        "stems": text_stems(article.title, article.lead, article.text, article.language),
    }


def dump_functions(generated: Path, out: Path) -> None:
    from w3lib.encoding import html_to_unicode

    from newswatch.encodings import decode_page
    from newswatch.extraction import ExtractionError, extract_article
    from newswatch.items import Article, article_to_json
    from newswatch.pipelines.normalise import normalise_article
    from newswatch.seedfile import read_seed_file
    from newswatch.topic import load_topics

    topics = load_topics(None)
    with out.open("w", encoding="utf-8") as file:

        def write(record: dict) -> None:
            file.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")

        for name, url, body in pages(generated):
            record: dict = {"input": name}
            try:
                encoding, text = html_to_unicode(None, body)
                text = decode_page(body, encoding, text)[0]
                article = extract_article(text, url, now=NOW)
            except ExtractionError as error:
                write({**record, "error": str(error)})
                continue
            record["extracted"] = article_to_json(article)
            record["notes"] = normalise_article(article, NOW)
            record["normalised"] = article_to_json(article)
            write({**record, **_results(article, topics)})
        for path in seed_paths():
            seed = read_seed_file(path, NOW.date())
            article = seed.article
            normalise_article(article, NOW)
            write({"input": f"seed:{path.relative_to(REPO)}", **_results(article, topics)})
        for row in corpus():
            article = Article(
                url=row["url"],
                title=row.get("title"),
                text=row["text"],
                language=row["language"],
                date=row["date"],
            )
            normalise_article(article, NOW)
            write({"input": f"corpus:{row['id']}", **_results(article, topics)})


def build_store(db_path: Path) -> None:
    """The real corpus saved into a fresh store, dated first and then in file order (a second
    store, `<db>.mixed`), each article with a first_seen of its own."""
    from newswatch.items import Article
    from newswatch.pipelines.normalise import normalise_article
    from newswatch.store import open_store
    from newswatch.store.batch import write_batch
    from newswatch.topic import judge_article, load_topics

    topics = load_topics(None)
    rows = corpus()
    dated_first = sorted(rows, key=lambda r: (r["date"] is None, r["date"] or ""))
    for path, ordered in ((db_path, dated_first), (db_path.with_suffix(".mixed.db"), rows)):
        db = open_store(path)
        batch = []
        for n, row in enumerate(ordered):
            article = Article(
                url=row["url"],
                title=row.get("title"),
                text=row["text"],
                language=row["language"],
                date=row["date"],
            )
            normalise_article(article, NOW)
            judge_article(article, topics)
            batch.append((article, (NOW + timedelta(seconds=n)).isoformat()))
            if len(batch) == 25:
                write_batch(db, batch)
                batch = []
        write_batch(db, batch)
        db.close()


# --- comparing -------------------------------------------------------------------------------


def same(a, b) -> bool:
    """Equal, floats to TOLERANCE, JSON strings parsed."""
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or isinstance(a, str) or isinstance(b, str):
            return a == b
        return math.isclose(a, b, rel_tol=0, abs_tol=TOLERANCE)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) and isinstance(b, str) and a != b and a[:1] in "[{":
        try:
            return same(json.loads(a), json.loads(b))
        except ValueError:
            return False
    return a == b


def compare_records(before: Path, after: Path) -> list[str]:
    differences = []
    old = [json.loads(line) for line in before.open(encoding="utf-8")]
    new = [json.loads(line) for line in after.open(encoding="utf-8")]
    if len(old) != len(new):
        differences.append(f"functions: {len(old)} records before, {len(new)} after")
    for a, b in zip(old, new, strict=False):
        for key in sorted(set(a) | set(b)):
            if not same(a.get(key), b.get(key)):
                differences.append(f"functions: {a['input']}: {key} differs")
    return differences


def table_rows(
    db: sqlite3.Connection, table: str, clock: dict[str, set[str]]
) -> tuple[list[str], list[tuple]]:
    columns = [r[1] for r in db.execute(f"PRAGMA table_info([{table}])")]
    kept = [c for c in columns if c not in clock.get(table, ())]
    listed = ", ".join(f"[{c}]" for c in kept)
    return kept, db.execute(f"SELECT {listed} FROM [{table}] ORDER BY {listed}").fetchall()


def compare_stores(
    label: str, before: Path, after: Path, clock: dict[str, set[str]] = CLOCK
) -> list[str]:
    a, b = sqlite3.connect(before), sqlite3.connect(after)
    differences = []
    tables = [
        r[0]
        for r in a.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if not r[0].startswith(SKIPPED_TABLES) and not r[0].startswith("sqlite_")
    ]
    compared = 0
    for table in tables:
        columns, old = table_rows(a, table, clock)
        _, new = table_rows(b, table, clock)
        if len(old) != len(new):
            differences.append(f"{label}: {table}: {len(old)} rows before, {len(new)} after")
            continue
        for x, y in zip(old, new, strict=True):
            compared += 1
            if not same(list(x), list(y)):
                wrong = [c for c, u, v in zip(columns, x, y, strict=True) if not same(u, v)]
                differences.append(f"{label}: {table}: row {x[0]!r}: {', '.join(wrong)} differ")
    count = a.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"{label}: {count} articles, {compared} rows in {len(tables)} tables compared")
    return differences


# --- running each checkout -------------------------------------------------------------------


def python_of(tree: Path) -> str:
    return str(tree / ".venv" / "bin" / "python")


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}


def in_tree(tree: Path, *args: str) -> None:
    """This script, in `tree`'s interpreter (so `newswatch` is that checkout's)."""
    subprocess.run(
        [python_of(tree), __file__, *args],
        cwd=tree,
        env=clean_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def frozen_run(command: list[str]) -> None:
    """`scrapy ...` or `newswatch ...` with the clock stopped at its first reading. A crawl's
    order of arrival is fixed (one request at a time), but the time it reads is not, and the
    store breaks ties between articles first seen in the same second by id: with the clock
    running, which of two copies is the original would depend on where a second ended."""
    import newswatch.dates

    stopped = newswatch.dates.utc_now()
    newswatch.dates.utc_now = lambda: stopped  # before any module imports it
    if command[0] == "scrapy":
        from scrapy.cmdline import execute

        execute(command)
    else:
        from newswatch.cli import main

        main(command[1:])


def crawl_generated(tree: Path, mirror: str, db: Path) -> None:
    command = ["scrapy", "crawl", "unian", "-s", f"NEWSWATCH_MIRROR={mirror}"]
    in_tree(tree, "--frozen-run", *command, "-s", f"NEWSWATCH_DB={db}", *FAST)


def demo(tree: Path, db: Path) -> None:
    in_tree(tree, "--frozen-run", "newswatch", "demo", "--db", str(db))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="the checkout to compare with")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--only", default="functions,store,crawls")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="of the generated crawl (above 1 the order of arrival varies from run to run)",
    )
    parser.add_argument("--dump-functions", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build-store", type=Path, help=argparse.SUPPRESS)
    if sys.argv[1:2] == ["--frozen-run"]:
        frozen_run(sys.argv[2:])
        return
    args = parser.parse_args()
    if args.dump_functions:
        dump_functions(*args.dump_functions)
        return
    if args.build_store:
        build_store(args.build_store)
        return
    if args.before is None:
        parser.error("--before DIR is needed")
    sys.path.insert(0, str(BENCH))
    from replay_throughput import generate

    from newswatch.fixtures import serve_fixtures

    before, after = args.before.resolve(), REPO
    only = set(args.only.split(","))
    differences: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder / "corpus", args.pages)
        if "functions" in only:
            for name, tree in (("before", before), ("after", after)):
                in_tree(tree, "--dump-functions", str(folder / "corpus"), str(folder / name))
            found = compare_records(folder / "before", folder / "after")
            count = sum(1 for _ in (folder / "after").open())
            print(f"functions: {count} inputs compared")
            differences += found
        if "store" in only:
            for name, tree in (("before", before), ("after", after)):
                in_tree(tree, "--build-store", str(folder / f"store-{name}.db"))
            differences += compare_stores(
                "store (dated first)", folder / "store-before.db", folder / "store-after.db"
            )
            differences += compare_stores(
                "store (file order)",
                folder / "store-before.mixed.db",
                folder / "store-after.mixed.db",
            )
        if "crawls" in only:
            concurrency = str(args.concurrency)
            FAST.extend(["-s", f"CONCURRENT_REQUESTS={concurrency}"])
            FAST.extend(["-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}"])
            with serve_fixtures([folder / "corpus"]) as mirror:
                for name, tree in (("before", before), ("after", after)):
                    crawl_generated(tree, mirror, folder / f"crawl-{name}.db")
            differences += compare_stores(
                f"crawl of {args.pages} generated pages",
                folder / "crawl-before.db",
                folder / "crawl-after.db",
                CRAWL_CLOCK,
            )
            for name, tree in (("before", before), ("after", after)):
                (folder / f"demo-{name}").mkdir()
                demo(tree, folder / f"demo-{name}" / "demo.db")
            differences += compare_stores(
                "demo",
                folder / "demo-before" / "demo.db",
                folder / "demo-after" / "demo.db",
                CRAWL_CLOCK,
            )
    for line in differences[:50]:
        print(line)
    if differences:
        print(f"{len(differences)} differences")
        sys.exit(1)
    print("the same output")


if __name__ == "__main__":
    main()

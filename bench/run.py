"""The benchmark suite: every benchmark under bench/, side by side in one run on this machine.

    python bench/run.py            # the full suite (100k stored articles, 200 daemon crawls)
    python bench/run.py --quick    # the same measures, smaller: within five minutes

Each benchmark is a script of its own that prints one JSON object last; this collects them,
writes bench/results/run.json and the table in bench/README.md (between its RESULTS markers),
and prints one JSON object last with every key.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

SUITE = {  # name: (full arguments, quick arguments)
    "extraction": (["--repeat", "5"], ["--repeat", "2"]),
    "generic_f1": ([], []),
    "topic_eval": ([], []),
    "judgement": (["--repeats", "3"], ["--repeats", "1", "--no-curve", "--quick-stories"]),
    "dedup_scale": (["--sizes", "1000,10000,100000"], ["--sizes", "1000,10000", "--new", "150"]),
    "dedup_eval": ([], []),
    "replay_throughput": (["--pages", "2000"], ["--pages", "2000"]),
    "scaleout_throughput": (["--rounds", "3"], ["--rounds", "1"]),
    "daemon_memory": (["--crawls", "200"], ["--crawls", "15"]),
    "crash_test": (["--rounds", "20"], ["--rounds", "5", "--articles", "200"]),
}


def run(name: str, args: list[str]) -> dict:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    data = json.loads(lines[-1]) if lines else {"error": result.stderr[-500:]}
    data[f"{name}_seconds"] = round(time.perf_counter() - started, 1)
    print(f"{name:18} {data[f'{name}_seconds']:7.1f} s", flush=True)
    return data


def flatten(results: dict) -> dict:
    out: dict = {}
    for data in results.values():
        for key, value in data.items():
            if isinstance(value, (int, float, str, bool)) or value is None:
                out[key] = value
    topic = results.get("topic_eval", {})
    if "topic_ms_per_article" in topic:
        out["topic_ms_per_article"] = topic["topic_ms_per_article"]
        for language, scores in topic.get("newswatch", {}).items():
            out[f"topic_precision_{language}"] = scores["precision"]
            out[f"topic_recall_{language}"] = scores["recall"]
    judgement = results.get("judgement", {})
    for method in ("naive_query", "rules", "model_cv"):
        for language, s in judgement.get(method, {}).items():
            for measure in ("precision", "recall", "f1", "lookalikes_passed"):
                out[f"{method}_{measure}_{language}"] = s[measure]
    stories = judgement.get("stories") or {}
    for run_name, prefix in (("cv_dated-first", "cv"), ("cv_dated-first_full_store", "cv_full")):
        for measure, scores in stories.get(run_name, {}).items():
            if isinstance(scores, dict) and "f1" in scores:
                for name in ("precision", "recall", "f1"):
                    out[f"{prefix}_{measure}_{name}"] = scores[name]
    for name in ("duplicates", "story_links"):
        if name in results.get("dedup_eval", {}):
            out[f"{name}_precision"] = results["dedup_eval"][name]["precision"]
            out[f"{name}_recall"] = results["dedup_eval"][name]["recall"]
    return out


TABLE = [
    ("replay_articles_per_s", "offline replay, full pipeline, articles/s", ">= 150"),
    ("scrapy_ceiling_pages_per_s", "plain Scrapy spider on the same pages, pages/s", ""),
    ("replay_vs_ceiling", "replay / ceiling", ">= 0.5"),
    (
        "replay_process_articles_per_s",
        "the same replay, the store's writer in its own process, articles/s",
        ">= 150",
    ),
    ("replay_process_vs_ceiling", "the same / ceiling", ">= 0.5"),
    ("scaleout_workers_1_articles_per_s", "1 Redis worker and the writer, articles/s", ""),
    ("scaleout_workers_2_articles_per_s", "2 Redis workers and the writer, articles/s", ""),
    ("scaleout_workers_3_articles_per_s", "3 Redis workers and the writer, articles/s", ""),
    ("replay_peak_memory_mb", "replay peak memory, MB", ""),
    ("replay_extract_only_pages_per_s", "the same crawl without item pipelines, pages/s", ""),
    ("scrapy_ceiling_cpu_ms_per_page", "CPU ms per page, plain Scrapy spider", ""),
    ("replay_extract_only_cpu_ms_per_page", "CPU ms per page, without item pipelines", ""),
    (
        "replay_process_crawl_cpu_ms_per_article",
        "CPU ms per article, writer process mode: the crawl",
        "",
    ),
    ("replay_process_writer_cpu_ms_per_article", "the same: the writer", ""),
    ("replay_process_server_cpu_ms_per_article", "the same: the local page server", ""),
    (
        "replay_process_two_core_bound_vs_ceiling",
        "the most two fully busy cores allow at that CPU, / ceiling",
        "",
    ),
    ("newswatch_median_ms", "extraction, newswatch, median ms/page", ""),
    ("trafilatura_median_ms", "extraction, trafilatura with metadata, median ms/page", ""),
    ("extract_speedup_vs_trafilatura", "extraction speed-up, all 36 pages pooled", ""),
    ("real_speedup_vs_trafilatura", "extraction speed-up, 5 real pages (pooled medians)", ">= 5"),
    ("real_speedup_vs_trafilatura_per_page", "the same, median of per-page ratios", ">= 5"),
    ("real_speedup_vs_trafilatura_fast", "the same against trafilatura fast=True", ""),
    (
        "real_newswatch_body_f1",
        "body F1 on the real pages, newswatch (goldens written with its rules)",
        "",
    ),
    ("real_trafilatura_body_f1", "body F1 on the real pages, trafilatura (same goldens)", ""),
    ("generic_f1", "generic path F1, extraction benchmark", ">= trafilatura"),
    ("trafilatura_f1", "trafilatura F1, extraction benchmark", ""),
    ("dedup_ms_per_article_1000", "dedup + store, ms/article, 1k stored", ""),
    ("dedup_ms_per_article_10000", "dedup + store, ms/article, 10k stored", ""),
    ("dedup_ms_per_article_100000", "dedup + store, ms/article, 100k stored", ""),
    ("dedup_growth", "dedup cost growth (largest / 1k)", "<= 1.5"),
    ("dedup_ms_near_copy_10000", "of which a near copy (a tenth of words edited), 10k stored", ""),
    ("near_copies_found_10000", "share of those near copies recognised, 10k stored", ""),
    ("cv_story_all_precision", "story pairs precision, real corpus, CV by event, all", ""),
    ("cv_story_all_recall", "story pairs recall, same", ""),
    ("cv_story_all_f1", "story pairs F1, same", ">= 0.80"),
    ("cv_story_dated_f1", "story pairs F1, same, dated articles", ">= 0.85"),
    ("cv_full_story_all_f1", "story pairs F1, CV folds saved among all 339, all", ">= 0.80"),
    ("cv_full_story_dated_f1", "the same, dated articles", ">= 0.85"),
    ("cv_copies_precision", "copies precision, real corpus, CV", "1.0"),
    ("cv_copies_recall", "copies recall, real corpus, CV", ">= 0.9"),
    ("duplicates_precision", "duplicates precision (dedup set)", ""),
    ("duplicates_recall", "duplicates recall", ""),
    ("story_links_precision", "story links precision", ""),
    ("story_links_recall", "story links recall", ""),
    ("topic_ms_per_article", "topic scoring, ms/article (hand-written dev set)", "<= 1"),
    ("topic_model_ms_per_article", "topic model scoring, ms/article (real corpus)", "<= 1"),
    *(
        (f"{method}_{measure}_{language}", f"topic {label} {measure}, {language}", target)
        for language in ("en", "uk", "ru")
        for method, label, targets in (
            (
                "model_cv",
                "model (grouped CV)",
                {"precision": ">= 0.95", "recall": ">= 0.95", "lookalikes_passed": "<= 3"},
            ),
            ("rules", "rules (unfitted)", {}),
            ("naive_query", "naive query", {}),
        )
        for measure in ("precision", "recall", "lookalikes_passed")
        for target in [targets.get(measure, "")]
    ),
    ("daemon_crawls", "daemon: scheduled replay crawls", ""),
    ("daemon_rss_mb", "daemon resident memory after them, MB", ""),
    ("daemon_rss_growth_mb", "daemon memory growth over them, MB", ""),
    ("crash_failures", "kill -9 rounds that left a bad store", "0"),
]


def write_table(flat: dict, quick: bool) -> None:
    readme = BENCH / "README.md"
    text = readme.read_text()
    start, end = "<!-- RESULTS -->", "<!-- /RESULTS -->"
    rows = "\n".join(
        f"| {label} | {flat.get(key, '–')} | {target} |" for key, label, target in TABLE
    )
    table = (
        f"{start}\n`python bench/run.py{' --quick' if quick else ''}`, "
        f"{datetime.now(UTC).date()}, this machine (2 cores), one run:\n\n"
        f"| measure | value | target |\n|---|---|---|\n{rows}\n{end}"
    )
    if start in text:
        text = text[: text.index(start)] + table + text[text.index(end) + len(end) :]
    else:
        text += "\n" + table + "\n"
    readme.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, within 5 minutes")
    parser.add_argument("--only", help="comma-separated benchmark names")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(SUITE)
    results = {name: run(name, SUITE[name][1 if args.quick else 0]) for name in names}
    flat = flatten(results)
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "run.json").write_text(
        json.dumps(
            {"quick": args.quick, "results": results, "summary": flat}, indent=1, default=str
        )
    )
    if not args.only:
        write_table(flat, args.quick)
    print(json.dumps(flat, default=str))


if __name__ == "__main__":
    main()

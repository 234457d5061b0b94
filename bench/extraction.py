"""Extraction accuracy and speed: newswatch beside plain trafilatura, on the same pages, in one run.

Pages: every page with a golden under tests/golden/ (the real pages under ../shared/fixtures,
and the hand-written demo pages, reported apart). For each page and each extractor: title, date
and authors exact (as the golden states them), and body token F1 against the golden body text
(whitespace tokens, multiset overlap, as the article-extraction benchmark defines it). Speed:
median milliseconds per page over --repeat runs of each page, both extractors interleaved.

    python bench/extraction.py [--repeat 5]

Prints a table, writes bench/results/extraction.json, and prints one JSON object last.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import trafilatura
from w3lib.encoding import html_to_unicode

from newswatch.extraction import extract_article

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
GOLDEN = REPO / "tests" / "golden"


def token_f1(predicted: str, truth: str) -> float:
    got, want = Counter(predicted.split()), Counter(truth.split())
    common = sum((got & want).values())
    if not got or not want or not common:
        return float(got == want)
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def newswatch_fields(html: str, url: str) -> dict:
    article = extract_article(html, url, now=NOW)
    return {
        "title": article.title,
        "date": article.date,
        "authors": article.authors,
        "text": article.text,
    }


def trafilatura_fields(html: str, url: str, fast: bool = False) -> dict:
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, fast=fast
    )
    if doc is None:
        return {"title": None, "date": None, "authors": [], "text": ""}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    author = data.get("author") or ""
    return {
        "title": data.get("title"),
        "date": data.get("date"),
        "authors": [a.strip() for a in author.split(";") if a.strip()],
        "text": data.get("text") or "",
    }


def trafilatura_fast_fields(html: str, url: str) -> dict:
    return trafilatura_fields(html, url, fast=True)


EXTRACTORS = {
    "newswatch": newswatch_fields,
    "trafilatura": trafilatura_fields,
    "trafilatura_fast": trafilatura_fast_fields,
}


def cases() -> list[dict]:
    out = []
    for golden_path in sorted(GOLDEN.glob("*/*/*.json")):
        golden = json.loads(golden_path.read_text())
        body_path = golden_path.with_suffix(".body.txt")
        fixture = golden["fixture"]
        page = SHARED / fixture if fixture.startswith("fixtures/") else REPO / fixture
        out.append(
            {
                "name": golden_path.relative_to(GOLDEN).with_suffix("").as_posix(),
                "set": golden_path.parent.parent.name,
                "html": html_to_unicode(None, page.read_bytes())[1],
                "url": golden["url"],
                "golden": golden,
                "body": body_path.read_text() if body_path.exists() else None,
            }
        )
    return out


def score(fields: dict, case: dict) -> dict:
    golden = case["golden"]
    result = {
        "title": fields["title"] == golden["title"],
        "date": fields["date"] == golden["date"],
        "authors": list(fields["authors"]) == golden["authors"],
    }
    if case["body"] is not None:
        result["body_f1"] = token_f1(fields["text"], case["body"])
    return result


def _f1(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pages = cases()
    timings: dict[str, list[float]] = {name: [] for name in EXTRACTORS}
    per_page: dict[str, dict[str, list[float]]] = {name: {} for name in EXTRACTORS}
    scores: dict[str, dict[str, list]] = {name: {} for name in EXTRACTORS}
    for case in pages:
        for name, extractor in EXTRACTORS.items():  # warm-up, and the scored run
            fields = extractor(case["html"], case["url"])
            scores[name][case["name"]] = score(fields, case)
        for _ in range(args.repeat):
            for name, extractor in EXTRACTORS.items():
                start = time.perf_counter()
                extractor(case["html"], case["url"])
                elapsed = (time.perf_counter() - start) * 1000
                timings[name].append(elapsed)
                per_page[name].setdefault(case["name"], []).append(elapsed)

    summary: dict[str, float | int] = {"pages": len(pages)}
    print(
        f"{'set':12} {'extractor':12} {'pages':>5} {'title':>6} {'date':>6} {'authors':>8} "
        f"{'body F1':>8}"
    )
    for subset in ("real", "handwritten"):
        for name in EXTRACTORS:
            rows = [s for page, s in scores[name].items() if page.startswith(subset)]
            if not rows:
                continue
            f1s = [r["body_f1"] for r in rows if "body_f1" in r]
            line = {
                "title": sum(r["title"] for r in rows) / len(rows),
                "date": sum(r["date"] for r in rows) / len(rows),
                "authors": sum(r["authors"] for r in rows) / len(rows),
                "body_f1": statistics.mean(f1s) if f1s else None,
            }
            print(
                f"{subset:12} {name:12} {len(rows):5d} {line['title']:6.2f} {line['date']:6.2f} "
                f"{line['authors']:8.2f} {_f1(line['body_f1']):>8}"
            )
            for key, value in line.items():
                summary[f"{subset}_{name}_{key}"] = None if value is None else round(value, 4)
    # Speed, by set: the real pages (the ones that matter) apart from the small hand-written
    # ones; the median of per-page ratios beside the ratio of pooled medians.
    for name in EXTRACTORS:
        summary[f"{name}_median_ms"] = round(statistics.median(timings[name]), 3)
    summary["extract_speedup_vs_trafilatura"] = round(
        summary["trafilatura_median_ms"] / summary["newswatch_median_ms"], 2
    )
    print("median ms per page (speed-up of newswatch: pooled medians; median of per-page ratios)")
    for subset in ("real", "handwritten"):
        names = [page for page in per_page["newswatch"] if page.startswith(subset)]
        if not names:
            continue
        mine = {p: statistics.median(per_page["newswatch"][p]) for p in names}
        for other in ("trafilatura", "trafilatura_fast"):
            theirs = {p: statistics.median(per_page[other][p]) for p in names}
            pooled = statistics.median(theirs.values()) / statistics.median(mine.values())
            ratios = statistics.median(theirs[p] / mine[p] for p in names)
            summary[f"{subset}_{other}_median_ms"] = round(statistics.median(theirs.values()), 3)
            summary[f"{subset}_speedup_vs_{other}"] = round(pooled, 2)
            summary[f"{subset}_speedup_vs_{other}_per_page"] = round(ratios, 2)
            print(
                f"  {subset:12} newswatch {statistics.median(mine.values()):7.3f}  {other:16} "
                f"{statistics.median(theirs.values()):7.3f}  x{pooled:.2f}  per page x{ratios:.2f}"
            )
        summary[f"{subset}_newswatch_median_ms"] = round(statistics.median(mine.values()), 3)
    failures = {
        name: {
            page: s
            for page, s in scores[name].items()
            if not all(v is True or (isinstance(v, float) and v > 0.99) for v in s.values())
        }
        for name in EXTRACTORS
    }
    out = REPO / "bench" / "results" / "extraction.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"summary": summary, "imperfect_pages": failures}, indent=1, ensure_ascii=False)
        + "\n"
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

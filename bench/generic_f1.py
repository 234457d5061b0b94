"""The generic extraction path (what `newswatch extract` does for a page of no known outlet:
structured data, then the general extractor) on ../shared/extraction-benchmark, beside plain
trafilatura on the same pages: token F1 of the body against the benchmark's articleBody, as
that benchmark defines it (whitespace tokens, multiset overlap, averaged over pages).

    python bench/generic_f1.py

Writes bench/results/generic_f1.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import gzip
import json
import statistics
import time
from pathlib import Path

import trafilatura
from extraction import token_f1  # bench/extraction.py, beside this script
from w3lib.encoding import html_to_unicode

from newswatch.extraction import ExtractionError, extract_article

REPO = Path(__file__).resolve().parent.parent
BENCHMARK = REPO.parent / "shared" / "extraction-benchmark"


def main() -> None:
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text())
    ours, theirs, our_ms, their_ms = [], [], [], []
    for digest, item in sorted(truth.items()):
        path = BENCHMARK / "html" / f"{digest}.html.gz"
        html = html_to_unicode(None, gzip.decompress(path.read_bytes()))[1]
        start = time.perf_counter()
        try:
            text = extract_article(html, item["url"]).text
        except ExtractionError:
            text = ""
        our_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        their = trafilatura.extract(html, url=item["url"]) or ""
        their_ms.append((time.perf_counter() - start) * 1000)
        ours.append(token_f1(text, item["articleBody"]))
        theirs.append(token_f1(their, item["articleBody"]))
    result = {
        "generic_pages": len(ours),
        "generic_f1": round(statistics.mean(ours), 4),
        "trafilatura_f1": round(statistics.mean(theirs), 4),
        "generic_median_ms": round(statistics.median(our_ms), 2),
        "trafilatura_generic_median_ms": round(statistics.median(their_ms), 2),
    }
    print(
        f"{len(ours)} pages: newswatch generic F1 {result['generic_f1']}, trafilatura F1 "
        f"{result['trafilatura_f1']}"
    )
    (REPO / "bench" / "results" / "generic_f1.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()

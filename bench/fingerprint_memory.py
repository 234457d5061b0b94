"""Memory and time of fingerprinting one very large article (newswatch.dedup.fingerprint).

A text of `--mb` megabytes (13 by default, the size of the largest page met) is made of
random words from a 20,000-word vocabulary, so that nearly every word 3-shingle is unique (the
worst case for MinHash). Each run happens in a fresh process, which reports the peak resident
memory (resource.getrusage) before and after the fingerprint and the time it took. Also a
normal article (800 words), for scale. Writes bench/results/fingerprint_memory.json.

    python bench/fingerprint_memory.py [--mb 13]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "fingerprint_memory.json"


def _text(target_bytes: int) -> str:
    rng = random.Random(14)
    vocabulary = [f"w{i}" for i in range(20000)]
    words: list[str] = []
    size = 0
    while size < target_bytes:
        paragraph = " ".join(rng.choices(vocabulary, k=60)) + "."
        words.append(paragraph)
        size += len(paragraph.encode()) + 2
    return "\n\n".join(words)


def child(target_bytes: int) -> None:
    from newswatch.dedup import fingerprint

    text = _text(target_bytes)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    fingerprint("Заголовок статті", None, text, "uk")
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "text_mb": round(len(text.encode()) / 1e6, 1),
                "seconds": round(seconds, 2),
                "peak_rss_mb_before": round(before / 1024),
                "peak_rss_mb_after": round(after / 1024),
                "peak_rss_mb_added": round((after - before) / 1024),
            }
        )
    )


def measure(target_bytes: int) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(target_bytes)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=13)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return
    results = {
        "large": measure(int(args.mb * 1_000_000)),
        "normal": measure(800 * 12),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results))


if __name__ == "__main__":
    main()

"""The benchmarks' own honesty: the results table in bench/README.md is the committed
bench/results/run.json, row for row, and names the command that made it; every benchmark
script is described there."""

from __future__ import annotations

import json
import re
import sys

from conftest import REPO

BENCH = REPO / "bench"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  bench/run.py


def _table() -> tuple[str, dict[str, str]]:
    text = (BENCH / "README.md").read_text()
    block = text[text.index("<!-- RESULTS -->") : text.index("<!-- /RESULTS -->")]
    rows = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("measure", "---"):
            rows[cells[0]] = cells[1]
    return block, rows


def test_the_results_table_is_the_committed_run():
    block, rows = _table()
    saved = json.loads((BENCH / "results" / "run.json").read_text())
    command = "`python bench/run.py" + (" --quick`" if saved["quick"] else "`")
    assert command in block
    flat = saved["summary"]
    assert set(rows) == {label for _, label, _ in run.TABLE}
    for key, label, _ in run.TABLE:
        assert rows[label] == str(flat.get(key, "–")), label


def test_every_benchmark_script_is_described():
    text = (BENCH / "README.md").read_text()
    for script in sorted(BENCH.glob("*.py")):
        if script.name in ("run.py", "ceiling_spider.py"):
            continue
        assert re.search(rf"`{re.escape(script.name)}", text), script.name

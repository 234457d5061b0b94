"""`newswatch report`: a self-contained HTML page with a chart of on-topic articles per outlet
per day (inline SVG, no script, no network) and the table behind it; a run of days without any
article is one gap marker in the chart and one line in the table."""

from __future__ import annotations

import html
from datetime import date, timedelta

from sqlite_utils import Database

from newswatch.charts import COLOURS, colour, day_slots, outlet_day_chart


def coverage(db: Database, days: int, today: date) -> tuple[list[str], dict[str, dict[str, int]]]:
    start = today - timedelta(days=days - 1)
    dates = [(start + timedelta(days=n)).isoformat() for n in range(days)]
    counts: dict[str, dict[str, int]] = {outlet: {} for outlet in COLOURS}
    for outlet, day, n in db.execute(
        "SELECT coalesce(outlet, 'unknown') AS o, date, count(*) FROM on_topic_articles "
        "WHERE date BETWEEN ? AND ? GROUP BY o, date",
        [dates[0], dates[-1]],
    ):
        counts.setdefault(outlet, {})[day] = n
    return dates, counts


def render(dates: list[str], counts: dict[str, dict[str, int]], title: str) -> str:
    outlets = list(counts)
    slots = day_slots(dates, counts)
    legend = " ".join(
        f'<span style="color:{colour(o)}">&#9632; {html.escape(o)}</span>' for o in outlets
    )
    rows = "".join(
        f'<tr class="gap"><td colspan="{len(outlets) + 1}">{html.escape(slot.label)}</td></tr>'
        if slot.gap
        else f"<tr><td>{slot.first}</td>"
        + "".join(f"<td>{slot.counts.get(o, 0)}</td>" for o in outlets)
        + "</tr>"
        for slot in slots
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}tr.gap td{{color:#666;
text-align:center;font-style:italic}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>On-topic articles per outlet per day (copies folded); a dashed line stands for days without
any. {legend}</p>
{outlet_day_chart(slots, outlets)}
<table><tr><th>date</th>{"".join(f"<th>{html.escape(o)}</th>" for o in outlets)}</tr>{rows}
</table></body></html>
"""

"""`newswatch report`: a self-contained HTML page with a chart of on-topic articles per outlet
per day (inline SVG, no script, no network) and the table behind it."""

from __future__ import annotations

import html
from datetime import date, timedelta

from sqlite_utils import Database

COLOURS = {
    "sputnik": "#c0392b",
    "rbc": "#2e86c1",
    "unian": "#f39c12",
    "pravda": "#27ae60",
    "moscowtimes": "#8e44ad",
}


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
    width, height, left, bottom = 900, 320, 40, 40
    outlets = list(counts)
    per_day = max(1, len(outlets))
    slot = (width - left) / max(1, len(dates))
    bar = max(2.0, slot / (per_day + 1))
    peak = max([n for c in counts.values() for n in c.values()] + [1])
    scale = (height - bottom - 20) / peak
    bars, labels = [], []
    for d, day in enumerate(dates):
        x0 = left + d * slot
        for o, outlet in enumerate(outlets):
            n = counts[outlet].get(day, 0)
            if n:
                h = n * scale
                bars.append(
                    f'<rect x="{x0 + o * bar:.1f}" y="{height - bottom - h:.1f}" '
                    f'width="{bar - 1:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS.get(outlet, "#555")}"><title>{html.escape(outlet)}, '
                    f"{day}: {n}</title></rect>"
                )
        if len(dates) <= 31 or d % 7 == 0:
            labels.append(
                f'<text x="{x0 + slot / 2:.1f}" y="{height - bottom + 15}" '
                f'font-size="10" text-anchor="middle">{day[5:]}</text>'
            )
    ticks = "".join(
        f'<text x="{left - 6}" y="{height - bottom - v * scale + 4:.1f}" '
        f'font-size="10" text-anchor="end">{v}</text>'
        for v in sorted({0, peak // 2, peak})
    )
    legend = " ".join(
        f'<span style="color:{COLOURS.get(o, "#555")}">&#9632; {html.escape(o)}</span>'
        for o in outlets
    )
    rows = "".join(
        f"<tr><td>{day}</td>"
        + "".join(f"<td>{counts[o].get(day, 0)}</td>" for o in outlets)
        + "</tr>"
        for day in dates
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>On-topic articles per outlet per day (copies folded). {legend}</p>
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img"
 aria-label="On-topic articles per outlet per day">
<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#333"/>
{ticks}{"".join(bars)}{"".join(labels)}</svg>
<table><tr><th>date</th>{"".join(f"<th>{html.escape(o)}</th>" for o in outlets)}</tr>{rows}
</table></body></html>
"""

"""Charts as inline SVG, drawn on the server: no script, no network, the same picture in
`newswatch report`'s offline page and on the Datasette desk.

- `outlet_day_chart`: on-topic articles per outlet per day, bars side by side; a run of days
  with no article at all is one narrow gap marker, not a stretch of empty slots.
- `story_spread_chart`: one story's reports as dots, a row per outlet (the outlets that did not
  cover it keep their empty row) against time from the first report to the last.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime

from newswatch.outlets import OUTLETS

COLOURS = {
    "sputnik": "#c0392b",
    "rbc": "#2e86c1",
    "unian": "#d68910",
    "pravda": "#229954",
    "moscowtimes": "#8e44ad",
}
OTHER_COLOUR = "#555"


def colour(outlet: str | None) -> str:
    return COLOURS.get(outlet or "", OTHER_COLOUR)


@dataclass(frozen=True)
class DaySlot:
    """One day with articles, or a run of days (first..last) with none at all: a gap."""

    first: str
    last: str
    counts: dict[str, int]

    @property
    def gap(self) -> bool:
        return not any(self.counts.values())

    @property
    def days(self) -> int:
        return (date.fromisoformat(self.last) - date.fromisoformat(self.first)).days + 1

    @property
    def label(self) -> str:
        if not self.gap:
            return self.first
        span = self.first if self.days == 1 else f"{self.first} – {self.last}"
        return f"{span}: none ({self.days} day{'s' if self.days > 1 else ''})"


def day_slots(dates: list[str], counts: dict[str, dict[str, int]]) -> list[DaySlot]:
    """The days in order, each run of days without any article folded into one gap slot."""
    slots: list[DaySlot] = []
    for day in dates:
        today = {outlet: per_day[day] for outlet, per_day in counts.items() if per_day.get(day)}
        if not today and slots and slots[-1].gap:
            slots[-1] = DaySlot(slots[-1].first, day, {})
        else:
            slots.append(DaySlot(day, day, today))
    return slots


def _svg(width: float, height: float, label: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{html.escape(label)}" '
        f'font-family="sans-serif">{body}</svg>'
    )


def outlet_day_chart(slots: list[DaySlot], outlets: list[str]) -> str:
    """Bars of articles per outlet per day; each gap slot is a dashed marker saying how many
    days it stands for."""
    height, bottom, left, top = 240, 44, 34, 12
    day_width = max(24.0, min(80.0, 840 / max(1, len(slots))))
    gap_width = 26.0
    peak = max([n for s in slots for n in s.counts.values()] + [1])
    scale = (height - bottom - top) / peak
    bar = day_width / (len(outlets) + 1)
    parts, x = [], float(left)
    baseline = height - bottom
    for slot in slots:
        if slot.gap:
            middle = x + gap_width / 2
            parts.append(
                f'<g class="gap"><title>{html.escape(slot.label)}</title>'
                f'<line x1="{middle:.1f}" y1="{top}" x2="{middle:.1f}" y2="{baseline}" '
                f'stroke="#999" stroke-dasharray="3 3"/>'
                f'<text x="{middle:.1f}" y="{baseline + 14}" font-size="10" fill="#666" '
                f'text-anchor="middle">{slot.days}d</text></g>'
            )
            x += gap_width
            continue
        for o, outlet in enumerate(outlets):
            n = slot.counts.get(outlet, 0)
            if n:
                h = n * scale
                parts.append(
                    f'<rect class="bar" x="{x + (o + 0.5) * bar:.1f}" y="{baseline - h:.1f}" '
                    f'width="{bar - 1:.1f}" height="{h:.1f}" fill="{colour(outlet)}">'
                    f"<title>{html.escape(outlet)}, {slot.first}: {n}</title></rect>"
                )
        parts.append(
            f'<text x="{x + day_width / 2:.1f}" y="{baseline + 14}" font-size="10" '
            f'text-anchor="middle">{slot.first[5:]}</text>'
        )
        x += day_width
    ticks = "".join(
        f'<text x="{left - 6}" y="{baseline - v * scale + 4:.1f}" font-size="10" '
        f'text-anchor="end">{v}</text>'
        for v in sorted({0, peak // 2, peak})
    )
    axis = f'<line x1="{left}" y1="{baseline}" x2="{x:.1f}" y2="{baseline}" stroke="#333"/>'
    return _svg(
        x + 10, height, "On-topic articles per outlet per day", axis + ticks + "".join(parts)
    )


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class SpreadLayout:
    width: int
    row_height: int
    left: int  # room for the outlet names (none when 0)
    dot: int
    labelled: bool  # outlet names and the time axis written out


FULL_SPREAD = SpreadLayout(width=760, row_height=22, left=130, dot=6, labelled=True)
# The desk's thumbnail: the same rows and times, no words.
SMALL_SPREAD = SpreadLayout(width=180, row_height=8, left=4, dot=3, labelled=False)


def story_spread_chart(reports: list[dict], layout: SpreadLayout = FULL_SPREAD) -> str:
    """The story's reports as dots: a row per outlet (all five, so that silence shows), time
    across, from the first dated report to the last. A copy is a hollow dot; undated reports
    are left out of the picture (the list beside it has them)."""
    dated = [r for r in reports if r.get("published_utc") and r.get("outlet")]
    rows = list(OUTLETS) + sorted({r["outlet"] for r in dated if r["outlet"] not in OUTLETS})
    row_height, left, top = layout.row_height, layout.left, layout.dot + 2
    bottom = 30 if layout.labelled else top
    width, height = layout.width, top + row_height * len(rows) + bottom
    times = [_utc(r["published_utc"]) for r in dated]
    start, end = (min(times), max(times)) if times else (None, None)
    span = max(((end - start).total_seconds() if times else 0), 1.0)
    pad = layout.dot + 4  # keeps the first and the last dot inside the picture
    plot = width - left - 2 * pad
    parts = []
    for i, outlet in enumerate(rows):
        y = top + row_height * i + row_height / 2
        name = OUTLETS[outlet].title if outlet in OUTLETS else outlet
        if layout.labelled:
            parts.append(
                f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
                f"{html.escape(name)}</text>"
            )
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#e4e4e4"/>')
    for report, when in zip(dated, times, strict=True):
        y = top + row_height * rows.index(report["outlet"]) + row_height / 2
        x = left + pad + plot * ((when - start).total_seconds() / span if len(times) > 1 else 0.5)
        copy = bool(report.get("duplicate_of"))
        fill = "white" if copy else colour(report["outlet"])
        ring = (
            f' stroke="{colour(report["outlet"])}" stroke-width="{layout.dot / 3:.1f}"'
            if copy or layout.labelled
            else ""
        )
        tip = f"{report['outlet']}, {report['language']}, {report['published_utc']} UTC: " + (
            report.get("title") or ""
        )
        tip = f"<title>{html.escape(tip)}</title>" if layout.labelled else ""  # light thumbnails
        parts.append(
            f'<circle class="report" cx="{x:.1f}" cy="{y:.1f}" r="{layout.dot}" '
            f'fill="{fill}"{ring}>{tip}</circle>'
        )
    if times and layout.labelled:
        baseline = top + row_height * len(rows) + 4
        hours = (end - start).total_seconds() / 3600
        parts.append(
            f'<text x="{left}" y="{baseline + 14}" font-size="10">{start:%Y-%m-%d %H:%M} UTC'
            f'</text><text x="{width}" y="{baseline + 14}" font-size="10" '
            f'text-anchor="end">{end:%Y-%m-%d %H:%M} UTC (+{hours:.1f} h)</text>'
        )
    return _svg(width, height, "The story's reports by outlet and time", "".join(parts))

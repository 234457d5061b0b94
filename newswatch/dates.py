"""Publication times: parse, bring to ISO 8601 with a UTC offset, and reject the impossible.

Time is passed in (`now`), never read from the clock here, so results are reproducible.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

EARLIEST = date(1990, 1, 1)
_YMD = re.compile(r"\d{4}-\d{2}-\d{2}")
FUTURE_TOLERANCE = timedelta(hours=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """`moment` in UTC as ISO 8601 with seconds, e.g. 2026-11-22T02:31:00+00:00."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def utc_sort_time(published: str | None) -> str | None:
    """`published` in UTC as `YYYY-MM-DD HH:MM:SS`, what SQLite's `datetime(published)` gives
    (a time with no offset read as UTC; None when it is no time): the `published_utc` column."""
    if not published:
        return None
    moment = parse_datetime(published, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else None


def parse_datetime(value: str | None, local_tz: tzinfo | None = None) -> datetime | None:
    """An aware datetime from an ISO 8601 string (also `YYYY-MM-DD HH:MM:SS` and offsets
    written `+0000`). A naive value is read as `local_tz`; with no `local_tz` it is refused."""
    if not value:
        return None
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and "T" in text:
        text = f"{text[:-2]}:{text[-2:]}"  # +0300 -> +03:00
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        if local_tz is None:
            return None
        moment = moment.replace(tzinfo=local_tz)
    return moment


def plausible_moment(moment: datetime, now: datetime) -> bool:
    """False for a time in the future (beyond a small clock skew) or before 1990."""
    return moment.date() >= EARLIEST and moment <= now + FUTURE_TOLERANCE


def plausible_date(day: date, today: date) -> bool:
    """False for a date after `today` (+1 day for time zones ahead of UTC) or before 1990."""
    return EARLIEST <= day <= today + timedelta(days=1)


def backfill_start(value: str) -> date:
    """The day a backfill walks back to, from `YYYY-MM-DD`; ValueError, saying why, for no
    such date or one before 1990 (newswatch keeps nothing older, and walking back to year 1
    would overflow)."""
    day = parse_date(value)
    if day is None:
        raise ValueError(f"since={value!r}: expected a date, YYYY-MM-DD")
    if day < EARLIEST:
        raise ValueError(f"since={value!r}: before 1990, the earliest date newswatch accepts")
    return day


def parse_date(value: str | None) -> date | None:
    """A calendar date from `YYYY-MM-DD`, None if it is no such date (e.g. 2026-02-30)."""
    if not value or not _YMD.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None

"""What is due for a channel: the on-topic stories (newswatch.store.definitions) to alert.

- A **new** story: first seen by newswatch after the channel was set up (so that a store just
  backfilled or imported does not flood it) and published within the window (an undated story:
  joined within it).
- An **update**: a story already alerted (or first seen before the channel was set up) that
  has since reached another outlet or language; at most one per story per channel interval.
- A **digest** (hourly, daily) takes the stories due at its scheduled moment, newest first;
  a story that joins after the moment waits for the next digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from newswatch.alerts.config import Channel
from newswatch.dates import iso_utc, parse_datetime
from newswatch.store.definitions import news, on_topic_article


@dataclass(frozen=True)
class DueStory:
    story_id: str
    kind: str
    """new or update."""
    outlets: str
    """The story's outlets now, sorted, comma-separated: the snapshot the alert records."""
    languages: str


def snapshot(values: str | None) -> str:
    """A group_concat'd list as the alert records it: sorted, comma-separated, no repeats."""
    return ",".join(sorted({v for v in (values or "").split(",") if v}))


def _grew(now: str, before: str | None) -> bool:
    return bool(set(now.split(",")) - set((before or "").split(",")) - {""})


def _story_rows(db: Database, channel: Channel, set_up: str, window_start: datetime, until):
    topics = ", ".join("?" * len(channel.topics))
    topic_filter = (
        "AND EXISTS (SELECT 1 FROM articles a JOIN article_topics t ON t.article_id = a.id "
        f"WHERE a.story_id = s.story_id AND {on_topic_article('a')} AND t.on_topic = 1 "
        f"AND t.topic IN ({topics})) "
        if channel.topics
        else ""
    )
    return db.execute(
        "SELECT s.story_id, s.outlets, s.languages, "
        "(SELECT min(a.first_seen) FROM articles a "
        f"WHERE a.story_id = s.story_id AND {news('a')}) AS seen, "
        "l.created, l.outlets, l.languages "
        "FROM on_topic_stories s LEFT JOIN alerts l ON l.id = (SELECT max(m.id) FROM alerts m "
        "WHERE m.channel = ? AND m.story_id = s.story_id) "
        "WHERE coalesce(s.last_published, datetime(s.joined)) >= ? "
        "AND datetime(s.joined) >= datetime(?) "
        f"AND datetime(s.joined) <= datetime(?) {topic_filter}"
        "ORDER BY s.joined DESC, s.last_published DESC, s.story_id",
        [
            channel.name,
            window_start.strftime("%Y-%m-%d %H:%M:%S"),
            set_up,
            iso_utc(until),
            *channel.topics,
        ],
    ).fetchall()


def due_stories(
    db: Database,
    channel: Channel,
    set_up: str,
    now: datetime,
    window: timedelta,
    until: datetime | None = None,
) -> list[DueStory]:
    """The stories to alert on `channel` (set up at `set_up`, ISO) at `now`, newest first:
    published since `now - window`, and joined by `until` (default: now)."""
    due = []
    for story_id, outlets, languages, seen, last_at, last_outlets, last_languages in _story_rows(
        db, channel, set_up, now - window, until or now
    ):
        outlets, languages = snapshot(outlets), snapshot(languages)
        if last_at is None:
            first_seen = parse_datetime(seen)
            kind = "new" if first_seen and first_seen >= parse_datetime(set_up) else "update"
        elif not (_grew(outlets, last_outlets) or _grew(languages, last_languages)):
            continue
        elif parse_datetime(last_at) > now - channel.interval:
            continue  # at most one alert per story per interval: it waits
        else:
            kind = "update"
        due.append(DueStory(story_id, kind, outlets, languages))
    return due


def digest_moment(channel: Channel, now: datetime) -> datetime:
    """The latest moment at or before `now` when `channel`'s digest is scheduled: each day at
    `at` in its time zone (daily), or each hour at `at`'s minute (hourly)."""
    local = now.astimezone(channel.timezone)
    if channel.mode == "hourly":
        moment = local.replace(minute=channel.at.minute, second=0, microsecond=0)
        step = timedelta(hours=1)
    else:
        moment = local.replace(
            hour=channel.at.hour, minute=channel.at.minute, second=0, microsecond=0
        )
        step = timedelta(days=1)
    return moment - step if moment > local else moment


def digest_due(db: Database, channel: Channel, now: datetime) -> datetime | None:
    """The moment of `channel`'s digest when one is due at `now` (none recorded since it)."""
    moment = digest_moment(channel, now)
    latest = db.execute(
        "SELECT max(created) FROM alerts WHERE channel = ? AND kind = 'digest'", [channel.name]
    ).fetchone()[0]
    return None if latest and parse_datetime(latest) >= moment else moment


def failed_deliveries(db: Database) -> list[str]:
    """One line per channel with alerts not delivered (test messages aside): how many, the
    latest reason, and the next try; `newswatch status` prints them."""
    return [
        f"alerts to {channel}: {count} not delivered after {attempts} tr"
        f"{'y' if attempts == 1 else 'ies'} ({result}); next try {next_try}"
        for channel, count, attempts, result, next_try in db.execute(
            "SELECT channel, count(*), max(attempts), "
            "(SELECT result FROM alerts r WHERE r.channel = f.channel AND r.state = 'failed' "
            "ORDER BY r.id DESC LIMIT 1), min(next_try) "
            "FROM alerts f WHERE state = 'failed' AND kind != 'test' "
            "GROUP BY channel ORDER BY channel"
        )
    ]

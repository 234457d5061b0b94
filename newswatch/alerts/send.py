"""One alert cycle: what is due for each channel, recorded, sent through Apprise, recorded again.

Each message's rows are written to `alerts` as `pending` BEFORE it is sent, in one transaction
that inserts only rows not recorded yet (unique per channel, story, kind and outlets/languages):
two cycles at once cannot both send it. After sending, the rows become `sent`, or `failed` with
the reason and a next try after a back-off that doubles (5 minutes to 6 hours); rows not sent
whose next try has come are sent again by the next cycles, so nothing due is lost. A message
being sent is leased to its cycle (its next try a lease ahead), so that two cycles at once never
both send it. A cycle killed between sending and recording leaves the rows `pending`: once the
lease is over, a later cycle sends that message again, once: at most one duplicate, and only
after a crash in that window.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import apprise
from sqlite_utils import Database

from newswatch.alerts.config import AlertConfig, Channel
from newswatch.alerts.render import Message, render, story_alert
from newswatch.alerts.select import DueStory, digest_due, due_stories
from newswatch.dates import iso_utc, parse_datetime
from newswatch.store import write_transaction

FIRST_BACKOFF = timedelta(minutes=5)
LEASE = timedelta(minutes=5)
"""How long a message being sent is left to its sender: another cycle (a cron run beside the
daemon) tries it only after this, when its sender died before recording what happened."""
LONGEST_BACKOFF = timedelta(hours=6)
TEST_TITLE = "newswatch: test message"


@dataclass
class Outcome:
    """What one cycle did: messages sent, failed (to be tried again), or (dry run) planned."""

    sent: int = 0
    failed: int = 0
    planned: int = 0
    failures: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 5 minutes, doubling, at most 6 h."""
    return min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), LONGEST_BACKOFF)


def deliver(channel: Channel, message: Message) -> tuple[bool, str]:
    """Send `message` to `channel` through Apprise: (whether it went, what happened)."""
    notifier = apprise.Apprise()
    if not notifier.add(channel.url):
        return False, f"channel {channel.name}: not a valid Apprise URL"
    service = notifier[0]
    html = service.resolve_format() == apprise.NotifyFormat.HTML
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
        went = notifier.notify(
            title=message.title,
            body=message.html if html else message.text,
            body_format=apprise.NotifyFormat.HTML if html else apprise.NotifyFormat.TEXT,
        )
        problems = [line for line in log.getvalue().splitlines() if line.strip()]
    if went:
        return True, "sent"
    return False, "; ".join(problems[-2:]) or "not delivered"


def channel_set_up(db: Database, channel: Channel, now: datetime, record: bool = True) -> str:
    """When `channel` was set up (first seen by a cycle, recorded then unless `record` is False)."""
    row = db.execute(
        "SELECT set_up FROM alert_channels WHERE channel = ?", [channel.name]
    ).fetchone()
    if row:
        return row[0]
    if record:
        with write_transaction(db):
            db.execute(
                "INSERT OR IGNORE INTO alert_channels (channel, set_up) VALUES (?, ?)",
                [channel.name, iso_utc(now)],
            )
        return channel_set_up(db, channel, now, record=False)
    return iso_utc(now)


def _record_pending(
    db: Database, channel: Channel, kind: str, due: list[DueStory], now: datetime
) -> tuple[str, list[DueStory]]:
    """Record a message's stories `pending`; return its key and the stories not recorded yet."""
    key = uuid.uuid4().hex
    recorded = []
    with write_transaction(db):
        for story in due:
            cursor = db.execute(
                "INSERT OR IGNORE INTO alerts (channel, story_id, kind, outlets, languages, "
                "message, created, next_try) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    channel.name,
                    story.story_id,
                    kind or story.kind,
                    story.outlets,
                    story.languages,
                    key,
                    iso_utc(now),
                    iso_utc(now + LEASE),
                ],
            )
            if cursor.rowcount:
                recorded.append(story)
    return key, recorded


def _record_result(db: Database, key: str, went: bool, result: str, now: datetime) -> None:
    with write_transaction(db):
        if went:
            db.execute(
                "UPDATE alerts SET state = 'sent', attempts = attempts + 1, sent_at = ?, "
                "next_try = NULL, result = ? WHERE message = ?",
                [iso_utc(now), result, key],
            )
            return
        (attempts,) = db.execute(
            "SELECT max(attempts) + 1 FROM alerts WHERE message = ?", [key]
        ).fetchone()
        db.execute(
            "UPDATE alerts SET state = 'failed', attempts = ?, next_try = ?, result = ? "
            "WHERE message = ?",
            [attempts, iso_utc(now + backoff(attempts)), result, key],
        )


def _retries(
    db: Database, channel: Channel, now: datetime, claim: bool = True
) -> list[tuple[str, bool, list]]:
    """The messages of `channel` recorded and not sent whose next try has come: (key, digest,
    [(story_id, kind)]), oldest first; each claimed (leased) for this cycle unless not `claim`
    (a dry run)."""
    messages: dict[str, list] = {}
    for key, story_id, kind, next_try in db.execute(
        "SELECT message, story_id, kind, next_try FROM alerts WHERE channel = ? "
        "AND state != 'sent' AND kind != 'test' ORDER BY id",
        [channel.name],
    ):
        if parse_datetime(next_try) <= now:
            messages.setdefault(key, []).append((story_id, kind))
    return [
        (key, rows[0][1] == "digest", rows)
        for key, rows in messages.items()
        if not claim or _claim(db, key, now)
    ]


def _claim(db: Database, key: str, now: datetime) -> bool:
    """Take message `key` to try it again, unless another cycle took it first: its next try
    moves a lease ahead."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE alerts SET next_try = ? WHERE message = ? AND state != 'sent' "
            "AND next_try <= ?",
            [iso_utc(now + LEASE), key, iso_utc(now)],
        )
    return cursor.rowcount > 0


def _new_messages(
    db: Database, config: AlertConfig, channel: Channel, set_up: str, now: datetime
) -> list[tuple[str, list[DueStory]]]:
    """The messages due now on `channel`: (kind for its rows, '' for each story's own; stories)."""
    window = timedelta(hours=config.window_hours)
    if channel.mode == "now":
        return [("", [story]) for story in due_stories(db, channel, set_up, now, window)]
    moment = digest_due(db, channel, now)
    if moment is None:
        return []
    stories = due_stories(db, channel, set_up, now, window, until=moment)
    return [("digest", stories)] if stories else []


def run_alerts(
    db: Database,
    config: AlertConfig,
    now: datetime,
    dry_run: bool = False,
    since: str | None = None,
    show: Callable[[str], None] = print,
) -> Outcome:
    """One cycle over every channel: retry what failed, then send what is due. With `dry_run`,
    `show` each message that would be sent, and record nothing. `since` (ISO) overrides when
    the channels were set up: stories first seen since then count as new."""
    outcome = Outcome()

    def send(channel: Channel, key: str, message: Message) -> None:
        if dry_run:
            outcome.planned += 1
            show(f"would send to {channel.name}: {message.title}\n{message.text}\n")
            return
        went, result = deliver(channel, message)
        _record_result(db, key, went, result, now)
        if went:
            outcome.sent += 1
        else:
            outcome.failed += 1
            outcome.failures.append(f"{channel.name}: {result}")

    for channel in config.channels.values():
        for key, digest, rows in _retries(db, channel, now, claim=not dry_run):
            stories = [story_alert(db, config, story_id, kind) for story_id, kind in rows]
            send(channel, key, render(stories, digest))
        set_up = since or channel_set_up(db, channel, now, record=not dry_run)
        for kind, due in _new_messages(db, config, channel, set_up, now):
            if dry_run:
                key, recorded = "", due
            else:
                key, recorded = _record_pending(db, channel, kind, due, now)
            if recorded:
                stories = [story_alert(db, config, s.story_id, kind or s.kind) for s in recorded]
                send(channel, key, render(stories, digest=kind == "digest"))
    return outcome


def send_test(db: Database, config: AlertConfig, channel: Channel, now: datetime):
    """Send one test message to `channel`, recorded as kind test: (whether it went, what
    happened)."""
    key = uuid.uuid4().hex
    with write_transaction(db):
        db.execute(
            "INSERT INTO alerts (channel, kind, message, created) VALUES (?, 'test', ?, ?)",
            [channel.name, key, iso_utc(now)],
        )
    page = f"\nThe desk: {config.datasette_url}" if config.datasette_url else ""
    text = f"newswatch can reach the channel {channel.name}.{page}"
    message = Message(TEST_TITLE, text, f"<p>{text}</p>".replace("\n", "<br>"))
    went, result = deliver(channel, message)
    _record_result(db, key, went, result, now)
    return went, result

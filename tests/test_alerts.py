"""Alerts (newswatch.alerts, `newswatch alert`): tested on loopback against real receivers, a
JSON webhook (http.server) and an SMTP server (aiosmtpd), over a copy of the demo store."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import apprise
import pytest
from aiosmtpd.controller import Controller

from newswatch.alerts import send
from newswatch.alerts.config import AlertConfig, AlertConfigError, Channel, load_config
from newswatch.alerts.send import backoff, run_alerts
from newswatch.store import open_store
from tests.conftest import REPO, run_newswatch

SINCE = "2026-01-01T00:00:00+00:00"  # before the demo store was made: all of it is new
DEMO_HEADLINES = {
    "Lavrov, Rubio Hold Four-Hour Talks in Geneva on Ukraine Ceasefire Framework",
    "Macron, Merz Propose EU Special Envoy for Talks With Moscow",
}
DESK = "http://127.0.0.1:8001"
YEARS = 24 * 3660  # a window that takes in the demo's publication dates


class Webhook:
    """A JSON webhook receiver on 127.0.0.1: keeps each payload; answers `status`."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        self.on_receipt = lambda: None  # called once a payload is in, before the answer
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.status == 200:
                    receiver.received.append(json.loads(body))
                    receiver.on_receipt()
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def titles(self) -> list[str]:
        return [payload["title"] for payload in self.received]


@pytest.fixture
def webhook():
    receiver = Webhook()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    """An SMTP server (aiosmtpd) on 127.0.0.1, no TLS: (its mailbox, its port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def refused_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def store(demo_store: Path, tmp_path: Path) -> Path:
    """A copy of the demo store (two on-topic stories, five outlets each) to alert from."""
    path = tmp_path / "alerts.db"
    shutil.copy(demo_store, path)
    return path


@pytest.fixture
def db(store: Path):
    database = open_store(store)
    yield database
    database.close()


def config_for(url: str, **channel) -> AlertConfig:
    return AlertConfig({"desk": Channel("desk", url, **channel)}, YEARS, DESK)


def now() -> datetime:
    """The clock's time: the demo store's stories joined just before it (it records them)."""
    return datetime.now(UTC).replace(microsecond=0)


def write_config(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(
        f'datasette_url = "{DESK}"\nwindow_hours = {YEARS}\n\n'
        f'[channels.desk]\nurl = "{url}"\n{extra}',
        encoding="utf-8",
    )
    return path


def alert_rows(store: Path) -> list[tuple]:
    database = open_store(store)
    try:
        return database.execute(
            "SELECT story_id, kind, state, attempts FROM alerts ORDER BY id"
        ).fetchall()
    finally:
        database.close()


# The command, end to end ---------------------------------------------------------------------


def test_the_demo_store_gives_one_webhook_alert_per_story_and_a_second_run_none(
    webhook, store, tmp_path
):
    config = write_config(tmp_path, webhook.url)
    args = ("alert", "--since", "2026-01-01", "--config", str(config), "--db", str(store))
    first = run_newswatch(*args)
    assert first.returncode == 0, first.stderr
    assert "2 sent, 0 failed" in first.stdout
    # One per story (the demo's twelve on-topic reports are two stories), not one per article.
    assert {t.split(": ", 1)[1] for t in webhook.titles()} == DEMO_HEADLINES
    assert all(t.startswith("New story: ") for t in webhook.titles())
    lavrov = next(p["message"] for p in webhook.received if "Lavrov" in p["title"])
    assert "Outlets: sputnik, rbc, unian, pravda, moscowtimes (first: unian)" in lavrov
    assert "Languages: en, uk, ru" in lavrov
    assert "https://www.pravda.com.ua/" in lavrov  # each report with its link
    assert f"{DESK}/story/" in lavrov
    assert [(kind, state) for _, kind, state, _ in alert_rows(store)] == [("new", "sent")] * 2

    second = run_newswatch(*args)
    assert second.returncode == 0, second.stderr
    assert "0 sent" in second.stdout
    assert len(webhook.received) == 2


def test_a_dry_run_prints_the_alerts_and_records_and_sends_nothing(webhook, store, tmp_path):
    config = write_config(tmp_path, webhook.url)
    result = run_newswatch(
        "alert", "--dry-run", "--since", "2026-01-01", "--config", str(config), "--db", str(store)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("would send to desk: New story: ") == 2
    assert "2 message(s) would be sent" in result.stdout
    assert webhook.received == []
    database = open_store(store)
    try:
        assert database.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0
        assert database.execute("SELECT count(*) FROM alert_channels").fetchone()[0] == 0
    finally:
        database.close()


def test_a_store_already_full_when_the_channel_is_set_up_sends_nothing(webhook, store, tmp_path):
    """No --since: the channel is set up now, after the demo's articles were first seen."""
    config = write_config(tmp_path, webhook.url)
    result = run_newswatch("alert", "--config", str(config), "--db", str(store))
    assert result.returncode == 0, result.stderr
    assert webhook.received == []


def test_an_e_mail_alert_reaches_a_local_smtp_server_in_text_and_html(smtp, store, tmp_path):
    mailbox, port = smtp
    url = (
        f"mailto://127.0.0.1:{port}?mode=insecure&from=newswatch@example.org"
        "&to=desk@example.org"
    )
    config = write_config(tmp_path, url)
    result = run_newswatch(
        "alert", "--since", "2026-01-01", "--config", str(config), "--db", str(store)
    )
    assert result.returncode == 0, result.stderr
    assert len(mailbox.messages) == 2
    subjects = {m["subject"].split(": ", 1)[1] for m in mailbox.messages}
    assert subjects == DEMO_HEADLINES
    mail = next(m for m in mailbox.messages if "Lavrov" in m["subject"])
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert '<a href="https://www.pravda.com.ua/' in html
    assert f'<a href="{DESK}/story/' in html
    assert "(first: unian)" in text and "<a href" not in text


def test_alert_test_says_whether_the_message_went(webhook, store, tmp_path):
    good = write_config(tmp_path, webhook.url)
    went = run_newswatch("alert", "test", "desk", "--config", str(good), "--db", str(store))
    assert went.returncode == 0, went.stderr
    assert "the test message to desk went" in went.stdout
    assert webhook.titles() == ["newswatch: test message"]

    bad = write_config(tmp_path, f"json://127.0.0.1:{refused_port()}/hook")
    failed = run_newswatch("alert", "test", "desk", "--config", str(bad), "--db", str(store))
    assert failed.returncode == 1
    assert failed.stderr.startswith("newswatch: the test message to desk did not go")
    assert len(failed.stderr.strip().splitlines()) == 1

    unknown = run_newswatch("alert", "test", "news", "--config", str(good), "--db", str(store))
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "newswatch: no channel news in the alerts file (it has: desk)"


def test_a_failed_delivery_fails_the_command_and_shows_in_status(store, tmp_path):
    config = write_config(tmp_path, f"json://127.0.0.1:{refused_port()}/hook")
    result = run_newswatch(
        "alert", "--since", "2026-01-01", "--config", str(config), "--db", str(store)
    )
    assert result.returncode == 1
    assert result.stderr.startswith("newswatch: not delivered: desk: ")
    assert len(result.stderr.strip().splitlines()) == 1
    status = run_newswatch("status", "--db", str(store))
    assert "alerts to desk: 2 not delivered after 1 try" in status.stdout


def test_secrets_come_from_the_environment_and_a_missing_one_is_one_line(
    webhook, store, tmp_path
):
    port = webhook.url.split(":")[2].split("/")[0]
    config = write_config(tmp_path, f"json://127.0.0.1:{port}/${{HOOK_PATH}}")
    assert load_config(config, {"HOOK_PATH": "secret"}).channels["desk"].url.endswith("/secret")
    with pytest.raises(AlertConfigError, match="HOOK_PATH is not set"):
        load_config(config, {})
    result = run_newswatch("alert", "test", "desk", "--config", str(config), "--db", str(store))
    assert result.returncode == 1
    assert result.stderr == (
        "newswatch: channel desk: the environment variable HOOK_PATH is not set\n"
    )


def test_a_bad_alerts_file_is_one_line(store, tmp_path):
    config = write_config(tmp_path, "json://127.0.0.1/hook", 'mode = "weekly"\n')
    result = run_newswatch("alert", "--config", str(config), "--db", str(store))
    assert result.returncode == 1
    assert result.stderr == (
        "newswatch: channel desk: mode must be one of now, hourly, daily, not 'weekly'\n"
    )
    missing = run_newswatch("alert", "--config", str(tmp_path / "none.toml"), "--db", str(store))
    assert missing.returncode == 1
    assert len(missing.stderr.strip().splitlines()) == 1


# The cycle, time passed in ---------------------------------------------------------------------


def test_a_receiver_answering_500_gets_the_alert_later_once(webhook, db):
    config = config_for(webhook.url)
    start = now()
    webhook.status = 500
    outcome = run_alerts(db, config, start, since=SINCE)
    assert (outcome.sent, outcome.failed) == (0, 2)
    assert db.execute("SELECT DISTINCT state, attempts FROM alerts").fetchall() == [("failed", 1)]

    webhook.status = 200
    assert run_alerts(db, config, start + timedelta(minutes=1), since=SINCE).sent == 0  # backs off
    later = start + backoff(1) + timedelta(seconds=1)
    assert run_alerts(db, config, later, since=SINCE).sent == 2
    assert run_alerts(db, config, later + timedelta(hours=1), since=SINCE).sent == 0
    assert {t.split(": ", 1)[1] for t in webhook.titles()} == DEMO_HEADLINES
    assert db.execute("SELECT DISTINCT state, attempts FROM alerts").fetchall() == [("sent", 2)]


def test_a_refused_connection_backs_off_doubling_then_delivers_once(webhook, db):
    start = now()
    refused = config_for(f"json://127.0.0.1:{refused_port()}/hook")
    assert run_alerts(db, refused, start, since=SINCE).failed == 2
    second_try = start + backoff(1)
    assert run_alerts(db, refused, second_try, since=SINCE).failed == 2
    (next_try,) = db.execute("SELECT DISTINCT next_try FROM alerts").fetchone()
    assert datetime.fromisoformat(next_try) - second_try == timedelta(minutes=10)
    assert backoff(20) == timedelta(hours=6)

    restored = config_for(webhook.url)
    assert run_alerts(db, restored, second_try + timedelta(minutes=11), since=SINCE).sent == 2
    assert run_alerts(db, restored, second_try + timedelta(hours=1), since=SINCE).sent == 0
    assert len(webhook.received) == 2


def test_a_crash_between_sending_and_recording_sends_at_most_one_duplicate(
    webhook, db, monkeypatch
):
    config = config_for(webhook.url)
    record = send._record_result

    def killed(*args):
        raise KeyboardInterrupt  # the process dies after sending, before recording

    monkeypatch.setattr(send, "_record_result", killed)
    with pytest.raises(KeyboardInterrupt):
        run_alerts(db, config, now(), since=SINCE)
    assert len(webhook.received) == 1
    assert db.execute("SELECT state FROM alerts").fetchall() == [("pending",)]

    monkeypatch.setattr(send, "_record_result", record)
    assert run_alerts(db, config, now(), since=SINCE).sent == 1  # the other; one is leased
    later = now() + send.LEASE
    assert run_alerts(db, config, later, since=SINCE).sent == 1  # the pending one again, once
    assert run_alerts(db, config, later, since=SINCE).sent == 0
    titles = webhook.titles()
    assert len(titles) == 3 and len(set(titles)) == 2  # one duplicate, nothing lost


def test_a_kill_9_between_sending_and_recording_sends_one_duplicate_and_loses_nothing(
    webhook, store, tmp_path
):
    """A real SIGKILL: the receiver kills `newswatch alert` as soon as the first message is in,
    before its answer, so before the alert is recorded as sent."""
    config = write_config(tmp_path, webhook.url)
    args = ["alert", "--since", "2026-01-01", "--config", str(config), "--db", str(store)]
    process = subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", *args],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    webhook.on_receipt = lambda: os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=120) == -signal.SIGKILL
    assert len(webhook.received) == 1
    assert [state for _, _, state, _ in alert_rows(store)] == ["pending"]

    webhook.on_receipt = lambda: None
    before_the_lease = run_newswatch(*args)  # the message in doubt is still its sender's
    assert "1 sent" in before_the_lease.stdout
    assert len(webhook.received) == 2
    database = open_store(store)
    with database.conn:  # five minutes later: the lease of the killed sender is over
        database.execute("UPDATE alerts SET next_try = ? WHERE state = 'pending'", [SINCE])
    database.close()
    again = run_newswatch(*args)
    assert again.returncode == 0, again.stderr
    assert "1 sent" in again.stdout  # the one in doubt, again
    assert run_newswatch(*args).stdout.startswith("alerts: 0 sent")
    titles = webhook.titles()
    assert len(titles) == 3 and {t.split(": ", 1)[1] for t in titles} == DEMO_HEADLINES


def test_a_receiver_that_never_answers_times_out_and_gets_the_alert_later(webhook, db):
    with socket.socket() as silent:  # it accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        start = now()
        timing_out = config_for(f"json://127.0.0.1:{port}/hook?cto=1&rto=1")
        outcome = run_alerts(db, timing_out, start, since=SINCE)
    assert outcome.failed == 2 and outcome.sent == 0
    assert "127.0.0.1" in outcome.failures[0]
    later = start + backoff(1)
    assert run_alerts(db, config_for(webhook.url), later, since=SINCE).sent == 2
    assert len(webhook.received) == 2


def test_two_cycles_at_once_send_a_retried_message_once(webhook, db):
    start = now()
    webhook.status = 500
    run_alerts(db, config_for(webhook.url), start, since=SINCE)
    webhook.status = 200
    later = start + backoff(1)
    first = send._retries(db, config_for(webhook.url).channels["desk"], later)
    second = send._retries(db, config_for(webhook.url).channels["desk"], later)
    assert len(first) == 2 and second == []  # the first cycle leased both messages


def test_a_channel_gets_only_its_topics_and_the_recent_stories(webhook, db):
    other = config_for(webhook.url, topics=("another_topic",))
    assert run_alerts(db, other, now(), since=SINCE).sent == 0
    # The demo stories were published on 19 and 20 November 2026: not in the last 48 hours.
    recent = AlertConfig({"desk": Channel("desk", webhook.url)}, 48, DESK)
    assert run_alerts(db, recent, now(), since=SINCE).sent == 0
    ours = config_for(webhook.url, topics=("west_russia_talks",))
    assert run_alerts(db, ours, now(), since=SINCE).sent == 2


def test_an_undated_story_counts_as_published_when_it_joined(webhook, db):
    with db.conn:
        db.execute("UPDATE articles SET published_utc = NULL")
    recent = AlertConfig({"desk": Channel("desk", webhook.url)}, 48, DESK)
    assert run_alerts(db, recent, now(), since=SINCE).sent == 2


def test_a_dry_run_lists_the_retries_due_and_changes_nothing(webhook, db):
    start = now()
    webhook.status = 500
    run_alerts(db, config_for(webhook.url), start, since=SINCE)
    before = db.execute("SELECT * FROM alerts ORDER BY id").fetchall()
    shown = []
    later = start + backoff(1)
    outcome = run_alerts(db, config_for(webhook.url), later, dry_run=True, show=shown.append)
    assert outcome.planned == 2 and len(shown) == 2
    assert db.execute("SELECT * FROM alerts ORDER BY id").fetchall() == before
    assert webhook.received == []


def test_a_story_reaching_another_outlet_is_updated_at_most_once_per_interval(webhook, db):
    config = config_for(webhook.url, update_hours=6)
    start = now()
    assert run_alerts(db, config, start, since=SINCE).sent == 2
    # As if the Lavrov story had been alerted with three outlets and one language: it has
    # since reached two more outlets and two more languages.
    with db.conn:
        db.execute(
            "UPDATE alerts SET outlets = 'rbc,sputnik,unian', languages = 'en' "
            "WHERE story_id = (SELECT story_id FROM stories WHERE title LIKE 'Lavrov%')"
        )
    assert run_alerts(db, config, start + timedelta(hours=1), since=SINCE).sent == 0  # waits
    assert run_alerts(db, config, start + timedelta(hours=7), since=SINCE).sent == 1
    assert webhook.titles()[-1].startswith("Story spreads: Lavrov, Rubio")
    assert run_alerts(db, config, start + timedelta(hours=20), since=SINCE).sent == 0


def test_a_daily_digest_groups_the_stories_newest_first_once_a_day(webhook, db):
    start = now() + timedelta(days=1)  # the digest moment, a minute before, follows the stories
    kyiv = ZoneInfo("Europe/Kyiv")  # the time of day is local: two or three hours from UTC
    at = (start - timedelta(minutes=1)).astimezone(kyiv).time().replace(second=0, microsecond=0)
    config = config_for(webhook.url, mode="daily", at=at, timezone=kyiv)
    assert run_alerts(db, config, start, since=SINCE).sent == 1
    (digest,) = webhook.received
    assert digest["title"] == "newswatch digest: 2 stories"
    newest = db.execute(
        "SELECT title FROM on_topic_stories ORDER BY joined DESC, last_published DESC"
    ).fetchone()[0]
    body = digest["message"]
    assert body.index(newest) < min(body.index(h) for h in DEMO_HEADLINES - {newest})
    assert db.execute("SELECT DISTINCT kind FROM alerts").fetchall() == [("digest",)]
    assert run_alerts(db, config, start + timedelta(hours=2), since=SINCE).sent == 0


def test_a_digest_waits_for_its_local_time(webhook, db):
    start = now() + timedelta(hours=1)
    at = (start + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    config = config_for(webhook.url, mode="daily", at=at)
    # Today's digest moment is two hours away: yesterday's came before the demo's stories.
    assert run_alerts(db, config, start, since=SINCE).sent == 0
    assert run_alerts(db, config, start + timedelta(hours=2, minutes=1), since=SINCE).sent == 1


def test_the_readmes_alerts_file_loads_and_apprise_takes_its_urls(tmp_path):
    section = (REPO / "README.md").read_text().split("### Get alerts", 1)[1]
    example = re.search(r"```toml\n(.*?)```", section, flags=re.S).group(1)
    path = tmp_path / "alerts.toml"
    path.write_text(example, encoding="utf-8")
    config = load_config(path, {"HOOK_TOKEN": "t", "SMTP_PASSWORD": "p"})
    assert set(config.channels) == {"desk", "mail"}
    assert config.channels["mail"].mode == "daily"
    for channel in config.channels.values():
        assert apprise.Apprise().add(channel.url), channel.name
    assert "${" not in config.channels["mail"].url


def test_datasette_describes_the_alerts_table():
    from newswatch.datasette.metadata import build_metadata

    tables = build_metadata()["databases"]["newswatch"]["tables"]
    assert "pending before it is sent" in tables["alerts"]["description"]
    assert tables["alerts"]["facets"] == ["channel", "state", "kind"]


# The daemon ----------------------------------------------------------------------------------


def test_the_daemon_sends_the_alerts_its_crawls_made_due(webhook, tmp_path):
    """`scheduler.py --once --alerts FILE` on a fresh store: the channel is set up before the
    crawls, and each crawl's new stories are alerted once it has finished, one per story."""
    from newswatch.fixtures import DEMO_DIR

    config = write_config(tmp_path, webhook.url)
    store = tmp_path / "daemon.db"
    command = [sys.executable, str(REPO / "scheduler.py"), "--once", "--no-capture"]
    command += ["--replay", str(DEMO_DIR), "--db", str(store), "--alerts", str(config)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    new = [t.split(": ", 1)[1] for t in webhook.titles() if t.startswith("New story: ")]
    assert sorted(new) == sorted(DEMO_HEADLINES)  # each story once, as soon as it broke
    assert "alerts (exit 0)" in done.stderr
    kinds = [kind for _, kind, state, _ in alert_rows(store) if state == "sent"]
    assert kinds.count("new") == 2 and len(kinds) == len(webhook.received)


def test_the_daemon_schedules_an_alerts_job_of_its_own(tmp_path):
    from newswatch.daemon import build_scheduler, load_schedule

    schedule_file = tmp_path / "schedule.toml"
    base = f'jobs_db = "{tmp_path / "jobs.db"}"\n[defaults]\nfeeds = "*/15 * * * *"\n'
    schedule_file.write_text(base, encoding="utf-8")
    without = build_scheduler(load_schedule(schedule_file), str(tmp_path / "a.db"), None, None)
    assert "alerts" not in {job.id for job in without.get_jobs()}
    schedule_file.write_text(
        f'alerts = "alerts.toml"\nalerts_cron = "*/10 * * * *"\n{base}', encoding="utf-8"
    )
    schedule = load_schedule(schedule_file)
    scheduler = build_scheduler(schedule, str(tmp_path / "a.db"), None, None)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert jobs["alerts"].kwargs == {"db": str(tmp_path / "a.db"), "alerts": "alerts.toml"}
    assert jobs["unian-feeds"].kwargs["alerts"] == "alerts.toml"  # and after each crawl
    schedule_file.write_text(f'alerts_cron = "every ten minutes"\n{base}', encoding="utf-8")
    with pytest.raises(ValueError, match="alerts_cron|alerts"):
        load_schedule(schedule_file)

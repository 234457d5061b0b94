"""The monitoring daemon: scheduled re-crawls of every outlet (`python scheduler.py`).

APScheduler 3 with a cron trigger per outlet and job kind from a TOML schedule
(newswatch/schedule.toml), an explicit time zone, jitter, a persistent SQLite job store, fixed
job ids (a restart replaces jobs, never duplicates them), max_instances=1 and coalesced misfires
within a grace time.

Each crawl runs as its own `newswatch crawl` subprocess, bounded by a timeout: an exception, a
crash or a hang in one crawl cannot stop the daemon or the other outlets, and Scrapy's reactor,
which cannot be restarted in one process, starts fresh each time. (A shared reactor with a
CrawlerRunner would save the ~1 s start-up of each crawl but put every crawl in one process's
fate; every 15 minutes, isolation is worth a second.) A crawl that ends without recording its end
(killed, timed out) gets that status in its `crawls` row (written `running` at its start) from
the daemon, with the last line it wrote. A crawl of an outlet that is still being crawled (by an
earlier daemon's orphan, or by hand) is skipped: the outlet's lock (newswatch/outlet_lock.py)
refuses it. A crawl is told to stop when the daemon dies, however it dies (Linux).

SIGTERM or SIGINT: no new crawl starts, running crawls get SIGTERM (Scrapy then closes its
spider and pipelines), are killed if still running after `stop_timeout_s`, and the daemon exits 0.

With Redis (`--redis URL`, else the schedule's `redis`, else $NEWSWATCH_REDIS), the daemon runs
no crawl itself: each scheduled feeds crawl queues a crawl job for the workers
(`newswatch worker`, newswatch.scaleout.jobs), which one of them takes. Backfill crawls are not
queued (a job asks for the outlet's monitoring crawl; a backfill's date range and re-checks
belong to one crawl's settings): the log says so when the daemon starts. Alerts are sent on
their own schedule (`alerts_cron`), as the daemon cannot see when the workers' crawl ends.
Without Redis nothing changes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import tomllib
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from newswatch.locks import ALREADY_RUNNING_EXIT
from newswatch.outlets import OUTLETS

logger = logging.getLogger("newswatch.daemon")
DEFAULT_SCHEDULE = Path(__file__).parent / "schedule.toml"
STOP_TIMEOUT_S = 60
DEFAULT_ALERTS_CRON = "*/5 * * * *"  # retries and digests between crawls
ALERTS_TIMEOUT_S = 300


@dataclass
class Schedule:
    timezone: ZoneInfo
    jitter_s: int
    timeout_s: int
    misfire_grace_s: int
    capture: bool
    capture_keep: int
    fixtures: str
    jobs_db: str
    crons: dict[str, dict[str, str]] = field(default_factory=dict)  # outlet -> kind -> cron
    backfill_days: int = 1
    alerts: str | None = None  # the alerts file (`newswatch alert --config`), if alerts are sent
    alerts_cron: str = DEFAULT_ALERTS_CRON
    redis: str | None = None  # with a Redis URL, crawls are queued for the workers


def load_schedule(path: Path = DEFAULT_SCHEDULE) -> Schedule:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    defaults = data.get("defaults", {})
    crons = {}
    for outlet in OUTLETS:
        own = data.get("outlets", {}).get(outlet, {})
        crons[outlet] = {
            kind: own.get(kind, defaults.get(kind))
            for kind in ("feeds", "backfill")
            if own.get(kind, defaults.get(kind))
        }
    timezone = ZoneInfo(data.get("timezone", "UTC"))
    _check_crons(crons, timezone)
    alerts_cron = str(data.get("alerts_cron", DEFAULT_ALERTS_CRON))
    _check_crons({"alerts": {"alerts_cron": alerts_cron}}, timezone)
    return Schedule(
        timezone,
        int(data.get("jitter_s", 60)),
        int(data.get("timeout_s", 1800)),
        int(data.get("misfire_grace_s", 600)),
        bool(data.get("capture", True)),
        int(data.get("capture_keep", 200)),
        str(data.get("fixtures", "fixtures")),
        str(data.get("jobs_db", "data/jobs.db")),
        crons,
        int(defaults.get("backfill_days", 1)),
        data.get("alerts") or os.environ.get("NEWSWATCH_ALERTS") or None,
        alerts_cron,
        data.get("redis") or os.environ.get("NEWSWATCH_REDIS") or None,
    )


def _check_crons(crons: dict[str, dict[str, str]], timezone: ZoneInfo) -> None:
    """Raise ValueError naming the outlet and the cron expression that is not one, so that a
    typo in the schedule is refused when it is read, not when the daemon starts its jobs."""
    from apscheduler.triggers.cron import CronTrigger

    for outlet, kinds in crons.items():
        for kind, cron in kinds.items():
            try:
                CronTrigger.from_crontab(cron, timezone=timezone)
            except ValueError as error:
                raise ValueError(f"{outlet} {kind} = {cron!r}: {error}") from None


# Running crawl subprocesses, so that a stop can reach them.
_running: set[subprocess.Popen] = set()
_lock = threading.Lock()
_stopping = threading.Event()


def crawl_command(
    outlet: str,
    kind: str,
    db: str,
    replay: str | None,
    capture: str | None,
    capture_keep: int,
    backfill_days: int,
) -> list[str]:
    """`newswatch crawl` of one outlet: it finds newswatch's settings from any folder (`scrapy
    crawl` needs scrapy.cfg in the current one), logs errors only, and exits 75 when the
    outlet is being crawled already."""
    command = [sys.executable, "-m", "newswatch.cli", "crawl", outlet, "--db", db]
    if kind == "backfill":
        since = (datetime.now().date() - timedelta(days=backfill_days)).isoformat()
        # The daily pass also fetches that window's stored articles again, to see updates.
        command += ["--since", since, "-s", f"NEWSWATCH_RECHECK_SINCE={since}"]
    if replay:
        command += ["--replay", replay]
    if capture:
        command += ["--capture", capture, "-s", f"NEWSWATCH_CAPTURE_KEEP={capture_keep}"]
    return command


OUTPUT_TAIL_LINES = 5  # of a crawl's output, kept for the daemon's log


def run_crawl(
    outlet: str,
    kind: str,
    db: str,
    replay: str | None = None,
    capture: str | None = None,
    capture_keep: int = 200,
    timeout_s: int = 1800,
    backfill_days: int = 1,
    cwd: str | None = None,
    alerts: str | None = None,
) -> int:
    """One crawl of one outlet in its own process; its exit status. Never raises. Why a crawl
    failed (the last lines it wrote) goes into the log and into its `crawls` row. With an
    alerts file, the alerts the crawl made due are sent once it has finished."""
    if _stopping.is_set():
        return -1
    command = crawl_command(outlet, kind, db, replay, capture, capture_keep, backfill_days)
    started = datetime.now(UTC)  # UTC, as Scrapy records crawls
    logger.info("crawl %s (%s) starts", outlet, kind)
    try:
        # Its own session: a signal to the daemon's process group (Ctrl-C, systemd) reaches the
        # crawl once, from the daemon, not twice (a second SIGTERM makes Scrapy stop unclean).
        # And it is told to stop when the daemon dies, even by SIGKILL.
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
            preexec_fn=_stop_with_parent,
        )
    except OSError as error:
        _record_failure(db, outlet, started, f"could not start: {error}")
        return -1
    with _lock:
        _running.add(process)
    tail: deque[str] = deque(maxlen=OUTPUT_TAIL_LINES)
    reader = threading.Thread(target=tail.extend, args=(process.stdout,), daemon=True)
    reader.start()
    try:
        process.wait(timeout=timeout_s)
        status = "finished" if process.returncode == 0 else f"exit {process.returncode}"
    except subprocess.TimeoutExpired:
        _stop(process)
        status = f"timeout after {timeout_s} s"
    finally:
        with _lock:
            _running.discard(process)
    reader.join(5)
    output = [line.strip() for line in tail if line.strip()]
    if process.returncode == ALREADY_RUNNING_EXIT:
        logger.info("crawl %s (%s) skipped: already running", outlet, kind)
    elif process.returncode != 0:
        reason = "stopped by the daemon" if _stopping.is_set() else status
        logger.error(
            "crawl %s (%s) failed: %s%s",
            outlet,
            kind,
            reason,
            "".join(f"\n  | {line}" for line in output),
        )
        _record_failure(
            db, outlet, started, f"{reason}: {output[-1]}" if output else reason, process.pid
        )
    else:
        logger.info("crawl %s (%s) finished: %s", outlet, kind, " | ".join(output))
        if alerts and not _stopping.is_set():
            run_alerts(db, alerts, cwd=cwd)
    return process.returncode


def queue_crawl(outlet: str, redis_url: str) -> str | None:
    """A crawl job of `outlet` queued in Redis for the workers; its id, or None when Redis
    could not take it (logged in one line). Never raises."""
    from newswatch.scaleout.client import RedisFailure, connect, describe, redis_failures
    from newswatch.scaleout.jobs import push_job

    if _stopping.is_set():
        return None
    try:
        client, keys = connect(redis_url)
        try:
            with redis_failures(redis_url):
                job = push_job(client, keys, outlet)
        finally:
            client.close()
    except (RedisFailure, ValueError) as error:
        logger.error("crawl %s not queued: %s", outlet, error)
        return None
    logger.info("crawl %s queued in Redis at %s: job %s", outlet, describe(redis_url), job["id"])
    return job["id"]


def run_alerts(db: str, alerts: str, cwd: str | None = None) -> int:
    """`newswatch alert` in its own process (after each crawl, and as a job of its own for
    retries and digests); its exit status, its output in the log. Never raises. Two runs at
    once never both send a message (the alerts table leases it)."""
    command = [sys.executable, "-m", "newswatch.cli", "alert", "--config", alerts, "--db", db]
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=ALERTS_TIMEOUT_S,
            preexec_fn=_stop_with_parent,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        logger.error("alerts failed: %s", error)
        return -1
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    log = logger.info if done.returncode == 0 else logger.error
    log("alerts (exit %d): %s", done.returncode, " | ".join(lines[-OUTPUT_TAIL_LINES:]))
    return done.returncode


def _stop_with_parent() -> None:
    """In the crawl's process, before it runs: SIGTERM when the daemon dies (Linux)."""
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _stop(process: subprocess.Popen, grace_s: int = STOP_TIMEOUT_S) -> None:
    """SIGTERM to the crawl's process group (the crawl and anything it started), then SIGKILL
    after `grace_s`."""
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)  # its own session: its group id is its pid


def _record_failure(
    db: str, outlet: str, started: datetime, status: str, pid: int | None = None
) -> None:
    """A crawl that did not record its end (it crashed, hung or was killed): the row it wrote
    at its start (`running`) gets `status`; a crawl that wrote no row (it never got that far)
    gets a row here."""
    from newswatch.store import open_store, write_transaction
    from newswatch.store.crawls import end_running_crawl

    finished = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        store = open_store(db)
        with write_transaction(store):
            if pid and end_running_crawl(store, pid, status, finished):
                recorded = True
            else:
                recorded = store.execute(
                    "SELECT 1 FROM crawls WHERE outlet = ? AND started >= ?",
                    [outlet, started.isoformat(timespec="seconds")],
                ).fetchone()
            if not recorded:
                store["crawls"].insert(
                    {
                        "outlet": outlet,
                        "started": started.isoformat(timespec="seconds"),
                        "finished": finished,
                        "status": status,
                        "stats": json.dumps({}),
                    }
                )
        store.close()
    except Exception as error:  # the daemon goes on whatever happens here
        logger.error("cannot record the failed crawl of %s: %s", outlet, error)


def build_scheduler(schedule: Schedule, db: str, replay: str | None, capture: str | None):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    Path(schedule.jobs_db).parent.mkdir(parents=True, exist_ok=True)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{schedule.jobs_db}")},
        executors={"default": {"type": "threadpool", "max_workers": 2}},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": schedule.misfire_grace_s,
        },
        timezone=schedule.timezone,
    )
    for outlet, kinds in schedule.crons.items():
        for kind, cron in kinds.items():
            trigger = CronTrigger.from_crontab(cron, timezone=schedule.timezone)
            trigger.jitter = schedule.jitter_s
            if schedule.redis:
                if kind == "feeds":
                    scheduler.add_job(
                        queue_crawl,
                        trigger,
                        id=f"{outlet}-{kind}",
                        name=f"{kind} crawl of {outlet}, queued in Redis",
                        replace_existing=True,
                        kwargs={"outlet": outlet, "redis_url": schedule.redis},
                    )
                continue
            scheduler.add_job(
                run_crawl,
                trigger,
                id=f"{outlet}-{kind}",
                name=f"{kind} crawl of {outlet}",
                replace_existing=True,
                kwargs={
                    "outlet": outlet,
                    "kind": kind,
                    "db": db,
                    "replay": replay,
                    "capture": capture,
                    "capture_keep": schedule.capture_keep,
                    "timeout_s": schedule.timeout_s,
                    "backfill_days": schedule.backfill_days,
                    "alerts": schedule.alerts,
                },
            )
    if schedule.alerts:
        # Retries, digests at their hour, and the channels set up when the daemon starts.
        scheduler.add_job(
            run_alerts,
            CronTrigger.from_crontab(schedule.alerts_cron, timezone=schedule.timezone),
            id="alerts",
            name="alerts",
            replace_existing=True,
            next_run_time=datetime.now(schedule.timezone),
            kwargs={"db": db, "alerts": schedule.alerts},
        )
    return scheduler


def _unreachable(redis_url: str) -> str | None:
    """Why the Redis at `redis_url` cannot be used, in one line; None when it answers."""
    from newswatch.scaleout.client import RedisFailure, connect, redis_failures

    try:
        client, _ = connect(redis_url)
        with redis_failures(redis_url):
            client.ping()
        client.close()
    except ValueError as error:
        return f"--redis: {error}"
    except RedisFailure as error:
        return str(error)
    return None


class _OneLineErrorParser(argparse.ArgumentParser):
    """argparse, with a usage error in one line (`scheduler.py: <reason>`, exit 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message}\n")


def main(argv: list[str] | None = None) -> int:
    parser = _OneLineErrorParser(prog="scheduler.py", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_SCHEDULE,
        help="the schedule (TOML) [default: newswatch/schedule.toml]",
    )
    parser.add_argument(
        "--db", help="SQLite database [default: $NEWSWATCH_DB or data/newswatch.db]"
    )
    parser.add_argument("--replay", help="crawl from this fixtures folder, offline")
    parser.add_argument(
        "--once", action="store_true", help="run every outlet's feeds crawl once, then exit"
    )
    parser.add_argument("--no-capture", action="store_true", help="do not save fixtures")
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="queue each scheduled crawl as a job for `newswatch worker` in this Redis "
        "(redis://HOST:PORT/DB[?prefix=P]) instead of crawling here "
        "[default: the schedule's `redis`, else $NEWSWATCH_REDIS; none: crawl here]",
    )
    parser.add_argument(
        "--alerts",
        help="send alerts with this alerts file after each crawl and every few minutes "
        "[default: the schedule's `alerts`, else $NEWSWATCH_ALERTS; none: no alerts]",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from newswatch.store import StoreError, open_store, resolve_db_path

    try:
        schedule = load_schedule(args.config)
    except OSError as error:
        print(f"newswatch: cannot read {args.config}: {error.strerror or error}", file=sys.stderr)
        return 1
    except (tomllib.TOMLDecodeError, ValueError, KeyError) as error:  # KeyError: a time zone
        print(f"newswatch: {args.config}: {error}", file=sys.stderr)
        return 1
    db = str(resolve_db_path(args.db))
    if args.alerts:
        schedule.alerts = args.alerts
    if args.redis:
        schedule.redis = args.redis
    if schedule.redis:
        if problem := _unreachable(schedule.redis):
            print(f"newswatch: {problem}", file=sys.stderr)
            return 1
        logger.info("crawls are queued in Redis for the workers; backfill crawls are not scheduled")
    if not schedule.redis or schedule.alerts:  # with Redis, only alerts read the store
        try:
            open_store(db).close()  # fail now, clearly, rather than in every crawl
        except StoreError as error:
            print(f"newswatch: {error}", file=sys.stderr)
            return 1
    capture = None if (args.no_capture or not schedule.capture) else schedule.fixtures

    def stop(signum, _frame):
        logger.info("signal %s: stopping; no new crawl starts", signum)
        _stopping.set()
        with _lock:
            running = list(_running)
        for process in running:
            threading.Thread(target=_stop, args=(process,), daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.once and schedule.redis:
        queued = [queue_crawl(outlet, schedule.redis) for outlet in OUTLETS]
        return 0 if _stopping.is_set() or all(queued) else 1
    if args.once:
        failed = 0
        if schedule.alerts:
            run_alerts(db, schedule.alerts)  # its channels set up before the crawls
        for outlet in OUTLETS:
            if _stopping.is_set():
                break
            failed += (
                run_crawl(
                    outlet,
                    "feeds",
                    db,
                    args.replay,
                    capture,
                    schedule.capture_keep,
                    schedule.timeout_s,
                    alerts=schedule.alerts,
                )
                != 0
            )
        return 0 if _stopping.is_set() or not failed else 1
    # The scheduler runs in the background and the main thread waits for the stop: a signal
    # that arrives at any moment, even before the scheduler exists, ends the wait (a blocking
    # scheduler started after such a signal would never have been shut down).
    scheduler = build_scheduler(schedule, db, args.replay, capture)
    if not _stopping.is_set():
        scheduler.start(paused=True)
        if schedule.redis:  # the backfill jobs an earlier run without Redis stored
            for job in scheduler.get_jobs():
                if job.func is run_crawl:
                    job.remove()
        scheduler.resume()
        logger.info(
            "daemon started: %d jobs; stop it with SIGTERM or SIGINT", len(scheduler.get_jobs())
        )
        while not _stopping.wait(0.5):
            pass
        scheduler.shutdown(wait=False)
    with _lock:
        running = list(_running)
    for process in running:
        _stop(process)
    logger.info("daemon stopped")
    return 0

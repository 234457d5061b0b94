"""The `crawls` table's rows over a crawl's life: written when an outlet's crawl starts
(`running`, with the process id and host that run it), completed when it ends. A crawl killed
on the way (kill -9, out of memory, power cut) never completes its row: once its process is
gone, it is `died`."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from newswatch.store.connection import write_transaction

RUNNING = "running"
DIED = "died"


def this_host() -> str:
    return socket.gethostname()


def process_alive(pid: int | None) -> bool:
    """Whether process `pid` on this host still runs (a zombie, killed but not yet reaped by
    its parent, does not)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc to tell: it answered the signal
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def crawl_state(status: str | None, pid: int | None, host: str | None) -> str | None:
    """The state to show for a crawls row: `running` whose process (on this host) is gone is
    `died`; a crawl running on another host cannot be checked from here and stays `running`."""
    if status == RUNNING and host == this_host() and not process_alive(pid):
        return DIED
    return status


def mark_died(db: Database) -> int:
    """Record as `died` every crawl of this host still `running` whose process is gone."""
    rows = db.execute(
        "SELECT id, pid FROM crawls WHERE status = ? AND host = ?", [RUNNING, this_host()]
    ).fetchall()
    dead = [crawl_id for crawl_id, pid in rows if not process_alive(pid)]
    with write_transaction(db):
        for crawl_id in dead:
            db["crawls"].update(crawl_id, {"status": DIED})
    return len(dead)


def start_crawl(db: Database, outlet: str, started: str, pid: int | None = None) -> int:
    """Write the row of a crawl that starts now in this process; its id."""
    with write_transaction(db):
        table = db["crawls"].insert(
            {
                "outlet": outlet,
                "started": started,
                "status": RUNNING,
                "pid": pid or os.getpid(),
                "host": this_host(),
                "stats": "{}",
            }
        )
        return table.last_pk


def finish_crawl(db: Database, crawl_id: int, row: dict[str, Any]) -> None:
    """Complete the row of crawl `crawl_id` with how it ended."""
    with write_transaction(db):
        db["crawls"].update(crawl_id, row)


def end_running_crawl(db: Database, pid: int, status: str, finished: str) -> bool:
    """A crawl process `pid` of this host that ended without completing its row (it crashed,
    was killed or timed out): its row gets `status`; False if it wrote no row."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE crawls SET status = ?, finished = ? WHERE status = ? AND pid = ? AND host = ?",
            [status, finished, RUNNING, pid, this_host()],
        )
        return cursor.rowcount > 0

"""Crawl jobs: how the daemon (or `newswatch enqueue`) asks the workers to crawl an outlet.

A job is one JSON object `{"id", "outlet", "scheduled_at"}` LPUSHed on `<p>:jobs:<outlet>`.
A worker's spider of that outlet takes the jobs waiting there all at once, in one MULTI/EXEC
(LRANGE + DELETE): exactly one worker gets each job, and jobs that piled up while no worker ran
are coalesced into one crawl, as the daemon's scheduler coalesces missed runs. Taking a job
means putting the outlet's listings and pending articles into the outlet's shared request
queue, from which every worker's spider of that outlet then takes requests: who took the job
matters little.

A job is removed when it is taken, not when its crawl is done: a worker killed between the two
loses the job, not what it would have found (the next job lists the outlet again, and what a
listing named is pending in Redis until stored).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from newswatch.dates import iso_utc, utc_now
from newswatch.scaleout.keys import RedisKeys


def crawl_job(outlet: str) -> dict[str, Any]:
    """A new job for `outlet`, scheduled now."""
    return {"id": uuid.uuid4().hex, "outlet": outlet, "scheduled_at": iso_utc(utc_now())}


def push_job(client, keys: RedisKeys, outlet: str) -> dict[str, Any]:
    """Queue a crawl of `outlet` for the workers; the job pushed."""
    job = crawl_job(outlet)
    client.lpush(keys.jobs(outlet), json.dumps(job))
    return job


def take_jobs(client, keys: RedisKeys, outlet: str) -> list[dict[str, Any]]:
    """Every job waiting for `outlet`, oldest first, removed in the same transaction: a job is
    taken by one worker only. A job that is not JSON is dropped (it was not ours)."""
    key = keys.jobs(outlet)
    pipe = client.pipeline(transaction=True)
    pipe.lrange(key, 0, -1)
    pipe.delete(key)
    raw, _ = pipe.execute()
    jobs = []
    for value in reversed(raw):  # LPUSHed: the oldest is last
        try:
            job = json.loads(value)
        except (TypeError, ValueError):
            continue
        if isinstance(job, dict):
            jobs.append(job)
    return jobs


def waiting_jobs(client, keys: RedisKeys, outlet: str) -> int:
    return client.llen(keys.jobs(outlet))

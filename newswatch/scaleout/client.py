"""Connecting to Redis, and what its failures look like to newswatch.

One URL says everything: where Redis is and, in its query, the prefix of newswatch's keys
(`redis://host:6379/0?prefix=newsroom`, default "newswatch"), so that several newsrooms (or
tests) can share one server. Everything that talks to Redis for the scale-out (the crawl state
of workers, the writer's queue) turns Redis's errors into one exception of ours, `RedisFailure`,
whose message names the server (never its password) and what went wrong, in one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from newswatch.scaleout.keys import DEFAULT_PREFIX, RedisKeys

# A lost connection is tried again a few times within about a second, then reported: redis-py's
# default (ten tries, up to ten seconds apart) would leave a writer silent for a minute.
RETRIES = 3
SOCKET_TIMEOUT_S = 10.0  # longer than any blocking wait newswatch asks of Redis


class RedisFailure(Exception):
    """Redis could not be reached, or refused a command; the message says which, in one line."""


def split_url(url: str, prefix: str | None = None) -> tuple[str, str]:
    """(the URL for redis-py, the key prefix): `prefix` if given, else the URL's `prefix`
    query parameter, else "newswatch". redis-py itself refuses query parameters it does not
    know, so `prefix` is taken out of the URL."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    named = [value for name, value in query if name == "prefix"]
    rest = urlencode([(name, value) for name, value in query if name != "prefix"])
    chosen = prefix or (named[-1] if named else DEFAULT_PREFIX)
    return urlunsplit(parts._replace(query=rest)), chosen


def describe(url: str) -> str:
    """`url` as it may be shown: scheme, host, port and database, without credentials."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def connect(url: str, prefix: str | None = None) -> tuple[redis.Redis, RedisKeys]:
    """A client for the Redis at `url` (answers decoded as text) and the keys under its
    prefix (see `split_url`). Connecting is lazy: the first command says whether it is
    reachable."""
    plain, prefix = split_url(url, prefix)
    client = redis.Redis.from_url(
        plain,
        decode_responses=True,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.1), retries=RETRIES),
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=5.0,
        health_check_interval=30,
    )
    return client, RedisKeys(prefix)


@contextmanager
def redis_failures(url: str) -> Iterator[None]:
    """Turn redis-py's errors in the block into one RedisFailure naming the server."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as error:
        message = f"Redis at {describe(url)} is unreachable: {_one_line(error)}"
        raise RedisFailure(message) from error
    except redis.RedisError as error:
        raise RedisFailure(f"Redis at {describe(url)} refused: {_one_line(error)}") from error


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__

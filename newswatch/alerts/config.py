"""The alerts file (TOML): which channels, where they go, which topics, and how often.

    datasette_url = "http://localhost:8001"   # optional: each alert links the story's page
    window_hours = 48                         # only stories published in the last 48 hours

    [channels.desk]
    url = "json://hooks.example.org/newswatch?token=${HOOK_TOKEN}"
    topics = ["west_russia_talks"]            # optional: every topic
    mode = "now"                              # now | hourly | daily
    update_hours = 6                          # now: at most one update per story in 6 hours
    at = "08:00"                              # daily: the digest's local time (hourly: minute)
    timezone = "Europe/Kyiv"

Secrets never live in the file: `${NAME}` in a URL is replaced by the environment variable NAME
when the file is read, and a variable that is not set is an error.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MODES = ("now", "hourly", "daily")
DEFAULT_WINDOW_HOURS = 48
DEFAULT_UPDATE_HOURS = 6
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class AlertConfigError(ValueError):
    """The alerts file cannot be used; the message says which part and why."""


@dataclass(frozen=True)
class Channel:
    name: str
    url: str
    """The Apprise URL, secrets expanded: never print it."""
    topics: tuple[str, ...] = ()
    """The topics whose stories go to this channel; empty: every topic."""
    mode: str = "now"
    at: time = time(8, 0)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    update_hours: float = DEFAULT_UPDATE_HOURS

    @property
    def interval(self) -> timedelta:
        """At most one update per story per interval: the digest's period, else update_hours."""
        if self.mode == "daily":
            return timedelta(days=1)
        if self.mode == "hourly":
            return timedelta(hours=1)
        return timedelta(hours=self.update_hours)


@dataclass(frozen=True)
class AlertConfig:
    channels: dict[str, Channel]
    window_hours: float = DEFAULT_WINDOW_HOURS
    datasette_url: str | None = None

    def story_url(self, story_id: str) -> str | None:
        return f"{self.datasette_url.rstrip('/')}/story/{story_id}" if self.datasette_url else None


def expand_secrets(text: str, environ=os.environ) -> str:
    """`text` with each `${NAME}` replaced by the environment variable NAME."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in environ:
            raise AlertConfigError(f"the environment variable {name} is not set")
        return environ[name]

    return _VARIABLE.sub(value, text)


def _channel(name: str, table: dict, environ) -> Channel:
    where = f"channel {name}"
    if not isinstance(table, dict) or not isinstance(table.get("url"), str):
        raise AlertConfigError(f"{where}: needs url = \"<an Apprise URL>\"")
    mode = table.get("mode", "now")
    if mode not in MODES:
        raise AlertConfigError(f"{where}: mode must be one of {', '.join(MODES)}, not {mode!r}")
    try:
        at = time.fromisoformat(table.get("at", "08:00"))
    except (TypeError, ValueError):
        raise AlertConfigError(f"{where}: at must be a time like \"08:00\"") from None
    try:
        zone = ZoneInfo(table.get("timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise AlertConfigError(f"{where}: unknown timezone {table.get('timezone')!r}") from None
    topics = table.get("topics", [])
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise AlertConfigError(f"{where}: topics must be a list of topic names")
    update_hours = table.get("update_hours", DEFAULT_UPDATE_HOURS)
    if not isinstance(update_hours, int | float) or update_hours <= 0:
        raise AlertConfigError(f"{where}: update_hours must be a positive number")
    try:
        url = expand_secrets(table["url"], environ)
    except AlertConfigError as error:
        raise AlertConfigError(f"{where}: {error}") from None
    return Channel(name, url, tuple(topics), mode, at, zone, float(update_hours))


def load_config(path: Path, environ=os.environ) -> AlertConfig:
    """Read the alerts file at `path`, or raise AlertConfigError saying what is wrong."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise AlertConfigError(f"cannot read {path}: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise AlertConfigError(f"{path} is not valid TOML: {error}") from None
    channels = data.get("channels")
    if not isinstance(channels, dict) or not channels:
        raise AlertConfigError(f"{path}: no channels ([channels.<name>] with a url)")
    window = data.get("window_hours", DEFAULT_WINDOW_HOURS)
    if not isinstance(window, int | float) or window <= 0:
        raise AlertConfigError(f"{path}: window_hours must be a positive number")
    url = data.get("datasette_url")
    if url is not None and not isinstance(url, str):
        raise AlertConfigError(f"{path}: datasette_url must be a string")
    return AlertConfig(
        {name: _channel(name, table, environ) for name, table in channels.items()},
        float(window),
        url,
    )

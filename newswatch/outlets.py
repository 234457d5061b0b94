"""The five outlets newswatch watches: names, domains, home time zones, languages.

This is the single registry every other part asks (`outlet_for_url`, `OUTLETS[name]`); a spider
declares only its name and takes its allowed domains from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Outlet:
    name: str
    title: str
    domains: tuple[str, ...]
    """Registrable domains; their subdomains belong to the outlet too."""
    timezone: ZoneInfo
    """A naive time on the outlet's pages is local time here."""
    languages: tuple[str, ...]


KYIV = ZoneInfo("Europe/Kyiv")
MOSCOW = ZoneInfo("Europe/Moscow")

OUTLETS: dict[str, Outlet] = {
    o.name: o
    for o in (
        Outlet(
            "sputnik",
            "Sputnik International",
            ("sputnikglobe.com", "sputniknews.com"),
            MOSCOW,
            ("en",),
        ),
        Outlet("rbc", "RBC-Ukraine", ("rbc.ua",), KYIV, ("uk", "ru", "en")),
        Outlet("unian", "UNIAN", ("unian.ua", "unian.net", "unian.info"), KYIV, ("uk", "ru", "en")),
        Outlet(
            "pravda",
            "Ukrainska Pravda",
            ("pravda.com.ua", "eurointegration.com.ua", "epravda.com.ua", "champion.com.ua"),
            KYIV,
            ("uk", "ru", "en"),
        ),
        Outlet(
            "moscowtimes",
            "The Moscow Times",
            ("themoscowtimes.com", "moscowtimes.ru"),
            MOSCOW,
            ("en", "ru"),
        ),
    )
}


def outlet_for_url(url: str | None) -> str | None:
    """The outlet whose domain (or a subdomain of it) serves `url`, else None."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    for outlet in OUTLETS.values():
        for domain in outlet.domains:
            if host == domain or host.endswith("." + domain):
                return outlet.name
    return None

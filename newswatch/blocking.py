"""Blocking told apart from a broken layout: `blocked_reason(status, headers, body)`.

A site that refuses newswatch (a 403 or a 451, as Sputnik is in the EU and The Moscow Times in
Russia) or answers with a bot challenge (Cloudflare's "Just a moment..." page, with status 403
or 503, sometimes 200) looks, to a crawl that does not check, like an outlet whose pages no
longer hold articles. This pure function says which it is, for the crawl and for any command
that probes a site.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Only a challenge page's own machinery: an article may well quote "Just a moment...".
CHALLENGE_MARKERS = (
    b"/cdn-cgi/challenge-platform/",
    b"cf_chl_opt",
    b"window._cf_chl",
    b"cf-browser-verification",
    b"cf-challenge-running",
)
# Challenge and block page titles, believed on a refusal or from a Cloudflare server.
CHALLENGE_TITLES = (
    b"<title>just a moment...</title>",
    b"<title>attention required! | cloudflare</title>",
    b"<title>access denied | ",
    b"<title>ddos-guard</title>",
)
BODY_LOOKED_AT = 32 * 1024  # challenge pages say what they are in their head


def blocked_reason(status: int, headers: Mapping | None, body: bytes | str | None) -> str | None:
    """Why this response is a refusal rather than content, or None when it is not one.

    `headers` may be Scrapy's Headers or any mapping (names in any case, str or bytes values,
    or lists of them); `body` bytes or text. Reasons: "challenge page (cloudflare)" (and other
    vendors'), "HTTP 451 unavailable for legal reasons", "HTTP 403 forbidden"."""
    names = _headers(headers)
    server = names.get("server", "")
    head = _head(body)
    vendor = "cloudflare" if "cloudflare" in server or "cf-ray" in names else server or "a bot wall"
    if names.get("cf-mitigated", "") == "challenge" or any(m in head for m in CHALLENGE_MARKERS):
        return f"challenge page ({vendor})"
    # The status first: the titles are looked for (a scan of the page's head each) only when
    # they would be believed, which an ordinary page from an ordinary server never is.
    if (status in (403, 429, 503) or vendor == "cloudflare") and any(
        t in head for t in CHALLENGE_TITLES
    ):
        return f"challenge page ({vendor})"
    if status == 451:
        return "HTTP 451 unavailable for legal reasons"
    if status == 403:
        return "HTTP 403 forbidden"
    return None


# The only headers blocked_reason reads.
_HEADERS_READ = frozenset({"server", "cf-ray", "cf-mitigated"})


def _headers(headers: Mapping | None) -> dict[str, str]:
    """The headers of _HEADERS_READ that are there, names lowercased, values as one lowercased
    string (the others' values are not decoded: a response carries a dozen)."""
    result = {}
    for name, value in (headers or {}).items():
        name = _text(name).lower()
        if name in _HEADERS_READ:
            values = value if isinstance(value, list | tuple) else [value]
            result[name] = ", ".join(_text(v) for v in values).strip().lower()
    return result


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _head(body: bytes | str | None) -> bytes:
    if not body:
        return b""
    if isinstance(body, str):
        body = body[:BODY_LOOKED_AT].encode("utf-8", "replace")
    return body[:BODY_LOOKED_AT].lower()

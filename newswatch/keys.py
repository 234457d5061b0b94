"""One central function per key: the canonical form of a URL, and the article id built on it.

Everything that compares, stores or names articles by URL goes through these two functions.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that only say how a reader arrived, never which article it is.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "yclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_ga",
        "_gl",
        "_openstat",
        "ref",
        "ref_src",
        "from",
        "utm",
        "cmpid",
        "ocid",
        "amp",
        "output",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "hsa_")
HOST_VARIANT_PREFIXES = ("www.", "m.", "amp.", "mobile.")
_AMP_PATH = re.compile(r"(?:/amp/?|\.amp(?=\.html?$))$", re.IGNORECASE)
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
# Characters left as they are in a path; everything else is percent-encoded (upper-case hex).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


@lru_cache(maxsize=4096)  # an article's URLs are asked about several times in a row
def canonical_url(url: str) -> str:
    """The canonical form of `url`: https, lower-case host without www./m./amp. prefixes,
    no default port, no fragment, no tracking parameters, sorted query, percent-escapes
    normalised, no AMP suffix and no trailing slash.

    >>> canonical_url("HTTP://WWW.Pravda.com.ua/news/2025/12/01/8009697/?utm_source=x#top")
    'https://pravda.com.ua/news/2025/12/01/8009697'
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in HOST_VARIANT_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = quote(unquote(parts.path), safe=_PATH_SAFE) or "/"
    path = _AMP_PATH.sub("", path) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
        )
    )
    scheme = "https" if parts.scheme.lower() in ("http", "https", "") else parts.scheme.lower()
    return urlunsplit((scheme, host, path, query, ""))


def article_id(url: str) -> str:
    """The article id: the first 16 hex digits of the SHA-256 of the canonical URL."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:16]


def content_id(text: str) -> str:
    """An id for an article known only by its text (a seed file with no id in its name)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")


# An article's own id in its outlet's URLs: the part that stays when the slug is edited.
_OUTLET_IDS: tuple[tuple[re.Pattern, str], ...] = (
    (
        re.compile(r"^(?:[\w-]+\.)?(themoscowtimes\.com|moscowtimes\.ru)/.*-a(\d+)$"),
        "moscowtimes:{0}:{1}",
    ),
    # The legacy platform's /articles/<slug>-<id>: the same id as today's -a<id>.
    (re.compile(r"^(?:[\w-]+\.)?(themoscowtimes\.com)/articles/.*-(\d+)$"), "moscowtimes:{0}:{1}"),
    (re.compile(r"^newsukraine\.rbc\.ua/news/.*-(\d{10})\.html$"), "rbc:eng:{0}"),
    (re.compile(r"^rbc\.ua/(ukr|rus)/news/.*-(\d{10})\.html$"), "rbc:{0}:{1}"),
    (
        re.compile(
            r"^(pravda\.com\.ua|eurointegration\.com\.ua)/(?:(rus|eng)/)?"
            r"(?:news|articles|columns)/\d{4}/\d{2}/\d{2}/(\d+)$"
        ),
        "{0}:{1}:{2}",
    ),
    (
        re.compile(r"^(?:[\w-]+\.)?(sputnikglobe\.com|sputniknews\.com)/\d{8}/.*-(\d{8,})\.html$"),
        "sputnik:{1}",
    ),
    (
        re.compile(r"^(?:[\w-]+\.)?(sputnikglobe\.com|sputniknews\.com)/[\w/]*/\d{8}(\d{10})-"),
        "sputnik:{1}",
    ),
    (re.compile(r"^(unian\.ua|unian\.net|unian\.info)/.*-(\d{8})\.html$"), "unian:{0}:{1}"),
)


def article_key(url: str) -> str:
    """The key that stays the same for one article whatever its URL variant: the outlet's
    article id with its edition (The Moscow Times' `-a<id>`, RBC-Ukraine's Unix-time suffix,
    Pravda's numeric id, Sputnik's and UNIAN's ids) where the URL carries one, else the
    canonical URL. Editions in other languages keep apart: they are different articles.

    >>> article_key("https://www.themoscowtimes.com/2024/10/10/toll-rises-to-seven-a86639")
    'moscowtimes:themoscowtimes.com:86639'
    """
    canonical = canonical_url(url)
    tail = canonical.split("://", 1)[-1]
    for pattern, template in _OUTLET_IDS:
        match = pattern.match(tail)
        if match:
            return template.format(*(g or "ukr" for g in match.groups()))
    return canonical


# An article's id shared by its outlet's language editions (RBC-Ukraine's /ukr/ and /rus/,
# Ukrainska Pravda's /, /rus/ and /eng/, UNIAN's unian.ua, unian.net and unian.info).
_EDITION_IDS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^rbc\.ua/(?:ukr|rus)/news/.*-(\d{10})\.html$"), "rbc:{0}"),
    (
        re.compile(
            r"^(pravda\.com\.ua|eurointegration\.com\.ua)/(?:(?:rus|eng)/)?"
            r"(?:news|articles|columns)/\d{4}/\d{2}/\d{2}/(\d+)$"
        ),
        "{0}:{1}",
    ),
    (re.compile(r"^(?:unian\.ua|unian\.net|unian\.info)/.*-(\d{8})\.html$"), "unian:{0}"),
)


def edition_key(url: str) -> str | None:
    """The id an outlet gives every language edition of one article, or None where its URLs
    carry none: the article's editions share it.

    >>> edition_key("https://www.rbc.ua/rus/news/zelenskiy-1761152191.html")
    'edition:rbc:1761152191'
    """
    tail = canonical_url(url).split("://", 1)[-1]
    for pattern, template in _EDITION_IDS:
        match = pattern.match(tail)
        if match:
            return "edition:" + template.format(*match.groups())
    return None

"""Reading the pages that lead to articles: RSS / Atom feeds and sitemaps (plain or gzipped,
indexes and URL sets, with Google News extensions).

The XML parser is hardened: no entity expansion, no external entities or DTDs fetched, no
network, bounded trees; a malformed document is recovered as far as it goes, and one that gives
nothing raises `DiscoveryError`. Encodings come from the XML declaration (windows-1251 feeds
exist on these outlets).
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from newswatch.dates import parse_datetime

MAX_XML_BYTES = 50 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


class DiscoveryError(ValueError):
    """A feed or sitemap newswatch cannot read; the message says why."""


@dataclass(frozen=True)
class Entry:
    """A link found in a feed or sitemap, with what the listing says of it."""

    url: str
    published: datetime | None = None
    title: str | None = None
    alternates: tuple[str, ...] = ()  # the same article in other languages (sitemap hreflang)


@dataclass(frozen=True)
class Sitemap:
    is_index: bool
    entries: list[Entry]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
    )


def _gunzip(body: bytes) -> bytes:
    if not body.startswith(_GZIP_MAGIC):
        return body
    # Bounded: a gzip bomb stops at MAX_XML_BYTES instead of filling memory.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = inflater.decompress(body, MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        raise DiscoveryError(f"gzipped document inflates past {MAX_XML_BYTES} bytes")
    return data


def _root(body: bytes) -> etree._Element:
    try:
        data = _gunzip(body)
    except (OSError, zlib.error, EOFError, gzip.BadGzipFile) as error:
        raise DiscoveryError(f"bad gzip data: {error}") from None
    if len(data) > MAX_XML_BYTES:
        raise DiscoveryError(f"document larger than {MAX_XML_BYTES} bytes")
    try:
        root = etree.fromstring(data.lstrip(), parser=_parser())
    except etree.XMLSyntaxError as error:
        raise DiscoveryError(f"not XML: {error}") from None
    if root is None:
        raise DiscoveryError("not XML: nothing could be parsed")
    return root


def _local(tag) -> str:
    """The local name of a tag, namespace or undeclared prefix ("news:title") dropped."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag) == name]


def _text(element, *names: str) -> str | None:
    """The stripped text of the first child (or grandchild) with one of `names`."""
    for name in names:
        for child in element.iter():
            if child is not element and _local(child.tag) == name:
                text = (child.text or "").strip()
                if text:
                    return text
    return None


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)  # RFC 822, as RSS writes dates
    except (TypeError, ValueError):
        return parse_datetime(value)


def parse_feed(body: bytes) -> list[Entry]:
    """The items of an RSS 2.0 / RSS 1.0 / Atom feed, in feed order."""
    root = _root(body)
    entries: list[Entry] = []
    for item in root.iter():
        kind = _local(item.tag)
        if kind == "item":
            link = _text(item, "link")
            guid = next(
                (g for g in _children(item, "guid") if g.get("isPermaLink", "true") != "false"),
                None,
            )
            url = link or (guid.text.strip() if guid is not None and guid.text else None)
            published = _moment(_text(item, "pubDate", "date", "published"))
        elif kind == "entry":
            links = [a for a in _children(item, "link") if a.get("rel", "alternate") == "alternate"]
            url = links[0].get("href") if links else None
            published = _moment(_text(item, "published", "updated"))
        else:
            continue
        if url and url.strip().startswith(("http://", "https://")):
            entries.append(Entry(url.strip(), published, _text(item, "title")))
    if not entries and _local(root.tag) not in ("rss", "feed", "RDF"):
        raise DiscoveryError(f"not a feed: the document is <{_local(root.tag)}>")
    return entries


def parse_sitemap(body: bytes) -> Sitemap:
    """A sitemap index (its child sitemaps) or a URL set (its pages, with news:publication_date
    or lastmod as `published`, news:title as `title`)."""
    root = _root(body)
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap: the document is <{kind}>")
    child = "sitemap" if kind == "sitemapindex" else "url"
    entries = []
    for node in _children(root, child):
        loc = next((c.text.strip() for c in _children(node, "loc") if c.text), None)
        if loc:
            when = _moment(_text(node, "publication_date")) or _moment(_text(node, "lastmod"))
            alternates = tuple(
                href
                for link in _children(node, "link")
                if link.get("rel") == "alternate"
                and link.get("hreflang")
                and (href := (link.get("href") or "").strip())
                and href != loc
            )
            entries.append(Entry(loc, when, _text(node, "title"), alternates))
    return Sitemap(kind == "sitemapindex", entries)


_PERIOD_PATTERNS = (
    re.compile(r"date_end=(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?\.xml"),
)


def sitemap_period_end(url: str) -> date | None:
    """The last day a dated child sitemap covers (monthly `2025-12.xml`, `sitemap-2025-12.xml.gz`,
    Sputnik's `date_end=20261130`), or None when its URL carries no date."""
    for pattern in _PERIOD_PATTERNS:
        match = pattern.search(url)
        if match:
            year, month, day = match.group(1), match.group(2), match.group(3)
            try:
                if day:
                    return date(int(year), int(month), int(day))
                next_month = date(int(year) + int(month) // 12, int(month) % 12 + 1, 1)
                return date.fromordinal(next_month.toordinal() - 1)
            except ValueError:
                return None
    return None

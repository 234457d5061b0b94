"""Structured data embedded in a page: JSON-LD, Open Graph / article:* / named meta tags, and
microdata. Each reader returns raw values; `extraction.article` decides which one wins."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from newswatch.extraction.text import css

_ITEMPROP = etree.XPath("//body//*[@itemprop=$prop]")
ARTICLE_TYPES = frozenset(
    {
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
        "ScholarlyArticle",
    }
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _load_json(text: str) -> Any:
    """JSON as pages write it: tolerant of HTML comments / CDATA wrappers, raw control
    characters and tabs inside strings; None when it is not JSON at all."""
    text = text.strip()
    for wrapper in (("<!--", "-->"), ("<![CDATA[", "]]>"), ("//<![CDATA[", "//]]>")):
        if text.startswith(wrapper[0]) and text.endswith(wrapper[1]):
            text = text[len(wrapper[0]) : -len(wrapper[1])].strip()
    try:
        return json.loads(text, strict=False)
    except ValueError:
        try:
            return json.loads(_CONTROL.sub(" ", text), strict=False)
        except ValueError:
            return None


def _walk(node: Any) -> Iterator[dict]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        if "@graph" in node:
            yield from _walk(node["@graph"])


def _types(node: dict) -> set[str]:
    kind = node.get("@type") or node.get("type") or []
    return {kind} if isinstance(kind, str) else {k for k in kind if isinstance(k, str)}


def json_ld_article(root: HtmlElement) -> tuple[dict | None, int]:
    """The first JSON-LD object of an article type, and how many JSON-LD blocks were invalid."""
    invalid = 0
    for block in css(root, 'script[type="application/ld+json"]::text'):
        data = _load_json(block)
        if data is None:
            invalid += 1
            continue
        for node in _walk(data):
            if _types(node) & ARTICLE_TYPES:
                return node, invalid
    return None, invalid


@dataclass
class MetaTags:
    """`<meta>` values by lower-cased property / name / itemprop, each a list in page order."""

    values: dict[str, list[str]] = field(default_factory=dict)

    def get(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.values.get(key, ()):
                if value.strip():
                    return value.strip()
        return None

    def all(self, key: str) -> list[str]:
        return [v.strip() for v in self.values.get(key, ()) if v.strip()]


def meta_tags(root: HtmlElement) -> MetaTags:
    tags = MetaTags()
    for meta in root.iter("meta"):
        attrib = meta.attrib
        if "content" not in attrib:
            continue
        content = attrib.get("content", "")
        for attr in ("property", "name", "itemprop"):
            key = attrib.get(attr)
            if key:
                tags.values.setdefault(key.strip().lower(), []).append(content)
    return tags


def microdata(root: HtmlElement, prop: str) -> list[str]:
    """Values of an itemprop in the body: @content, @datetime, or the element's text."""
    out = []
    for node in _ITEMPROP(root, prop=prop):
        value = node.attrib.get("content") or node.attrib.get("datetime")
        if value is None and node.tag != "meta":
            value = " ".join(t.strip() for t in node.itertext() if t.strip())
        if value:
            out.append(value.strip())
    return out


# --- JSON-LD value helpers --------------------------------------------------------------------


def ld_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return ld_text(value.get("name") or value.get("@value") or value.get("text"))
    if isinstance(value, list) and value:
        return ld_text(value[0])
    return None


def ld_url(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return ld_url(value.get("url") or value.get("@id") or value.get("contentUrl"))
    if isinstance(value, list) and value:
        return ld_url(value[0])
    return None


def ld_people(value: Any) -> list[str]:
    """Names of the Person authors (an Organization is not a person)."""
    if isinstance(value, list):
        return [name for item in value for name in ld_people(item)]
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if _types(value) & {"Organization", "NewsMediaOrganization", "Corporation"}:
            return []
        name = ld_text(value.get("name"))
        return [name] if name else []
    return []


def ld_list(value: Any) -> list[str]:
    """Keywords as a list, whether written as a list or a comma-separated string."""
    if isinstance(value, list):
        return [s for item in value for s in ld_list(item)]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return []

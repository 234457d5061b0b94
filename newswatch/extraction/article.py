"""`extract_article(html, url)`: a saved or fetched page to an Article, with no crawler.

For each field the first source that has a usable value wins, and `sources` records which:
structured data first (JSON-LD `json-ld`, meta tags `meta`, microdata `microdata`), then the
outlet's own selectors (`outlet`), then the URL (`url`) or the text itself (`text`); the body
alone falls back to a general extractor (`generic`, trafilatura). The body is the exception to
"structured first": the outlet's selectors see the page's paragraphs and the clutter between
them, whereas JSON-LD `articleBody` is one flat string in which a "Read also" line cannot be
told from a paragraph, so articleBody is used only when the selectors find nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml.html import HtmlElement

from newswatch.dates import parse_datetime, plausible_moment
from newswatch.extraction.outlets import RULES, OutletRules
from newswatch.extraction.structured import (
    MetaTags,
    json_ld_article,
    ld_list,
    ld_people,
    ld_text,
    ld_url,
    meta_tags,
    microdata,
)
from newswatch.extraction.text import (
    clean_authors,
    css,
    css_first,
    drop_clutter,
    node_text,
    paragraphs_of,
    parse_html,
    split_text_paragraphs,
    squash,
    strip_site_name,
    xml_safe,
)
from newswatch.items import Article
from newswatch.keys import article_id, canonical_url
from newswatch.language import detect_language
from newswatch.outlets import OUTLETS, outlet_for_url

NOT_PEOPLE = {o.title for o in OUTLETS.values()} | {
    "Sputnik",
    "RBC-Ukraine",
    "РБК-Україна",
    "РБК-Украина",
    "УНІАН",
    "УНИАН",
    "UNIAN",
    "Українська правда",
    "Украинская правда",
    "Ukrainska Pravda",
    "Європейська правда",
    "Економічна правда",
    "The Moscow Times",
    "Moscow Times",
    "Редакція",
    "Редакция",
    "Staff",
}
URL_DATE_TOLERANCE = timedelta(days=1, hours=12)
EPOCH_TOLERANCE = timedelta(minutes=30)
# A page with no headline is an article only if it has at least this much text (else it is a
# navigation or error page that the general extractor scraped a menu from).
MIN_WORDS_WITHOUT_TITLE = 25
_SIGNATURE_SPLIT = re.compile(r"\s*(?:,|\sand\s|\sі\s|\sи\s|\sта\s)\s*")
# og:image values that are generated share cards, not the article's photograph.
_SHARE_CARD = re.compile(r"sharing_snippet|/sharing/|/share[_-]?card|/og-default", re.I)


class ExtractionError(ValueError):
    """The page holds no article newswatch can extract; the message says why."""


@dataclass
class Extraction:
    """Field values with the source each came from."""

    values: dict = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def offer(self, name: str, value, source: str) -> bool:
        """Take `value` for `name` unless the field is already set or the value is empty.
        `value` may be a function giving it, called only while the field is unset (a selector
        that need not run when a better source already gave the field)."""
        if name in self.values:
            return True
        if callable(value):
            value = value()
        if value in (None, "", [], ()):
            return False
        self.values[name] = value
        self.sources[name] = source
        return True


def _select(root: HtmlElement, selectors: tuple[str, ...]) -> list[str]:
    """Values of the first selector that matches: attributes or element texts."""
    for selector in selectors:
        matches = css(root, selector)
        if not matches:
            continue
        if "::attr(" in selector or "::text" in selector:
            values = [squash(str(v)) for v in matches]
        else:
            values = [node_text(m) for m in matches]
        values = [v for v in values if v]
        if values:
            return values
    return []


_TEXT_FORMATS = (
    "%b. %d %Y %H:%M",
    "%b %d %Y %H:%M",
    "%B %d, %Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%H:%M %d.%m.%Y",
)


def _published(value: str | None, outlet: str | None) -> datetime | None:
    """A publication time from any of the forms pages write: ISO 8601, compact ISO
    (20261119T1748+0000), epoch seconds, RFC 2822, or a few textual forms in local time."""
    if not value:
        return None
    value = value.strip()
    if "," in value[:5] and value[-5:-4] in "+-":  # RFC 2822: Thu, 08 Jan 2026 17:46:00 +0200
        try:
            return parsedate_to_datetime(value)
        except (TypeError, ValueError):
            pass
    if value.isdigit() and len(value) in (10, 13):  # epoch seconds / milliseconds
        return datetime.fromtimestamp(int(value[:10]), tz=UTC)
    local = OUTLETS[outlet].timezone if outlet else None
    if len(value) >= 13 and value[:8].isdigit() and value[8] == "T":  # 20261119T1748+0000
        value = f"{value[:4]}-{value[4:6]}-{value[6:8]}T{value[9:11]}:{value[11:13]}{value[13:]}"
    moment = parse_datetime(value, local)
    if moment is None and local is not None:
        for form in _TEXT_FORMATS:
            try:
                return datetime.strptime(value, form).replace(tzinfo=local)
            except ValueError:
                continue
    return moment


def extract_article(html: str, url: str, *, now: datetime | None = None) -> Article:
    """The Article on the page `html` fetched from `url` (see `_extract`). Raises only
    ExtractionError: a page that breaks the parser (malformed attributes, say) is one too."""
    try:
        return _extract(html, url, now=now)
    except ExtractionError:
        raise
    except (ValueError, TypeError, LookupError) as error:
        raise ExtractionError(f"no article on the page {url}: unreadable ({error})") from error


def _extract(html: str, url: str, *, now: datetime | None = None) -> Article:
    """The Article on the page `html` fetched from `url`.

    `now`, when given, rejects a publication time in the future (or before 1990). Raises
    ExtractionError when the page has no title and too little body text to be an article.
    """
    html = xml_safe(html or "")
    root = parse_html(html, url)
    outlet = outlet_for_url(url)
    rules = RULES.get(outlet, OutletRules())
    ld, invalid_ld = json_ld_article(root)
    ld = ld or {}
    meta = meta_tags(root)
    config = rules.page_config(html) if rules.page_config else {}
    found = Extraction()
    if invalid_ld:
        found.sources["json-ld_invalid_blocks"] = str(invalid_ld)

    _canonical(found, root, meta, ld, url)
    canonical_outlet = outlet_for_url(found.values["canonical_url"])
    found.values["outlet"] = outlet or canonical_outlet
    outlet = found.values["outlet"]
    if RULES.get(outlet, rules) is not rules:
        rules = RULES[outlet]
        config = rules.page_config(html) if rules.page_config else {}
    site_names = [*rules.site_names, meta.get("og:site_name") or ""]

    section_in_title = _title(found, root, meta, ld, rules, site_names)
    _dates(found, root, meta, ld, rules, config, outlet, url, now)
    _people_and_labels(found, root, meta, ld, rules, config, site_names)
    found.offer("section", section_in_title, "title")
    _image(found, root, meta, ld, rules, url)

    lead = _select(root, rules.lead)
    paragraphs, body_source = _body(root, rules, ld, html, url)
    if lead:
        found.offer("lead", lead[0], "outlet")
    if paragraphs and found.values.get("lead") and paragraphs[0] == found.values["lead"]:
        paragraphs = paragraphs[1:]
    if paragraphs and paragraphs[0] == found.values.get("title"):
        paragraphs = paragraphs[1:]
    authors = found.values.get("authors")
    if paragraphs and authors and set(_SIGNATURE_SPLIT.split(paragraphs[-1])) <= set(authors):
        paragraphs = paragraphs[:-1]  # a closing signature line that only names the authors
    found.offer("text", "\n\n".join(paragraphs), body_source)

    words = len(found.values.get("text", "").split())
    if not found.values.get("title") and words < MIN_WORDS_WITHOUT_TITLE:
        raise ExtractionError(
            f"no article on the page {url}: no title, and {words} words of body text"
        )
    _language(found, root, meta, ld)

    values = found.values
    return Article(
        id=article_id(values["canonical_url"]),
        url=url,
        canonical_url=values["canonical_url"],
        outlet=values.get("outlet"),
        language=values.get("language"),
        title=values.get("title"),
        lead=values.get("lead"),
        text=values.get("text", ""),
        authors=values.get("authors", []),
        tags=values.get("tags", []),
        section=values.get("section"),
        published=values.get("published"),
        published_raw=values.get("published_raw"),
        date=values.get("date"),
        modified=values.get("modified"),
        image=values.get("image"),
        alternates=_alternates(root, url, values["canonical_url"]),
        sources=found.sources,
    )


def _absolute(base: str, link: str | None) -> str | None:
    return urljoin(base, link.strip()) if link and link.strip() else None


def _canonical(found: Extraction, root: HtmlElement, meta: MetaTags, ld: dict, url: str) -> None:
    for value, source in (
        (css_first(root, 'link[rel="canonical"]::attr(href)'), "link"),
        (meta.get("og:url"), "meta"),
        (ld_url(ld.get("mainEntityOfPage")) or ld_url(ld.get("url")), "json-ld"),
        (url, "url"),
    ):
        absolute = _absolute(url, value)
        if absolute and absolute.startswith(("http://", "https://")):
            found.offer("canonical_url", canonical_url(absolute), source)
            return


def _alternates(root: HtmlElement, url: str, canonical: str) -> list[str]:
    """The page's own editions in other languages: `<link rel="alternate" hreflang=...>` and
    language-switcher links carrying `hreflang` (x-default and the page itself left out),
    absolute, in page order."""
    found: dict[str, None] = {}
    for element in css(root, 'link[rel="alternate"][hreflang], a[hreflang]'):
        if element.get("hreflang", "").strip().lower() == "x-default":
            continue
        link = _absolute(url, element.get("href"))
        if link and link.startswith(("http://", "https://")) and canonical_url(link) != canonical:
            found[link] = None
    return list(found)


def _title(found, root, meta, ld, rules, site_names) -> str | None:
    """Set the title; return the section when the title carries one ("Headline | News")."""
    heading = _select(root, rules.title)
    for value, source in (
        (ld_text(ld.get("headline")) or ld_text(ld.get("name")), "json-ld"),
        (meta.get("og:title", "twitter:title"), "meta"),
        (heading[0] if heading else None, "outlet"),
        (lambda: squash(css_first(root, "title::text")), "html"),
    ):
        if callable(value):
            value = value()
        if value:
            title = strip_site_name(squash(value), site_names)
            # og:title often carries a section suffix ("Title | News"); the page's own heading
            # is the headline whenever it is how the longer value begins.
            if heading and title != heading[0] and title.startswith(heading[0]):
                rest = title[len(heading[0]) :].strip(" |—-–")
                found.offer("title", heading[0], "outlet")
                return rest if rest and len(rest) < 40 else None
            found.offer("title", title, source)
            return None
    return None


def _dates(found, root, meta, ld, rules, config, outlet, url, now) -> None:
    def candidates():  # in order of trust; the page's selectors run only if they are reached
        yield ld.get("datePublished") or ld.get("dateCreated"), "json-ld"
        yield meta.get("article:published_time"), "meta"
        yield next(iter(microdata(root, "datePublished")), None), "microdata"
        yield meta.get("pubdate", "datepublished", "date", "dc.date.issued"), "meta"
        yield config.get("article_publication_date"), "outlet"
        yield from ((value, "outlet") for value in _select(root, rules.published))
        yield meta.get("analytics:p_ts"), "meta"

    # An epoch on the page is unambiguous; a string time may carry a wrong zone (old Sputnik
    # pages print Moscow time with a "Z"). When both exist and disagree, the epoch stands.
    epoch = _published(
        meta.get("analytics:p_ts") or next(iter(_select(root, rules.epoch)), None),
        outlet,
    )
    local = OUTLETS[outlet].timezone if outlet else UTC
    from_url = rules.url_date(url) if rules.url_date else None
    for raw, source in candidates():
        if not raw:
            continue
        moment = _published(raw, outlet)
        if moment is not None and epoch is not None and abs(moment - epoch) > EPOCH_TOLERANCE:
            found.sources["published_epoch_check"] = f"{source} time disagreed with the epoch"
            moment, raw, source = epoch.astimezone(local), str(raw), "epoch"
        if moment is None or (now is not None and not plausible_moment(moment, now)):
            continue
        if from_url is not None and not _agrees(moment, from_url):
            found.sources["published_check"] = f"disagrees with the URL date ({source} skipped)"
            continue
        found.offer("published", moment.isoformat(timespec="seconds"), source)
        found.values["published_raw"] = raw
        found.values["date"] = moment.date().isoformat()
        if from_url is not None:
            found.sources.setdefault("published_check", "agrees with the URL date")
        break
    else:
        if isinstance(from_url, datetime):
            found.offer("published", from_url.isoformat(timespec="seconds"), "url")
            found.values["published_raw"] = from_url.isoformat()
            found.values["date"] = from_url.date().isoformat()
        elif isinstance(from_url, date):
            found.offer("date", from_url.isoformat(), "url")
    modified = _published(
        ld.get("dateModified")
        or meta.get("article:modified_time")
        or next(iter(microdata(root, "dateModified")), None)
        or meta.get("lastmod"),
        outlet,
    )
    found.offer(
        "modified",
        modified.isoformat(timespec="seconds") if modified else None,
        "json-ld" if ld.get("dateModified") else "meta",
    )


def _agrees(moment: datetime, from_url: date | datetime) -> bool:
    if isinstance(from_url, datetime):
        return abs(moment - from_url) <= URL_DATE_TOLERANCE
    return abs((moment.date() - from_url).days) <= 1


def _people_and_labels(found, root, meta, ld, rules, config, site_names) -> None:
    not_people = [*NOT_PEOPLE, *site_names]
    structured = clean_authors(ld_people(ld.get("author")), not_people)
    from_meta = clean_authors(
        meta.all("author") + meta.all("article:author") + meta.all("analytics:author"), not_people
    )
    from_page = clean_authors(_select(root, rules.authors), not_people)
    # Some outlets (The Moscow Times) name only the first author in their structured data; the
    # byline on the page is complete. Take it when it names everyone the structured data names.
    known = structured or from_meta
    if (
        from_page
        and len(from_page) > len(known)
        and all(any(k.casefold() == p.casefold() for p in from_page) for k in known)
    ):
        found.offer("authors", from_page, "outlet")
    found.offer("authors", structured, "json-ld")
    found.offer("authors", from_meta, "meta")
    found.offer("authors", from_page, "outlet")

    # Tags: the list the outlet shows readers comes first. Keyword fields mix in the section
    # and search-engine terms (Sputnik's keywords begin with its rubric).
    found.offer("tags", _unique(_select(root, rules.tags)), "outlet")
    found.offer("tags", lambda: _unique(ld_list(ld.get("keywords"))), "json-ld")
    found.offer(
        "tags", lambda: _unique([t for v in meta.all("article:tag") for t in ld_list(v)]), "meta"
    )
    found.offer(
        "tags", lambda: _unique(ld_list(meta.get("news_keywords", "analytics:tags"))), "meta"
    )

    found.offer("section", ld_text(ld.get("articleSection")), "json-ld")
    found.offer("section", meta.get("article:section"), "meta")
    found.offer("section", lambda: next(iter(microdata(root, "articleSection")), None), "microdata")
    found.offer("section", lambda: next(iter(_select(root, rules.section)), None), "outlet")
    found.offer("section", ld_text(config.get("article_categories")), "outlet")
    found.offer("section", meta.get("analytics:rubric"), "meta")


def _image(found, root, meta, ld, rules, url) -> None:
    og = _absolute(url, meta.get("og:image", "twitter:image"))
    card = og if og and _SHARE_CARD.search(og) else None
    found.offer("image", None if card else og, "meta")
    found.offer("image", _absolute(url, ld_url(ld.get("image"))), "json-ld")
    found.offer(
        "image", lambda: _absolute(url, next(iter(_select(root, rules.image)), None)), "outlet"
    )
    found.offer("image", card, "meta")


def _unique(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in (squash(v) for v in values):
        if value and value.casefold() not in (o.casefold() for o in out):
            out.append(value)
    return out


def _body(root, rules, ld, html, url) -> tuple[list[str], str]:
    """Body paragraphs: the outlet's body selectors (clutter removed inside what they match),
    else JSON-LD articleBody, else the general extractor."""
    for selector_ in rules.body:
        nodes = css(root, selector_)
        for node in nodes:
            drop_clutter(node, rules.remove)
        paragraphs = paragraphs_of(node for node in nodes if node.getparent() is not None)
        if paragraphs:
            return paragraphs, "outlet"
    body = ld_text(ld.get("articleBody"))
    structured = split_text_paragraphs(body) if body else []
    from newswatch.extraction.generic import generic_paragraphs

    if structured and rules.body:  # a known outlet whose own selectors found nothing
        return structured, "json-ld"
    # On a page of no known layout, a structured body much shorter than what the page shows is
    # an excerpt (many sites put one there): the general extractor's body wins then.
    generic = generic_paragraphs(html, url)
    words = len(" ".join(structured).split())
    if structured and words >= 0.8 * len(" ".join(generic).split()):
        return structured, "json-ld"
    return generic, "generic"


def _language(found, root, meta, ld) -> None:
    values = found.values
    sample = " ".join(filter(None, (values.get("title"), values.get("lead"), values.get("text"))))
    detected = detect_language(sample)
    declared_raw = (
        ld_text(ld.get("inLanguage"))
        or css_first(root, "html::attr(lang)")
        or meta.get("og:locale", "content-language")
        or ""
    )
    declared = declared_raw.strip().lower()[:2] or None
    if declared == "ua":  # a country code where a language code belongs
        declared = "uk"
    if detected:
        found.offer("language", detected, "text")
        found.sources["language_check"] = (
            "undeclared"
            if not declared
            else "agrees with the page"
            if declared == detected
            else f"page declares {declared}"
        )
    else:
        found.offer("language", declared, "declared")

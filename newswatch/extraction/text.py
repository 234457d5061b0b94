"""From DOM to clean text: paragraphs of an article body without the clutter around them, and
small cleaners for titles and author names."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from parsel.csstranslator import HTMLTranslator as ParselTranslator

# Elements never part of an article's text, wherever they sit: by name, by a part of their class
# or id, and hidden from readers.
CLUTTER_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "form",
    "button",
    "nav",
    "aside",
    "footer",
    "figure",
    "figcaption",
    "ins",
    "svg",
    "video",
    "audio",
    "object",
    "embed",
)
CLUTTER_CLASSES = (
    "share",
    "social",
    "read-also",
    "read_also",
    "readalso",
    "related",
    "subscribe",
    "banner",
    "advert",
    "promo",
    "donat",
    "comments",
    "newsletter",
    "cookie",
    "photo-credit",
    "caption",
)
CLUTTER_IDS = ("read_more", "comments")
# The same as a CSS selector (what drop_clutter removes is what this selects).
CLUTTER = ", ".join(
    [
        *CLUTTER_TAGS,
        *(f"[class*={part}]" for part in CLUTTER_CLASSES),
        *(f"[id*={part}]" for part in CLUTTER_IDS),
        "[aria-hidden=true]",
    ]
)
_CLUTTER_TAGS = frozenset(CLUTTER_TAGS)
_CLUTTER_CLASS = re.compile("|".join(map(re.escape, CLUTTER_CLASSES)))
_CLUTTER_ID = re.compile("|".join(map(re.escape, CLUTTER_IDS)))
BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "li", "blockquote", "pre", "dd"})

# A paragraph that is one of these is an appeal, a label or a pointer elsewhere, not text.
_BOILERPLATE_START = re.compile(
    r"^\W*(?:read (?:also|more)|also read|see also|related(?: news| articles)?\s*:|more on this"
    r"|subscribe\b|sign up\b|follow (?:us|sputnik|rbc)|join (?:us|our)\b"
    r"|support (?:the moscow times|us)"
    r"|advertisement\b|sponsored\b|photo\s*:|photo credit|getty images$|share (?:this|on)\b"
    r"|to participate in the discussion|click here"
    r"|читайте (?:також|також на цю тему|більше|нас|новини)|дивіться також|підписуйте?(?:сь|ся)"
    r"|приєднуйтесь|підтримайте|реклама\b|фото\s*:|джерело фото|новини від"
    r"|читайте (?:также|больше|нас)|смотрите также|подписывайтесь|присоединяйтесь|поддержите"
    r"|по теме\s*:|на тему\s*:"
    r"|the views and opinions expressed|мнение автора может не совпадать"
    r"|думка автора може не збігатися|точка зрения автора)",
    re.IGNORECASE,
)
# A paragraph that is one of these ends the article: what follows is a list of other stories.
_END_OF_BODY = re.compile(
    r"^\W*(?:you may also (?:be interested|like)|more (?:news|stories) on|latest news\s*:"
    r"|вас також можуть зацікавити|вас также могут заинтересовать|інші новини\s*:"
    r"|другие новости\s*:|новини партнерів|новости партнеров)",
    re.IGNORECASE,
)
_HAS_WORD = re.compile(r"\w")
SHORT = 240  # a boilerplate pattern only condemns a paragraph shorter than this


def squash(text: str | None) -> str:
    """NFC, runs of white space as one space, stripped."""
    if not text:
        return ""
    # str.split() splits at exactly the characters \s matches (checked for every code point),
    # four times faster than a regular expression on the short strings this mostly gets.
    return " ".join(unicodedata.normalize("NFC", text).split())


def node_text(node: HtmlElement) -> str:
    """The text of `node` as a reader sees it: inline elements run on ("писало <a>..</a>, що"
    keeps its comma in place), line breaks become spaces."""
    for br in node.iter("br"):
        br.tail = " " + (br.tail or "")
    return squash("".join(node.itertext()))


# Characters XML strings may not hold, which lxml refuses: control characters, lone surrogates,
# U+FFFE and U+FFFF; and the control characters as UTF-8 bytes (themselves).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def xml_safe(html: str) -> str:
    """`html` with every character XML strings may not hold (a NUL, \x01...) as a space. Most
    pages have none, which the bytes tell faster than a scan of the text does."""
    try:
        body = html.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return _NOT_XML.sub(" ", html)
    # U+FFFE and U+FFFF looked for in the text: a search of the bytes for their three-byte
    # encodings is sixty times slower than that of the text for one character.
    if (
        len(body.translate(None, _CONTROL_BYTES)) == len(body)
        and "\ufffe" not in html
        and "\uffff" not in html
    ):
        return html
    return _NOT_XML.sub(" ", html)


_PARSERS = threading.local()  # an lxml parser is used by one thread at a time


def _parser() -> etree.HTMLParser:
    """This thread's parser: lxml.html's, but with its element classes looked up in C.
    lxml.html asks a Python function for the class of every element the code touches (to give
    form fields classes of their own, which extraction never uses): a sixth of the time spent
    walking a page."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
        parser.set_element_class_lookup(
            etree.ElementDefaultClassLookup(
                element=HtmlElement,
                comment=lxml.html.HtmlComment,
                pi=lxml.html.HtmlProcessingInstruction,
                entity=lxml.html.HtmlEntity,
            )
        )
        _PARSERS.parser = parser
    return parser


def parse_html(html: str, base_url: str) -> HtmlElement:
    """The page's root element (lxml.html, recovering from broken markup, as parsel would
    parse it as HTML). `html` must be xml_safe."""
    body = html.strip().encode("utf-8") or b"<html/>"
    parser = _parser()
    try:
        root = etree.fromstring(body, parser=parser, base_url=base_url)
    except etree.XMLSyntaxError:
        root = None
    if root is None:  # nothing an element could be made of
        root = etree.fromstring(b"<html/>", parser=parser, base_url=base_url)
    return root


def is_boilerplate(paragraph: str) -> bool:
    return len(paragraph) < SHORT and bool(_BOILERPLATE_START.match(paragraph))


@cache
def _compiled(selector: str) -> etree.XPath:
    """A CSS selector (with parsel's ::attr(x) and ::text) compiled once to an lxml XPath."""
    return etree.XPath(ParselTranslator().css_to_xpath(selector))


def css(root: HtmlElement, selector: str) -> list:
    """Elements, or attribute values and texts (for ::attr / ::text), that `selector` matches,
    compiled once and run on lxml directly (no parsel wrapper per match)."""
    return _compiled(selector)(root)


def css_first(root: HtmlElement, selector: str) -> str | None:
    found = css(root, selector)
    return str(found[0]) if found else None


def is_clutter(element: HtmlElement) -> bool:
    """Whether CLUTTER selects `element`, told in Python: one look at each element is several
    times faster than libxml2 walking the tree once for each of CLUTTER's 37 selectors."""
    if element.tag in _CLUTTER_TAGS:
        return True
    attrib = element.attrib
    found = attrib.get("class")
    if found is not None and _CLUTTER_CLASS.search(found):
        return True
    found = attrib.get("id")
    if found is not None and _CLUTTER_ID.search(found):
        return True
    return attrib.get("aria-hidden") == "true"


def drop_clutter(container: HtmlElement, extra: tuple[str, ...] = ()) -> None:
    """Remove clutter elements (and the outlet's own `extra` selectors) inside `container`."""
    if len(container) == 0:  # no element inside (a paragraph of text): nothing to remove
        return
    chosen = set(css(container, ", ".join(extra))) if extra else ()
    for node in [
        node
        for node in container.iterdescendants(etree.Element)
        if node in chosen or is_clutter(node)
    ]:
        if isinstance(node, HtmlElement) and node.getparent() is not None:
            node.drop_tree()


def _outermost_blocks(container: HtmlElement) -> Iterable[HtmlElement]:
    for node in container.iterdescendants():
        if node.tag in BLOCKS:
            parent = node.getparent()
            while parent is not None and parent is not container and parent.tag not in BLOCKS:
                parent = parent.getparent()
            if parent is container:
                yield node


def paragraphs_of(nodes: Iterable[HtmlElement]) -> list[str]:
    """Clean paragraphs of the given nodes in document order: a node with block elements
    (p, h2, li...) inside gives each outermost block; a node without gives its own text.
    A node inside one already taken is not taken twice."""
    taken: list[HtmlElement] = []
    out: list[str] = []
    for node in nodes:
        if any(a in taken for a in node.iterancestors()):
            continue
        taken.append(node)
        blocks = list(_outermost_blocks(node)) if node.tag not in BLOCKS else []
        if blocks:
            out.extend(node_text(b) for b in blocks)
        else:
            out.append(node_text(node))
    return clean_paragraphs(out)


def clean_paragraphs(paragraphs: Iterable[str]) -> list[str]:
    """Drop boilerplate and separators ("***"); stop where a list of other stories begins."""
    out = []
    for paragraph in paragraphs:
        if len(paragraph) < SHORT and _END_OF_BODY.match(paragraph):
            break
        if paragraph and _HAS_WORD.search(paragraph) and not is_boilerplate(paragraph):
            out.append(paragraph)
    return out


def split_text_paragraphs(text: str) -> list[str]:
    """Paragraphs of a flat text (JSON-LD articleBody): split at line breaks and tabs."""
    parts = re.split(r"\s*[\n\t]\s*", unicodedata.normalize("NFC", text))
    return clean_paragraphs(squash(part) for part in parts)


def strip_site_name(title: str, site_names: Iterable[str]) -> str:
    """`title` without a trailing or leading ' | Site', ' - Site', ' — Site' part."""
    for name in sorted({n for n in site_names if n}, key=len, reverse=True):
        for sep in (" | ", " - ", " — ", " – ", " :: "):
            if title.endswith(sep + name):
                title = title[: -len(sep + name)]
            if title.startswith(name + sep):
                title = title[len(name + sep) :]
    return title.strip()


_BY = re.compile(r"^(?:by|автор(?:и|ы)?|author)\s*:?\s+", re.IGNORECASE)
_SPLIT_NAMES = re.compile(r"\s*(?:,|;|\s&\s|\sand\s|\sі\s|\sи\s|\sта\s)\s*", re.IGNORECASE)


@lru_cache(maxsize=64)
def _blocked(not_people: tuple[str, ...]) -> frozenset[str]:
    return frozenset(squash(n).casefold() for n in not_people if n)


def clean_authors(raw: Iterable[str], not_people: Iterable[str]) -> list[str]:
    """Person names from bylines and author fields: no "By", split on commas and "and",
    no URLs, no outlet or site names, no duplicates."""
    blocked = _blocked(tuple(not_people))
    names: list[str] = []
    for value in raw:
        value = squash(value)
        if not value or value.startswith(("http://", "https://", "/")):
            continue
        value = _BY.sub("", value)
        for part in _SPLIT_NAMES.split(value):
            part = part.strip(" .,")
            for suffix in blocked:
                # "Finian Cunningham. Sputnik International" -> "Finian Cunningham"
                if part.casefold().endswith(suffix) and len(part) > len(suffix):
                    part = part[: len(part) - len(suffix)].rstrip(" .,-—|")
            if (
                part
                and part.casefold() not in blocked
                and not any(n.casefold() == part.casefold() for n in names)
                and sum(ch.isalpha() for ch in part) >= 3
            ):
                names.append(part)
    return names

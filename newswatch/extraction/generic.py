"""The last fallback for the body: trafilatura's general-purpose extraction, as paragraphs."""

from __future__ import annotations

import lxml.html

from newswatch.extraction.text import clean_paragraphs, squash

# trafilatura's own parser (trafilatura.utils.HTML_PARSER) with huge_tree: without it libxml2
# stops at 255 levels of nesting, and a body nested deeper would be dropped without a word.
_PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
    huge_tree=True,
)


def _tree(html: str) -> lxml.html.HtmlElement | None:
    """The page parsed as trafilatura would parse it (its repairs first), with no depth limit."""
    from trafilatura.utils import repair_faulty_html

    html = repair_faulty_html(html, html[:50].lower())
    try:
        return lxml.html.fromstring(html, parser=_PARSER)
    except ValueError:  # a str with an encoding declaration: lxml wants bytes then
        return lxml.html.fromstring(html.encode("utf-8"), parser=_PARSER)
    except lxml.etree.ParserError:  # nothing an element could be made of
        return None


def generic_paragraphs(html: str, url: str) -> list[str]:
    """Body paragraphs that trafilatura finds on a page of no known layout; [] when none."""
    import trafilatura  # imported on first use: it is slow to import and rarely needed

    tree = _tree(html)
    text = trafilatura.extract(tree, url=url, include_comments=False) if tree is not None else None
    if not text:
        return []
    return clean_paragraphs(squash(line) for line in text.split("\n"))

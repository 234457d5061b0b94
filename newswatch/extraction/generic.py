"""The last fallback for the body: trafilatura's general-purpose extraction, as paragraphs."""

from __future__ import annotations

from newswatch.extraction.text import clean_paragraphs, squash


def generic_paragraphs(html: str, url: str) -> list[str]:
    """Body paragraphs that trafilatura finds on a page of no known layout; [] when none."""
    import trafilatura  # imported on first use: it is slow to import and rarely needed

    text = trafilatura.extract(html, url=url, include_comments=False)
    if not text:
        return []
    return clean_paragraphs(squash(line) for line in text.split("\n"))

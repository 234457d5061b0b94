"""Extraction: pure functions from a page (HTML and its URL) to an Article, testable without a
crawler. Structured data first, then the outlet's selectors, then a general extractor."""

from newswatch.extraction.article import ExtractionError, extract_article

__all__ = ["ExtractionError", "extract_article"]

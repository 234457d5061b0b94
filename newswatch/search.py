"""Full-text search across grammatical cases: each article's words brought to a stem that all
their inflections share, in the `stems` column the FTS index covers, and queries stemmed the
same way (the `nw_search()` SQL function the Datasette plugin registers).

A word's stem is its lemma in the article's language (simplemma: Росії, Росію, Росією -> росія;
переговорів -> переговори); a Cyrillic word no dictionary knows, a name mostly, loses its case
ending (Макроном, Макрона -> макрон). A query's language is unknown, so each query word matches
any of its stems in English, Ukrainian and Russian.
"""

from __future__ import annotations

import re
from functools import lru_cache

from newswatch.dedup import strip_case_ending
from newswatch.lemmas import is_known, lemma
from newswatch.topic import LANGUAGES, tokens

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    lower = word.lower()
    base = lemma(word, language)
    if is_known(lower, language) or base != lower or not _CYRILLIC.search(lower):
        return base
    return strip_case_ending(lower)  # a word no dictionary knows: its case ending goes


def stems(text: str | None, language: str | None) -> str:
    """The stems of every word of `text`, space-separated, for the FTS index."""
    if not text:
        return ""
    language = language if language in LANGUAGES else "en"
    return " ".join([stem(word, language) for word in tokens(text)])


def text_stems(title: str | None, lead: str | None, text: str | None, language: str | None) -> str:
    """The stems of an article's title, lead and text: its `stems` column."""
    return stems(" ".join(filter(None, (title, lead, text))), language)


def search_expression(query: str) -> str:
    """An FTS5 MATCH expression over the `stems` column: every query word, in any of its
    stems (so "Росією" finds an article that wrote "Росії")."""
    terms = []
    for word in tokens(query or ""):
        variants = sorted({stem(word, language) for language in LANGUAGES})
        quoted = " OR ".join('"' + v.replace('"', '""') + '"' for v in variants)
        terms.append(f"({quoted})")
    return "stems : (" + " AND ".join(terms) + ")" if terms else 'stems : ""'

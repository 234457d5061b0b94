"""Which language a text is in: English, Ukrainian or Russian (and the script of anything else).

Ukrainian and Russian share most of the Cyrillic alphabet, but each has letters the other lacks
(і ї є ґ against ы э ъ ё) and a handful of very frequent short words. Counting both tells them
apart on almost any text; a short one with neither (a headline) is decided by which language's
dictionary knows more of its words, and a text that no test decides is None rather than a guess.
"""

from __future__ import annotations

import re

_UK_WORDS = frozenset(
    [
        "й",
        "що",
        "та",
        "як",
        "від",
        "це",
        "але",
        "його",
        "для",
        "які",
        "який",
        "яка",
        "також",
        "після",
        "було",
        "буде",
        "вже",
        "україни",
        "україна",
        "росії",
        "між",
        "щодо",
        "через",
        "під",
        "час",
        "ще",
    ]
)
_RU_WORDS = frozenset(
    [
        "и",
        "что",
        "как",
        "от",
        "это",
        "но",
        "его",
        "для",
        "которые",
        "который",
        "которая",
        "также",
        "после",
        "было",
        "будет",
        "уже",
        "украины",
        "россии",
        "между",
        "через",
        "под",
        "ещё",
        "еще",
    ]
)
_WORD = re.compile(r"\w+", re.UNICODE)


# Runs of letters, counted by their length: one match per word rather than per letter.
_LATIN = re.compile(r"[a-z\u00c0-\u024f]+")
_ARABIC = re.compile(r"[\u0600-\u06ff]+")
_UK_ONLY = "іїєґ"
_RU_ONLY = "ыэъё"
# In UTF-8, the letters U+0400 to U+04FF, and nothing else, begin with one of these bytes.
_CYRILLIC_LEAD_BYTES = (b"\xd0", b"\xd1", b"\xd2", b"\xd3")


def _letters(pattern: re.Pattern, text: str) -> int:
    return sum(map(len, pattern.findall(text)))


def _cyrillic_letters(text: str) -> int:
    """How many letters of `text` are in U+0400 to U+04FF: their UTF-8 lead bytes counted
    (bytes.count is a memchr; a regular expression looks at every character)."""
    encoded = text.encode("utf-8", "surrogatepass")
    return sum(map(encoded.count, _CYRILLIC_LEAD_BYTES))


def detect_language(text: str | None) -> str | None:
    """ISO 639-1 code of `text` (en, uk, ru; ar for Arabic script), None if unsure."""
    if not text:
        return None
    sample = text[:5000].lower()
    cyrillic = _cyrillic_letters(sample)
    latin = _letters(_LATIN, sample)
    # Arabic letters are counted only when they could decide: when there can be more of them
    # than of either script's (the characters left over), or fewer than two letters at all.
    leading = max(cyrillic, latin)
    could_lead = len(sample) - cyrillic - latin > leading
    arabic = _letters(_ARABIC, sample) if could_lead or cyrillic + latin < 2 else 0
    if cyrillic + latin + arabic < 2:
        return None
    if arabic > leading:
        return "ar"
    if latin >= cyrillic:
        return "en"
    uk = sum(map(sample.count, _UK_ONLY))
    ru = sum(map(sample.count, _RU_ONLY))
    for word in _WORD.findall(sample):
        if word in _UK_WORDS:
            uk += 2
        if word in _RU_WORDS:
            ru += 2
    if uk == ru:
        return _by_dictionary(sample)
    return "uk" if uk > ru else "ru"


def _by_dictionary(text: str) -> str | None:
    """Ukrainian or Russian by how many of the words each language's dictionary knows
    (simplemma's word lists, loaded on first use): for headlines with neither language's own
    letters ("Макрон назначил премьер-министром...")."""
    from newswatch.lemmas import share_known

    uk, ru = share_known(text, "uk"), share_known(text, "ru")
    if abs(uk - ru) < 0.1:
        return None
    return "uk" if uk > ru else "ru"

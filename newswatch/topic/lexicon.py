"""Matching a topic's terms in text: words by lemma (simplemma), prefixes (``путін*``),
phrases, and acronyms that match only in capitals. Pure functions over a `Lexicon`, one per
language, built from a topic file's terms.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import accumulate

from newswatch.language import detect_language
from newswatch.lemmas import lemma

LANGUAGES = ("en", "uk", "ru")
FIELDS = ("title", "lead", "body")
PHRASE_GAP = 1  # words allowed between two words of a phrase

TOKEN = re.compile(r"\w+(?:['’ʼ`-]\w+)*", re.UNICODE)
"""A word, as the lexicon reads it, in a text whose apostrophes are one (one_apostrophe)."""
APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})


def reading_language(language: str | None, text: str) -> str:
    """The language whose terms `text` is read with: `language` when topics have terms in it,
    else the one detected in `text`; a text in none of them (Arabic, say) is read in English."""
    if language not in LANGUAGES:
        language = detect_language(text)
    return language if language in LANGUAGES else "en"


def tokens(text: str) -> list[str]:
    return TOKEN.findall(one_apostrophe(text))


def one_apostrophe(text: str) -> str:
    """`text` with every apostrophe as "'" (text.translate(APOSTROPHES), several times faster on
    long texts)."""
    return text.replace("’", "'").replace("ʼ", "'").replace("`", "'")


@dataclass(frozen=True)
class Term:
    concept: str
    text: str
    words: tuple[str, ...]  # lemmas (or prefixes, or exact acronyms)
    prefix: bool
    acronym: bool


@dataclass
class Lexicon:
    """Fast lookup of one language's terms: single words by lemma, acronyms by exact form,
    prefixes by their first three letters, phrases by their first word."""

    language: str
    words: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    acronyms: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    prefixes: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    phrases: dict[str, list[Term]] = field(default_factory=lambda: defaultdict(list))
    prefix_phrases: dict[str, list[Term]] = field(default_factory=lambda: defaultdict(list))
    _readings: dict[str, tuple] = field(default_factory=dict, repr=False)

    def add(self, term: Term) -> None:
        if len(term.words) > 1 and term.words[0].endswith("*"):
            self.prefix_phrases[term.words[0][:3]].append(term)
        elif len(term.words) > 1:
            self.phrases[term.words[0]].append(term)
        elif term.acronym:
            self.acronyms[term.words[0]].add(term.concept)
        elif term.prefix:
            self.prefixes[term.words[0][:3]].append((term.words[0], term.concept))
        else:
            self.words[term.words[0]].add(term.concept)

    def reading(self, word: str) -> tuple[str, frozenset[str], tuple[Term, ...]]:
        """What `word` is to this lexicon: its lemma, the concepts it matches on its own, and
        the phrases that may start at it. Worked out once per distinct word (an article's
        words repeat, and so do a crawl's)."""
        found = self._readings.get(word)
        if found is None:
            lem = lemma(word, self.language)
            phrases = list(self.phrases.get(lem, []))
            if word != lem:
                phrases += self.phrases.get(word, [])
            lower = word.lower()
            phrases += [
                t
                for t in self.prefix_phrases.get(lower[:3], [])
                if lower.startswith(t.words[0][:-1])
            ]
            found = (lem, frozenset(self.concepts_of(word, lem)), tuple(phrases))
            if len(self._readings) < 200_000:
                self._readings[word] = found
        return found

    def concepts_of(self, token: str, lemma_: str) -> set[str]:
        # An acronym matches in capitals or as a name ("NATO", "Nato"), never in lower case
        # ("us" is not "US").
        acronym = self.acronyms.get(token.upper(), set()) if not token.islower() else set()
        found = set(self.words.get(lemma_, ())) | acronym
        lower = token.lower()
        for prefix, concept in self.prefixes.get(lower[:3], ()):
            if lower.startswith(prefix):
                found.add(concept)
        return found


def make_term(concept: str, text: str, language: str) -> Term:
    """A term as the matcher reads it: each word its lemma, a word ending in "*" a lower-case
    prefix (kept with its "*" in a phrase), a short capitalised word an acronym."""
    parts = text.strip().translate(APOSTROPHES).split()
    words: list[str] = []
    for part in parts:
        stem = part.rstrip("*")
        for word in tokens(stem):
            if part.endswith("*") and word == tokens(stem)[-1]:
                words.append(word.lower() + "*")
            elif word.isupper() and len(word) <= 5:
                words.append(word)  # an acronym, or a part of U.S.: exact
            else:
                words.append(lemma(word, language))
    if len(words) == 1:
        word = words[0]
        prefix = word.endswith("*")
        return Term(concept, text, (word.rstrip("*"),), prefix, not prefix and word.isupper())
    return Term(concept, text, tuple(words), False, False)


def field_hits(text: str, lexicon: Lexicon) -> dict[str, int]:
    """How often each concept's terms occur in `text`."""
    return hits_and_lemmas(text, lexicon)[0]


def hits_and_lemmas(text: str, lexicon: Lexicon) -> tuple[dict[str, int], list[str]]:
    """How often each concept's terms occur in `text`, and the lemmas of its words."""
    return hits_and_lemmas_of(tokens(text), lexicon)


def hits_and_lemmas_of(words: list[str], lexicon: Lexicon) -> tuple[dict[str, int], list[str]]:
    """hits_and_lemmas of a text already cut into `tokens`."""
    known = lexicon._readings.get
    readings = [known(w) or lexicon.reading(w) for w in words]
    lemmas = [r[0] for r in readings]
    hits: dict[str, int] = defaultdict(int)
    for i, (_, concepts, phrases) in enumerate(readings):
        if not (concepts or phrases):  # most words: neither a term nor the start of one
            continue
        for concept in concepts:
            hits[concept] += 1
        for term in phrases:
            if _phrase_at(term.words, words, lemmas, i):
                hits[term.concept] += 1
    return hits, lemmas


def hits_per_sentence(
    sentences: list[list[str]], lexicon: Lexicon
) -> tuple[list[dict[str, int]], list[str]]:
    """hits_and_lemmas_of each sentence (its tokens), read in one pass rather than one call a
    sentence: the hits of the sentences that have any, in order, and the lemmas of all their
    words. A phrase is looked for within its sentence, as hits_and_lemmas_of does."""
    words = [word for sentence in sentences for word in sentence]
    known = lexicon._readings.get
    readings = [known(w) or lexicon.reading(w) for w in words]
    lemmas = [r[0] for r in readings]
    found: list[dict[str, int]] = []
    ends = list(accumulate(map(len, sentences)))
    current = -1
    for i in [i for i, r in enumerate(readings) if r[1] or r[2]]:  # terms, or their start
        number = bisect_right(ends, i)
        if number != current:
            current, hits, end = number, defaultdict(int), ends[number]
            found.append(hits)
        _, concepts, phrases = readings[i]
        for concept in concepts:
            hits[concept] += 1
        for term in phrases:
            if _phrase_at(term.words, words, lemmas, i, end):
                hits[term.concept] += 1
    return found, lemmas


def _part_matches(part: str, word: str, lemma_: str) -> bool:
    if part.endswith("*"):
        return word.lower().startswith(part[:-1])
    return lemma_ == part or word == part


def _phrase_at(
    phrase: tuple[str, ...],
    words: list[str],
    lemmas: list[str],
    start: int,
    end: int | None = None,
) -> bool:
    """Whether `phrase` is said from words[start] on, before words[end] (the text's end)."""
    position = start
    end = len(words) if end is None else end
    for part in phrase[1:]:
        for step in range(1, PHRASE_GAP + 2):
            j = position + step
            if j < end and _part_matches(part, words[j], lemmas[j]):
                position = j
                break
        else:
            return False
    return True

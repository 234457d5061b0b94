"""Topic relevance: how much an article is about a topic that a TOML file defines.

A topic file (see newswatch/topics/west_russia_talks.toml) holds concept groups of terms in
English, Ukrainian and Russian, and the scoring that combines them. Terms match on lemmas
(simplemma), on prefixes (``путін*``) and as phrases; capitalised short terms are acronyms that
match only in capitals. `score_article` gives each article a relevance in 0..1 per topic, whether
it is on the topic, and which concepts matched where.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from newswatch.language import detect_language
from newswatch.lemmas import lemma

LANGUAGES = ("en", "uk", "ru")
FIELDS = ("title", "lead", "body")
BUNDLED_TOPICS = Path(__file__).parent / "topics"
DEFAULT_TOPIC = BUNDLED_TOPICS / "west_russia_talks.toml"
PHRASE_GAP = 1  # words allowed between two words of a phrase

_TOKEN = re.compile(r"\w+(?:['’ʼ`-]\w+)*", re.UNICODE)
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})


class TopicError(ValueError):
    """A topic file that cannot be used; the message names the file and the problem."""


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.translate(_APOSTROPHES))


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


@dataclass
class Topic:
    name: str
    title: str
    threshold: float
    focus: dict[str, float]
    required: list[str]
    context: dict[str, float]
    distractors: list[str]
    distractor_penalty: float
    weights: dict[str, float]
    terms: dict[str, list[tuple[str, str]]]
    """language -> (concept, term text) as the file writes them."""
    path: Path
    _lexicons: dict[str, Lexicon] = field(default_factory=dict, repr=False)

    @property
    def concepts(self) -> list[str]:
        return sorted({*self.focus, *self.required, *self.context, *self.distractors})

    def lexicon(self, language: str) -> Lexicon:
        """The terms of `language` as the matcher reads them, built at the first article in
        that language: lemmatizing a language's terms loads its dictionary (a second or so),
        which a crawl of one language never needs for the other two."""
        if language not in self._lexicons:
            lexicon = Lexicon(language)
            for concept, text in self.terms[language]:
                lexicon.add(_term(concept, text, language))
            self._lexicons[language] = lexicon
        return self._lexicons[language]


def load_topic(path: str | Path = DEFAULT_TOPIC) -> Topic:
    """Read and check a topic file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TopicError(f"{path}: cannot read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise TopicError(f"{path}: not valid TOML: {error}") from None
    try:
        meta, scoring, concepts = data["topic"], data["scoring"], data["concepts"]
        topic = Topic(
            name=meta["name"],
            title=meta.get("title", meta["name"]),
            threshold=float(meta["threshold"]),
            focus={k: float(v) for k, v in scoring["focus"].items()},
            required=list(scoring.get("required", [])),
            context={k: float(v) for k, v in scoring["context"].items()},
            distractors=list(scoring.get("distractors", [])),
            distractor_penalty=float(scoring.get("distractor_penalty", 0.8)),
            weights={k: float(scoring[k]) for k in ("title", "lead", "body_per_hit", "body_cap")},
            terms={language: [] for language in LANGUAGES},
            path=path,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise TopicError(f"{path}: missing or malformed {error}") from None
    missing = [c for c in topic.concepts if c not in concepts]
    if missing:
        raise TopicError(f"{path}: scoring names concepts that are not defined: {missing}")
    for concept, by_language in concepts.items():
        for language in LANGUAGES:
            for text in by_language.get(language, []):
                if not isinstance(text, str) or not tokens(text.replace("*", " ")):
                    raise TopicError(f"{path}: concept {concept!r} has a {language} term {text!r}")
                topic.terms[language].append((concept, text))
    return topic


def load_topics(paths: list[str | Path] | None) -> list[Topic]:
    """The topics in `paths`; the bundled topic when there are none."""
    return [load_topic(p) for p in (paths or [DEFAULT_TOPIC])]


def _term(concept: str, text: str, language: str) -> Term:
    """A term as the matcher reads it: each word its lemma, a word ending in "*" a lower-case
    prefix (kept with its "*" in a phrase), a short capitalised word an acronym."""
    parts = text.strip().translate(_APOSTROPHES).split()
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


@dataclass
class TopicScore:
    topic: str
    relevance: float
    on_topic: bool
    matched: dict[str, dict[str, int]]
    """concept -> {field: hits} for every concept that matched."""


def _field_hits(text: str, lexicon: Lexicon) -> dict[str, int]:
    words = tokens(text)
    readings = [lexicon.reading(w) for w in words]
    lemmas = [r[0] for r in readings]
    hits: dict[str, int] = defaultdict(int)
    for i, (_, concepts, phrases) in enumerate(readings):
        for concept in concepts:
            hits[concept] += 1
        for term in phrases:
            if _phrase_at(term.words, words, lemmas, i):
                hits[term.concept] += 1
    return hits


def _part_matches(part: str, word: str, lemma_: str) -> bool:
    if part.endswith("*"):
        return word.lower().startswith(part[:-1])
    return lemma_ == part or word == part


def _phrase_at(phrase: tuple[str, ...], words: list[str], lemmas: list[str], start: int) -> bool:
    position = start
    for part in phrase[1:]:
        for step in range(1, PHRASE_GAP + 2):
            j = position + step
            if j < len(words) and _part_matches(part, words[j], lemmas[j]):
                position = j
                break
        else:
            return False
    return True


def _split_fields(title: str | None, lead: str | None, text: str) -> dict[str, str]:
    """Title, lead and body. A text with no title (a seed file) is read as the seed format
    writes it: its first line is the title, the next ~300 characters stand for the lead."""
    if title:
        return {"title": title, "lead": lead or "", "body": text}
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[0] if lines and len(lines[0]) <= 200 else ""
    rest = text[text.find(first) + len(first) :] if first else text
    return {"title": first, "lead": (lead or "") + " " + rest[:300], "body": rest[300:]}


def score_text(
    topic: Topic, *, title: str | None, lead: str | None, text: str, language: str | None
) -> TopicScore:
    """How relevant the article is to `topic`."""
    fields = _split_fields(title, lead, text or "")
    if language not in LANGUAGES:
        language = detect_language(" ".join(fields.values()))
    # A text in none of the topic's languages (Arabic, say) is read with the English terms.
    lexicon = topic.lexicon(language if language in LANGUAGES else "en")
    matched: dict[str, dict[str, int]] = defaultdict(dict)
    for name, value in fields.items():
        for concept, count in _field_hits(value, lexicon).items():
            matched[concept][name] = count
    w = topic.weights

    def prominence(concept: str) -> float:
        found = matched.get(concept, {})
        return max(
            w["title"] if found.get("title") else 0.0,
            w["lead"] if found.get("lead") else 0.0,
            min(w["body_cap"], w["body_per_hit"] * found.get("body", 0)),
        )

    def presence(concept: str) -> float:
        found = matched.get(concept, {})
        if found.get("title") or found.get("lead"):
            return 1.0
        return min(1.0, found.get("body", 0) / 2)

    focus = max((factor * prominence(c) for c, factor in topic.focus.items()), default=0.0)
    required = math.prod(presence(c) for c in topic.required)
    context = math.prod(1.0 - weight * (1.0 - presence(c)) for c, weight in topic.context.items())
    distraction = max((prominence(c) for c in topic.distractors), default=0.0)
    relevance = focus * required * context - topic.distractor_penalty * max(
        0.0, distraction - focus
    )
    relevance = round(min(1.0, max(0.0, relevance)), 4)
    if math.isnan(relevance):
        relevance = 0.0
    return TopicScore(topic.name, relevance, relevance >= topic.threshold, dict(matched))

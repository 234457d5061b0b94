"""A topic as its TOML file defines it: concept groups of terms in English, Ukrainian and
Russian, the hand-set scoring that combines them (`newswatch.topic.rules`), and, when a model
file lies beside it (`<topic>.model.json`, written by `newswatch topic fit`), the fitted model
that scores articles instead (`newswatch.topic.model`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from newswatch.safe_files import read_regular_text
from newswatch.topic.lexicon import LANGUAGES, Lexicon, make_term, tokens
from newswatch.topic.model import TopicModel, load_model, model_path

BUNDLED_TOPICS = Path(__file__).resolve().parent.parent / "topics"
DEFAULT_TOPIC = BUNDLED_TOPICS / "west_russia_talks.toml"
RESERVED = frozenset({"features"})  # keys of `matched` that are not concepts


class TopicError(ValueError):
    """A topic file that cannot be used; the message names the file and the problem."""


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
    model: TopicModel | None = None
    """The fitted model that scores articles, when the topic has one; else the rules do."""
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
                lexicon.add(make_term(concept, text, language))
            self._lexicons[language] = lexicon
        return self._lexicons[language]


def load_topic(path: str | Path = DEFAULT_TOPIC, *, use_model: bool = True) -> Topic:
    """Read and check a topic file, with its model when one lies beside it (and
    `use_model`)."""
    path = Path(path)
    try:
        data = tomllib.loads(read_regular_text(path, "utf-8"))
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
    reserved = RESERVED & set(concepts)
    if reserved:
        raise TopicError(f"{path}: these names are reserved, not concepts: {sorted(reserved)}")
    topic.model = load_topic_model(path, set(concepts)) if use_model else None
    return topic


def load_topic_model(path: Path, defined: set[str]) -> TopicModel | None:
    """The model beside the topic file `path`, if there is one; refused when it weighs
    concepts that the topic (whose concepts are `defined`) no longer has."""
    found = model_path(path)
    if not found.exists():
        return None
    try:
        model = load_model(found)
    except ValueError as error:
        raise TopicError(str(error)) from None
    weighed = {
        name.split("@")[0]
        for name in model.weights
        if "@" in name and not name.startswith(("talks+", "ngram:"))
    }
    if weighed - defined:
        raise TopicError(
            f"{found}: fitted for concepts the topic no longer has ({sorted(weighed - defined)});"
            f" fit it again: newswatch topic fit {path} --labels ..."
        )
    return model


def load_topics(paths: list[str | Path] | None) -> list[Topic]:
    """The topics in `paths`; the bundled topic when there are none."""
    return [load_topic(p) for p in (paths or [DEFAULT_TOPIC])]


@dataclass
class TopicScore:
    topic: str
    relevance: float
    on_topic: bool
    matched: dict[str, dict[str, int]]
    """concept -> {field: hits} for every concept that matched."""

    features: dict[str, float] = field(default_factory=dict)
    """The features that moved the model's score most (log-odds), when a model scored it."""

    @property
    def explained(self) -> dict:
        """What `matched` stores: the concepts that matched where and, under "features", the
        features that moved the model's score most."""
        if not self.features:
            return self.matched
        return {**self.matched, "features": self.features}

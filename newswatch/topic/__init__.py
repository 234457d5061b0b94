"""Topic relevance: how much an article is about a topic that a TOML file defines.

- `definition`: the topic file (concepts, terms, hand-set scoring) and its model, if fitted;
- `lexicon`: matching the terms in a text (lemmas, prefixes, phrases, acronyms);
- `rules`: the topic file's hand-set scoring;
- `features`: what a model reads in an article, as named features;
- `model`: the fitted model (logistic regression), its file, and its fit;
- `labels`, `fitting`: labelled articles read from files, and `newswatch topic fit`.

`score_text` gives an article's relevance (0..1) to a topic, whether it is on the topic, which
concepts matched where and, when a model scored it, the features that moved the score most.
"""

from __future__ import annotations

from newswatch.topic.definition import (
    BUNDLED_TOPICS,
    DEFAULT_TOPIC,
    Topic,
    TopicError,
    TopicScore,
    load_topic,
    load_topics,
)
from newswatch.topic.features import article_features
from newswatch.topic.lexicon import (
    FIELDS,
    LANGUAGES,
    Lexicon,
    field_hits,
    reading_language,
    tokens,
)
from newswatch.topic.rules import rules_score

__all__ = [
    "BUNDLED_TOPICS",
    "DEFAULT_TOPIC",
    "FIELDS",
    "LANGUAGES",
    "Lexicon",
    "Topic",
    "TopicError",
    "TopicScore",
    "field_hits",
    "load_topic",
    "load_topics",
    "rules_score",
    "judge_article",
    "score_text",
    "tokens",
]


def score_text(
    topic: Topic,
    *,
    title: str | None,
    lead: str | None,
    text: str,
    language: str | None,
    date: str | None = None,
) -> TopicScore:
    """How relevant the article is to `topic`: by its model when it has one, else by its
    rules. `date` (YYYY-MM-DD) is one of the model's features."""
    if topic.model is None:
        return rules_score(topic, title=title, lead=lead, text=text, language=language)
    x, matched = article_features(
        topic, title=title, lead=lead, text=text or "", language=language, date=date
    )
    probability = topic.model.probability(x)
    return TopicScore(
        topic.name,
        round(probability, 4),
        probability >= topic.model.threshold,
        matched,
        topic.model.explain(x),
    )


def judge_article(article, topics: list[Topic]) -> None:
    """Score `article` (an Article) against every topic and set what the store keeps of it:
    `topics` (each topic's relevance and on_topic), `matched`, `relevance` (the best) and
    `on_topic` (on any topic). The crawl's TopicPipeline and `newswatch rescore` both judge
    articles here."""
    # The language is detected once (when the article's own is none the topics know), not
    # again for each topic.
    language = article.language
    if language not in LANGUAGES:  # (reading_language keeps one of them as it is)
        text = " ".join(filter(None, (article.title, article.lead, article.text)))
        language = reading_language(language, text)
    scores = [
        score_text(
            topic,
            title=article.title,
            lead=article.lead,
            text=article.text,
            language=language,
            date=article.date,
        )
        for topic in topics
    ]
    article.topics = {s.topic: {"relevance": s.relevance, "on_topic": s.on_topic} for s in scores}
    article.matched = {s.topic: s.explained for s in scores}
    article.relevance = max(s.relevance for s in scores)
    article.on_topic = any(s.on_topic for s in scores)

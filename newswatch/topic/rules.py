"""The topic file's own scoring, set by hand (see the comments in the bundled topic file):
focus concepts prominent, required concepts present, context mentioned, no distractor more
prominent than the focus. Used when a topic has no fitted model, and as one feature of it.
"""

from __future__ import annotations

import math
from collections import defaultdict

from newswatch.topic.definition import Topic, TopicScore
from newswatch.topic.lexicon import field_hits, reading_language


def split_fields(title: str | None, lead: str | None, text: str) -> dict[str, str]:
    """Title, lead and body. A text with no title (a seed file) is read as the seed format
    writes it: its first line is the title, the next ~300 characters stand for the lead."""
    if title:
        return {"title": title, "lead": lead or "", "body": text}
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[0] if lines and len(lines[0]) <= 200 else ""
    rest = text[text.find(first) + len(first) :] if first else text
    return {"title": first, "lead": (lead or "") + " " + rest[:300], "body": rest[300:]}


def rules_score(
    topic: Topic, *, title: str | None, lead: str | None, text: str, language: str | None
) -> TopicScore:
    """How relevant the article is to `topic`, by the topic file's rules."""
    fields = split_fields(title, lead, text or "")
    lexicon = topic.lexicon(reading_language(language, " ".join(fields.values())))
    matched: dict[str, dict[str, int]] = defaultdict(dict)
    for name, value in fields.items():
        for concept, count in field_hits(value, lexicon).items():
            matched[concept][name] = count
    return TopicScore(topic.name, *_judge(topic, matched), {c: matched[c] for c in sorted(matched)})


def rules_relevance(topic: Topic, matched: dict[str, dict[str, int]]) -> float:
    """The rules' relevance of an article whose concepts matched as `matched`."""
    return _judge(topic, matched)[0]


def _judge(topic: Topic, matched: dict[str, dict[str, int]]) -> tuple[float, bool]:
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
    return relevance, relevance >= topic.threshold

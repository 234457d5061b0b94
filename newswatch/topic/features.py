"""What a topic model reads in an article: named, interpretable features. Pure functions.

The topic file's concepts (talks, the two parties, the war, and the look-alike subjects) are
matched as `newswatch.topic.lexicon` matches them, and measured where a reader would look for an
article's main subject:

- `<concept>@title`, `<concept>@lead`: the concept is named in the headline / the opening;
- `<concept>@body`: how often in the body (log of 1 + hits), `<concept>@density`: hits per
  100 words, so that a passing mention in a long text weighs less than a text about it;
- `talks+parties@sentences`: sentences where talks (or peace, or a contact) meet *both*
  parties, and the share of such sentences; the same with the war named too;
- `title_about_talks`, `lead_about_talks`: the headline names talks or peace with a party, the
  lead names them with both;
- `dated_before_2022-02-24`, `latest_year_before_2022`, `mentions_2022_or_later`: the date and
  the years a text mentions (diplomacy before the full-scale invasion is another story);
- `rules`: the relevance the topic file's own rules give (see `newswatch.topic.rules`);
- `log_words`; lemma unigrams and bigrams of the title and lead (`ngram:<lemma> <lemma>`)
  and lemma unigrams of the body (`ngram:body:<lemma>`), in the article's language.

Every name is a string a person can read in `matched`, with how much it moved the score.
"""

from __future__ import annotations

import math
import re

from newswatch.topic.definition import Topic
from newswatch.topic.lexicon import (
    LANGUAGES,
    TOKEN,
    hits_and_lemmas,
    hits_per_sentence,
    one_apostrophe,
    reading_language,
)
from newswatch.topic.rules import rules_relevance

INVASION = "2022-02-24"
LEAD_CHARS = 400
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_YEAR = re.compile(r"\b(20[0-3]\d)\b")
TALKS_LIKE = ("talks", "peace", "contact")  # concepts that say two sides are talking


def article_fields(title: str | None, lead: str | None, text: str) -> dict[str, str]:
    """Title, lead and body as a reader finds them. Without a title (a seed file, a page whose
    headline was not told apart), the title is the first line of 5 to 30 words that the page
    repeats (a saved page shows its headline in the page and again in the article), else the
    first line of 5 to 30 words. Without a lead, the lead is the first two paragraphs of eight
    words or more after the title (menus, bylines and captions are shorter), up to
    LEAD_CHARS. The body is the text as a page shows it: with the lead (a crawled article's
    text comes without it), without the headline's lines (they count as the title)."""
    text = text or ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not title:
        candidates = [line for line in lines if 5 <= len(line.split()) <= 30]
        seen: set[str] = set()
        repeated = None
        for line in candidates:
            if line in seen:
                repeated = line
                break
            seen.add(line)
        title = repeated or (candidates[0] if candidates else "")
    if not lead:
        after = lines[lines.index(title) + 1 :] if title in lines else lines
        paragraphs = [p for p in after if len(p.split()) >= 8 and p != title]
        lead = " ".join(paragraphs[:2])[:LEAD_CHARS]
    elif lead.strip()[:80] not in text:
        # A crawled article's text starts after its lead; a page's text holds it: the body is
        # read as the page shows it either way.
        text = lead.strip() + "\n\n" + text
    # The headline counts once, as the title, however often the page repeats it.
    body = "\n".join(line for line in text.splitlines() if line.strip() != title.strip())
    if not body.strip():  # a headline alone (a flash): it is its own body
        body = text
    return {"title": title, "lead": lead, "body": body}


_BODY_NGRAMS: dict[str, str | None] = {}  # a body's lemma -> its feature, once per lemma


def _body_ngram(lemma: str) -> str | None:
    """The feature of a lemma of the body: `ngram:body:<lemma>`, for words of three letters or
    more; None for shorter ones and numbers."""
    word = lemma.lower()
    name = f"ngram:body:{word}" if len(word) > 2 and not word.isdigit() else None
    if len(_BODY_NGRAMS) < 100_000:
        _BODY_NGRAMS[lemma] = name
    return name


def lemma_ngrams(lemmas: list[str]) -> set[str]:
    """Unigrams and bigrams of `lemmas`, of words of three letters or more."""
    kept = [w.lower() for w in lemmas if len(w) > 2 and not w.isdigit()]
    grams = {f"ngram:{w}" for w in kept}
    grams.update(f"ngram:{a} {b}" for a, b in zip(kept, kept[1:], strict=False))
    return grams


def article_features(
    topic: Topic,
    *,
    title: str | None,
    lead: str | None,
    text: str,
    language: str | None,
    date: str | None = None,
) -> tuple[dict[str, float], dict[str, dict[str, int]]]:
    """The features of one article (name -> value; absent means 0), and which concepts matched
    where ({concept: {field: hits}}, as `TopicScore.matched`)."""
    fields = article_fields(title, lead, text)
    if language not in LANGUAGES:  # (reading_language keeps one of them as it is)
        language = reading_language(language, " ".join(fields.values()))
    lexicon = topic.lexicon(language)
    matched: dict[str, dict[str, int]] = {}
    title_hits, title_lemmas = hits_and_lemmas(fields["title"], lexicon)
    lead_hits, lead_lemmas = hits_and_lemmas(fields["lead"], lexicon)
    for name, hits in (("title", title_hits), ("lead", lead_hits)):
        for concept, count in hits.items():
            matched.setdefault(concept, {})[name] = count
    together = together_war = 0
    body_hits: dict[str, int] = {}
    # The apostrophes of the whole body brought to one at once (as `tokens` does to each
    # sentence): the sentence breaks are white space, which that leaves as it is.
    sentences = [s for s in _SENTENCE.split(one_apostrophe(fields["body"])) if s.strip()]
    per_sentence, lemmas = hits_per_sentence([TOKEN.findall(s) for s in sentences], lexicon)
    body_words = set(lemmas)
    words = 1 + len(lemmas)
    for hits in per_sentence:
        for concept, count in hits.items():
            body_hits[concept] = body_hits.get(concept, 0) + count
    for hits in (title_hits, *per_sentence):  # sentences with no hit cannot count
        if hits.get("russia") and hits.get("west") and any(hits.get(c) for c in TALKS_LIKE):
            together += 1
            together_war += bool(hits.get("war"))
    for concept, count in body_hits.items():
        matched.setdefault(concept, {})["body"] = count
    x: dict[str, float] = {}
    for concept, where in matched.items():
        if where.get("title"):
            x[f"{concept}@title"] = 1.0
        if where.get("lead"):
            x[f"{concept}@lead"] = 1.0
    for concept, count in body_hits.items():
        x[f"{concept}@body"] = math.log1p(count)
        x[f"{concept}@density"] = min(5.0, 100.0 * count / words)
    x["talks+parties@sentences"] = math.log1p(together)
    x["talks+parties+war@sentences"] = math.log1p(together_war)
    # Of the sentences, not of menu items, bylines and captions (short lines a page adds).
    x["talks+parties@share"] = together / (1 + sum(len(s.split()) >= 5 for s in sentences))
    x["title_about_talks"] = float(
        any(title_hits.get(c) for c in ("talks", "peace"))
        and bool(title_hits.get("russia") or title_hits.get("west"))
    )
    x["lead_about_talks"] = float(
        any(lead_hits.get(c) for c in ("talks", "peace"))
        and bool(lead_hits.get("russia"))
        and bool(lead_hits.get("west"))
    )
    years = [int(y) for y in _YEAR.findall(fields["title"] + " " + fields["body"])]
    x["dated_before_2022-02-24"] = float(bool(date) and date < INVASION)
    x["latest_year_before_2022"] = float(bool(years) and max(years) < 2022)
    x["mentions_2022_or_later"] = float(any(y >= 2022 for y in years))
    x["rules"] = rules_relevance(topic, matched)
    x["log_words"] = math.log(words)
    for gram in lemma_ngrams(title_lemmas) | lemma_ngrams(lead_lemmas):
        x[gram] = 1.0
    for word in body_words:
        name = _BODY_NGRAMS.get(word, False)
        if name is False:
            name = _body_ngram(word)
        if name:
            x[name] = 1.0
    # Sorted, so that the same article always gives the same `matched` (a word of two concepts
    # yields them in set order, which differs between processes).
    return {k: v for k, v in x.items() if v}, {c: matched[c] for c in sorted(matched)}

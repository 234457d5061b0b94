"""Story linking against the stored stories, inside the save transaction.

An article joins a story on evidence shared with the story's own reports, never through one
intermediate report:

- **Editions**: an article in another language that its outlet names as the same article
  (hreflang alternates of the page or the sitemap, a language switcher, an article id the
  outlet's editions share) joins that edition's story, whichever edition was stored first.
- **Reports**: otherwise the candidate stories are those of stored reports sharing its rarest
  features (names and numbers in any language, topical words in its own; `story_features`).
  The article is compared with each candidate story's reports (its originals, up to
  MAX_REPORTS, first published first) and joins the story whose mean similarity
  (`report_similarity`) is highest, if that mean reaches `LinkRules.score` (an undated
  article: `score_undated`), the mean on title and lead alone reaches `score_prominent`, and
  the article is that alike to the story's first report or to more than half of its reports.
  A report alike to one member and unlike the others stays out: stories do not chain.
- **Window**: a dated article is compared only with stories whose first report was published
  within `window_days` of it: a story does not creep forward report by report.
- **Undated reports are no evidence**: the reports compared are the dated ones, so an undated
  article may join a story but never draws another report into it, and since an article joins
  one story and stories never merge, it bridges none. A story with no dated report yet (an
  undated article met first) is compared, for undated articles only, with its first report.

Every lookup is indexed and capped (MAX_FEATURES looked up, MAX_FEATURE_ROWS read, MAX_STORIES
stories of MAX_REPORTS reports compared), so the cost stays flat as the store grows.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from functools import lru_cache

from sqlite_utils import Database

from newswatch.dedup import ComparedReport, Fingerprint, prominent
from newswatch.items import Article
from newswatch.keys import canonical_url, edition_key
from newswatch.store.rules import DEFAULT_RULES, LinkRules

MAX_FEATURES = 30  # the rarest features of an article are the ones looked up
COMMON_SHARE = 0.05  # a feature in more of the store than this is too common to look up ...
COMMON_MIN_STORE = 200  # ... once the store has this many articles
MAX_FEATURE_ROWS = 5000  # rows of story_anchors read to find candidates, at most
MAX_STORIES = 6  # candidate stories compared
MAX_REPORTS = 8  # reports of a story compared (the first published)
TOTAL = "__articles__"  # the anchor_counts row that counts the articles


def story_of(db: Database, article_id: str) -> str:
    """The story the stored article `article_id` belongs to."""
    return db.execute(
        "SELECT coalesce(story_id, id) FROM articles WHERE id = ?", [article_id]
    ).fetchone()[0]


# --- editions ------------------------------------------------------------------------------------


def edition_keys(article: Article) -> tuple[set[str], set[str]]:
    """The keys that name `article` (its canonical URL, the id its editions share) and those
    that name its other editions (their canonical URLs, the shared id)."""
    own, others = set(), set()
    for url in filter(None, (article.canonical_url, article.url)):
        own.add(canonical_url(url))
        if shared := edition_key(url):
            own.add(shared)
            others.add(shared)
    others |= {canonical_url(url) for url in article.alternates or [] if url}
    return own, others - {canonical_url(article.canonical_url or article.url or "")}


def find_edition(db: Database, article: Article) -> str | None:
    """The story of a stored edition of `article` in another language, or None."""
    own, others = edition_keys(article)
    if not own and not others:
        return None
    found = db.execute(
        "SELECT e.article_id FROM edition_keys e JOIN articles a ON a.id = e.article_id "
        f"WHERE ((e.own = 1 AND e.key IN ({','.join('?' * len(others))})) "
        f"OR (e.own = 0 AND e.key IN ({','.join('?' * len(own))}))) "
        "AND e.article_id != ? AND a.language IS NOT ? "
        "ORDER BY a.first_seen, a.id LIMIT 1",
        [*others, *own, article.id, article.language],
    ).fetchone()
    return story_of(db, found[0]) if found else None


def index_editions(db: Database, article: Article, update: bool) -> None:
    """Record the edition keys of `article` (replacing its earlier ones on an `update`)."""
    own, others = edition_keys(article)
    if update:
        db.conn.execute("DELETE FROM edition_keys WHERE article_id = ?", [article.id])
    db.conn.executemany(
        "INSERT INTO edition_keys (key, article_id, own) VALUES (?, ?, ?)",
        [(key, article.id, 1) for key in sorted(own)]
        + [(key, article.id, 0) for key in sorted(others)],
    )


# --- reports -------------------------------------------------------------------------------------


def rarity(db: Database, features, floor: float = 1.0) -> tuple[dict[str, float], int]:
    """Each feature weighted by how rare it is in the store (inverse document frequency, plus
    `floor`: the weight of a feature every article has), and how many articles the store
    holds."""
    features = list(features)
    counts: dict[str, int] = {}
    for start in range(0, len(features) + 1, 900):  # SQLite's limit on parameters
        chunk = features[start : start + 900]
        counts.update(
            db.execute(
                f"SELECT anchor, articles FROM anchor_counts WHERE anchor IN "
                f"({','.join('?' * (len(chunk) + 1))})",
                [*chunk, TOTAL],
            ).fetchall()
        )
    stored = counts.pop(TOTAL, 0)
    total = stored + 1
    return {f: math.log((total + 1) / (counts.get(f, 0) + 1)) + floor for f in features}, stored


def _candidate_stories(
    db: Database, article: Article, features: dict[str, float], rules: LinkRules
) -> tuple[list[str], dict[str, float]]:
    """Stories of stored reports sharing the rarest features of the article's title and lead
    with their titles and leads (dated reports within twice the window when the article is
    dated), the most shared first; and the rarity of the article's features."""
    weights, stored = rarity(db, features, rules.idf_floor)
    # A feature in a large share of a large store (Putin, Trump in this monitor) tells no story
    # from another and would make the lookup grow with the store: it is not looked up.
    common = math.log(1 / COMMON_SHARE) + rules.idf_floor if stored >= COMMON_MIN_STORE else 0.0
    rarest = sorted(
        (f for f in prominent(features) if weights[f] >= common),
        key=lambda f: -weights[f] * features[f],
    )[:MAX_FEATURES]
    if not rarest:
        return [], weights
    where, params = [f"s.anchor IN ({','.join('?' * len(rarest))})"], list(rarest)
    if article.date:
        day = date.fromisoformat(article.date)
        span = timedelta(days=2 * rules.window_days)
        where.append("s.day BETWEEN ? AND ?")
        params += [(day - span).isoformat(), (day + span).isoformat()]
    shared: dict[str, float] = {}
    looked_up = {f: (weights[f], features[f]) for f in rarest}
    # The rows come in the order story_anchors gives them (the sums and ties below follow
    # it): CROSS JOIN keeps SQLite from ever reading `articles` first.
    for story, feature, weight in db.execute(
        "SELECT coalesce(a.story_id, a.id), s.anchor, s.weight FROM (SELECT anchor, article_id, "
        f"weight FROM story_anchors s WHERE {' AND '.join(where)} LIMIT {MAX_FEATURE_ROWS}) s "
        "CROSS JOIN articles a ON a.id = s.article_id WHERE a.id != ? AND a.duplicate_of IS NULL",
        [*params, article.id],
    ):
        rare, mine = looked_up[feature]
        # rarity * min(weight, mine), added up per story in the order the rows come
        shared[story] = shared.get(story, 0.0) + rare * (weight if weight <= mine else mine)
    return sorted(shared, key=lambda s: -shared[s])[:MAX_STORIES], weights


def _reports(db: Database, story: str, dated: bool) -> list[tuple[str, str, str | None]]:
    """(id, language, date) of the story's reports that count as evidence: its dated originals,
    first published first; for an undated article, a story with none offers its first report."""
    rows = db.execute(
        "SELECT id, language, date FROM articles WHERE story_id = ? AND duplicate_of IS NULL "
        f"AND date IS NOT NULL ORDER BY date, first_seen, id LIMIT {MAX_REPORTS}",
        [story],
    ).fetchall()
    if rows or dated:
        return rows
    return db.execute("SELECT id, language, date FROM articles WHERE id = ?", [story]).fetchall()


@lru_cache(maxsize=1024)
def stored_features(text: str | None) -> dict[str, float]:
    """A report's features as article_fingerprints.features stores them (JSON), parsed. A
    story's first reports are compared with article after article, so the parsed features are
    remembered, by the stored text itself: a report whose features change has another text,
    so what is remembered is never out of date. Callers do not change the dict. (About 8 KB
    an entry with its text; 1,024 entries hold the first reports of 128 stories.)"""
    return json.loads(text or "{}")


def find_story(
    db: Database, article: Article, fp: Fingerprint, rules: LinkRules = DEFAULT_RULES
) -> str | None:
    """The stored story `article` reports on, or None (see the module's rules)."""
    mine = fp.features
    if not mine:
        return None
    stories, weights = _candidate_stories(db, article, mine, rules)
    evidence = {story: _reports(db, story, bool(article.date)) for story in stories}
    if article.date:
        day = date.fromisoformat(article.date)
        evidence = {
            story: reports
            for story, reports in evidence.items()
            if reports and abs((date.fromisoformat(reports[0][2]) - day).days) <= rules.window_days
        }
    ids = [r[0] for reports in evidence.values() for r in reports]
    if not ids:
        return None
    theirs: dict[str, dict[str, float]] = {
        report: stored_features(features)
        for report, features in db.execute(
            "SELECT article_id, features FROM article_fingerprints WHERE article_id IN "
            f"({','.join('?' * len(ids))})",
            ids,
        )
    }
    # The rarity of the reports' features that the article does not have (its own is known).
    weights.update(rarity(db, set().union(*theirs.values()) - set(mine), rules.idf_floor)[0])
    needed = rules.score if article.date else rules.score_undated
    best, best_score = None, needed
    # Each side's views and norms worked out once (report_similarity's arithmetic).
    compared = ComparedReport(mine, weights)
    reports_compared = {report: ComparedReport(f, weights) for report, f in theirs.items()}
    nothing = ComparedReport({}, weights)
    for story, reports in evidence.items():
        others = [
            (reports_compared.get(report, nothing), language == article.language)
            for report, language, _ in reports
        ]
        scores = [compared.similarity(other, same) for other, same in others]
        score = sum(scores) / len(scores)
        # Alike to the story's first report, or to most of its reports: not to one of them.
        backed = scores[0] >= needed or 2 * sum(s >= needed for s in scores) > len(scores)
        if not backed or score < best_score:
            continue
        # The mean on title and lead, worked out only for a story that would be the best.
        leads = [compared.similarity(other, same, prominent_only=True) for other, same in others]
        if sum(leads) / len(leads) >= rules.score_prominent:
            best, best_score = story, score
    return best

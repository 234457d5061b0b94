"""De-duplication and story linking against everything stored, inside the save transaction.

Each decision is made while the writer holds the database's write lock, together with the row
it concerns, so two crawls writing at once cannot both miss each other's copy. Every lookup is
an indexed query whose cost does not grow with the store: exact copies by content hash, near
copies by the LSH buckets of the MinHash signature of every original (then verified on the
signatures; copies are not bucketed, so a much-copied story costs no more), at most
MAX_CANDIDATES compared, those sharing the most LSH bands; stories as `newswatch.store.stories`
says.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from newswatch.dates import utc_sort_time
from newswatch.dedup import (
    BANDS,
    Fingerprint,
    fingerprint,
    prominent,
    signature_from_bytes,
    similarity,
)
from newswatch.items import Article
from newswatch.store.rules import DEFAULT_RULES, LinkRules
from newswatch.store.stories import (
    TOTAL,
    find_edition,
    find_story,
    index_editions,
    story_of,
)

MAX_CANDIDATES = 20  # the candidates sharing most LSH bands are the ones compared
_BAND_CANDIDATES = (
    "SELECT article_id FROM minhash_bands WHERE "
    + " OR ".join("(band = ? AND bucket = ?)" for _ in range(BANDS))
    + f" GROUP BY article_id ORDER BY count(*) DESC LIMIT {MAX_CANDIDATES}"
)


def fingerprint_of(article: Article) -> Fingerprint:
    return fingerprint(article.title, article.lead, article.text, article.language)


def find_duplicate(
    db: Database, article: Article, fp: Fingerprint, rules: LinkRules = DEFAULT_RULES
) -> str | None:
    """The original that `article` copies (same language), or None. Never `article` itself
    (an updated article is not a copy of its own copies). A near copy is as alike as
    `rules.near_duplicate`, or `rules.titled_duplicate` when it has the same headline."""
    found = _find_duplicate(db, article, fp, rules)
    return None if found == article.id else found


def _find_duplicate(
    db: Database, article: Article, fp: Fingerprint, rules: LinkRules
) -> str | None:
    exact = db.execute(
        "SELECT coalesce(duplicate_of, id) FROM articles WHERE content_hash = ? AND id != ? "
        "AND language IS ? ORDER BY first_seen, id LIMIT 1",
        [fp.content_hash, article.id, article.language],
    ).fetchone()
    if exact:
        return exact[0]
    params = [v for band, bucket in enumerate(fp.buckets) for v in (band, bucket)]
    candidates = [r[0] for r in db.execute(_BAND_CANDIDATES, params) if r[0] != article.id]
    if fp.title_key:
        candidates += [
            r[0]
            for r in db.execute(
                "SELECT article_id FROM article_fingerprints WHERE title_key = ? "
                f"AND article_id != ? LIMIT {MAX_CANDIDATES}",
                [fp.title_key, article.id],
            )
            if r[0] not in candidates
        ]
    best = None
    marks = ",".join("?" * len(candidates))
    for signature, title_key, language, root, first_seen in db.execute(
        "SELECT f.signature, f.title_key, a.language, coalesce(a.duplicate_of, a.id), "
        "a.first_seen FROM (SELECT article_id, signature, title_key FROM article_fingerprints "
        f"WHERE article_id IN ({marks}) UNION ALL SELECT article_id, signature, NULL FROM "
        f"earlier_signatures WHERE article_id IN ({marks})) f JOIN articles a ON a.id = "
        "f.article_id",
        candidates * 2,
    ):
        if language != article.language:
            continue  # a report in another language is never a duplicate
        needed = (
            rules.titled_duplicate
            if fp.title_key and title_key == fp.title_key
            else rules.near_duplicate
        )
        near = similarity(fp.signature, signature_from_bytes(signature)) >= needed
        if near and (best is None or (first_seen or "", root) < (best[1] or "", best[0])):
            best = (root, first_seen)
    return best[0] if best else None


def index_article(db: Database, article: Article, fp: Fingerprint) -> None:
    """Record the fingerprint of `article` (replacing an earlier one of the same article; the
    LSH buckets of its earlier texts stay)."""
    conn = db.conn
    known = conn.execute(
        "SELECT signature, features FROM article_fingerprints WHERE article_id = ?", [article.id]
    ).fetchone()
    if known:  # an update: its earlier features go
        conn.executemany(
            "UPDATE anchor_counts SET articles = articles - 1 WHERE anchor = ?",
            [(f,) for f in json.loads(known[1] or "{}")],
        )
        conn.execute("DELETE FROM story_anchors WHERE article_id = ?", [article.id])
    if known and not article.duplicate_of and known[0] != fp.signature.tobytes():
        # An original's earlier text, with its buckets (kept below): a copy of what it said
        # before still finds it.
        conn.execute(
            "INSERT INTO earlier_signatures (article_id, signature) VALUES (?, ?)",
            [article.id, known[0]],
        )
    features = sorted(fp.features.items())
    conn.execute(
        "INSERT OR REPLACE INTO article_fingerprints (article_id, signature, day, title_key, "
        "features) VALUES (?, ?, ?, ?, ?)",
        [
            article.id,
            fp.signature.tobytes(),
            article.date,
            fp.title_key,
            json.dumps(dict(features), ensure_ascii=False),
        ],
    )
    if not article.duplicate_of:
        # Only originals are looked up for near copies (a copy would only lead to its
        # original), so a bucket holds one row per original however many copies it has. An
        # updated original keeps the buckets of its earlier texts too: a copy of the text it
        # had still finds it.
        rows = [(band, bucket, article.id) for band, bucket in enumerate(fp.buckets)]
        if known:
            have = set(
                conn.execute(
                    "SELECT band, bucket FROM minhash_bands WHERE article_id = ?", [article.id]
                )
            )
            rows = [row for row in rows if row[:2] not in have]
        conn.executemany(
            "INSERT INTO minhash_bands (band, bucket, article_id) VALUES (?, ?, ?)", rows
        )
    # Only the title's and lead's features are looked up (see stories._candidate_stories).
    conn.executemany(
        "INSERT INTO story_anchors (anchor, day, article_id, weight) VALUES (?, ?, ?, ?)",
        [(f, article.date or "", article.id, w) for f, w in sorted(prominent(fp.features).items())],
    )
    conn.executemany(
        "INSERT INTO anchor_counts (anchor, articles) VALUES (?, 1) "
        "ON CONFLICT(anchor) DO UPDATE SET articles = articles + 1",
        [(f,) for f in [*(f for f, _ in features), *([] if known else [TOTAL])]],
    )
    index_editions(db, article, update=bool(known))


def _published(db: Database, article_id: str) -> str | None:
    row = db.execute("SELECT published_utc FROM articles WHERE id = ?", [article_id]).fetchone()
    return row[0] if row else None


def link(
    db: Database,
    article: Article,
    rules: LinkRules = DEFAULT_RULES,
    *,
    known_story: str | None = None,
) -> tuple[Fingerprint, str | None]:
    """Set `duplicate_of` and `story_id` on `article` from what is stored; return its
    fingerprint (for `index_article` once the row is written) and, when `article` turns out to
    be the original of stored copies (published before the one they point at), that former
    original, which `promote` then makes point at `article`. So the original is the earliest
    published, whichever copy a crawl happened to meet first. `known_story`: the story an
    updated article keeps; no story is looked up then (a copy is still looked for in it)."""
    fp = fingerprint_of(article)
    article.content_hash = fp.content_hash
    duplicate = find_duplicate(db, article, fp, rules)
    story = known_story
    if duplicate is None:
        story = story or find_edition(db, article) or find_story(db, article, fp, rules)
        if story:
            duplicate = _copy_in_story(db, article, fp, story, rules)
    article.duplicate_of = duplicate
    former = None
    if article.duplicate_of and article.published:
        theirs = _published(db, article.duplicate_of)
        mine = utc_sort_time(article.published)
        if theirs and mine and mine < theirs:
            former, article.duplicate_of = article.duplicate_of, None
    if story:  # a copy found in it is of it too
        article.story_id = story
    elif article.duplicate_of or former:
        article.story_id = story_of(db, article.duplicate_of or former)
    else:
        article.story_id = article.id
    return fp, former


def _copy_in_story(
    db: Database, article: Article, fp: Fingerprint, story: str, rules: LinkRules
) -> str | None:
    """The original in `story` that `article` copies: the LSH bands find a copy as alike as
    `rules.near_duplicate` only most of the time (at 0.5, seven times in eight), and a copy is
    always of the same story, whose originals in its language are few."""
    best = None
    for original, signature, first_seen in db.execute(
        "SELECT a.id, f.signature, a.first_seen FROM articles a JOIN article_fingerprints f "
        "ON f.article_id = a.id WHERE a.story_id = ? AND a.duplicate_of IS NULL "
        f"AND a.language IS ? AND a.id != ? LIMIT {MAX_CANDIDATES}",
        [story, article.language, article.id],
    ):
        near = similarity(fp.signature, signature_from_bytes(signature)) >= rules.near_duplicate
        if near and (best is None or (first_seen or "", original) < (best[1] or "", best[0])):
            best = (original, first_seen)
    return best[0] if best else None


def promote(db: Database, original: str, former: str) -> None:
    """`original` (just written) is what `former` and its copies copy."""
    db.execute(
        "UPDATE articles SET duplicate_of = ? WHERE id = ? OR duplicate_of = ?",
        [original, former, former],
    )

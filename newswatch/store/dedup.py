"""De-duplication and story linking against everything stored, inside the save transaction.

Each decision is made while the writer holds the database's write lock, together with the row
it concerns, so two crawls writing at once cannot both miss each other's copy. Every lookup is
an indexed query whose cost does not grow with the store: exact copies by content hash, near
copies by the LSH buckets of the MinHash signature of every original (then verified on the
signatures; copies are not bucketed, so a much-copied story costs no more), stories by
anchors within a few days, weighted by how rare each anchor is (counts kept in anchor_counts);
at most MAX_CANDIDATES are compared, those sharing the most LSH bands or anchors.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from sqlite_utils import Database

from newswatch.dedup import (
    BANDS,
    Fingerprint,
    fingerprint,
    signature_from_bytes,
    similarity,
)
from newswatch.items import Article

NEAR_DUPLICATE = 0.5  # estimated Jaccard similarity of word 3-shingles
STORY_DAYS = 3  # reports of one event are linked within this many days of each other
STORY_SCORE = 0.4  # weighted overlap of the two reports' anchors (see find_story)
STORY_SCORE_UNDATED = 0.55  # the same, when either report has no date
STORY_MIN_SHARED = 3  # anchors in common, at least one of them a name
MAX_ANCHORS = 30  # the rarest anchors of an article are the ones looked up
COMMON_SHARE = 0.05  # an anchor in more of the store than this is too common to look up ...
COMMON_MIN_STORE = 200  # ... once the store has this many articles
MAX_ANCHOR_ROWS = 5000  # rows of story_anchors read for one article, at most
MAX_CANDIDATES = 20  # the candidates sharing most bands / anchors are the ones compared
_TOTAL = "__articles__"


def fingerprint_of(article: Article) -> Fingerprint:
    return fingerprint(article.title, article.lead, article.text)


def find_duplicate(db: Database, article: Article, fp: Fingerprint) -> str | None:
    """The original that `article` copies (same language), or None. Never `article` itself
    (an updated article is not a copy of its own copies)."""
    found = _find_duplicate(db, article, fp)
    return None if found == article.id else found


def _find_duplicate(db: Database, article: Article, fp: Fingerprint) -> str | None:
    exact = db.execute(
        "SELECT coalesce(duplicate_of, id) FROM articles WHERE content_hash = ? AND id != ? "
        "AND language IS ? ORDER BY first_seen, id LIMIT 1",
        [fp.content_hash, article.id, article.language],
    ).fetchone()
    if exact:
        return exact[0]
    placeholders = " OR ".join("(band = ? AND bucket = ?)" for _ in range(BANDS))
    params = [v for band, bucket in enumerate(fp.buckets) for v in (band, bucket)]
    candidates = [
        r[0]
        for r in db.execute(
            f"SELECT article_id FROM minhash_bands WHERE {placeholders} "
            f"GROUP BY article_id ORDER BY count(*) DESC LIMIT {MAX_CANDIDATES}",
            params,
        )
        if r[0] != article.id
    ]
    best = None
    marks = ",".join("?" * len(candidates))
    for signature, language, root, first_seen in db.execute(
        "SELECT f.signature, a.language, coalesce(a.duplicate_of, a.id), a.first_seen FROM ("
        f"SELECT article_id, signature FROM article_fingerprints WHERE article_id IN ({marks}) "
        f"UNION ALL SELECT article_id, signature FROM earlier_signatures WHERE article_id IN "
        f"({marks})) f JOIN articles a ON a.id = f.article_id",
        candidates * 2,
    ):
        if language != article.language:
            continue  # a report in another language is never a duplicate
        near = similarity(fp.signature, signature_from_bytes(signature)) >= NEAR_DUPLICATE
        if near and (best is None or (first_seen or "", root) < (best[1] or "", best[0])):
            best = (root, first_seen)
    return best[0] if best else None


def _weights(db: Database, anchors: set[str]) -> tuple[dict[str, float], int]:
    """Each anchor weighted by how rare it is in the store (inverse document frequency), and
    how many articles the store holds."""
    counts = dict(
        db.execute(
            f"SELECT anchor, articles FROM anchor_counts WHERE anchor IN "
            f"({','.join('?' * (len(anchors) + 1))})",
            [*anchors, _TOTAL],
        ).fetchall()
    )
    stored = counts.pop(_TOTAL, 0)
    total = stored + 1
    weights = {a: math.log((total + 1) / (counts.get(a, 0) + 1)) + 1.0 for a in anchors}
    return weights, stored


def _story_of(db: Database, article_id: str) -> str:
    """The story the stored article `article_id` belongs to."""
    return db.execute(
        "SELECT coalesce(story_id, id) FROM articles WHERE id = ?", [article_id]
    ).fetchone()[0]


def find_story(db: Database, article: Article, fp: Fingerprint) -> str | None:
    """The story of an earlier report of the same event, in any language, or None.

    Candidates share at least STORY_MIN_SHARED anchors (one a name) with the article and, when
    both are dated, were published within STORY_DAYS of it. The measure is the weighted overlap
    of their anchors: the rarity-weighted anchors they share over those of the smaller of the
    two, so that names every story of the topic mentions count little. An undated article must
    clear a higher bar, its content being all the evidence there is."""
    if len(fp.anchors) < STORY_MIN_SHARED:
        return None
    weights, stored = _weights(db, fp.anchors)
    # An anchor in a large share of a large store (Putin, Trump in this monitor) tells no story
    # from another and would make the lookup grow with the store: it is not looked up.
    floor = math.log(1 / COMMON_SHARE) + 1.0 if stored >= COMMON_MIN_STORE else 0.0
    rarest = dict(
        sorted(((a, w) for a, w in weights.items() if w >= floor), key=lambda kv: -kv[1])[
            :MAX_ANCHORS
        ]
    )
    where, params = [f"anchor IN ({','.join('?' * len(rarest))})"], list(rarest)
    day = article.date
    if day:
        start = date.fromisoformat(day)
        where.append("(day IS NULL OR day BETWEEN ? AND ?)")
        params += [
            (start - timedelta(days=STORY_DAYS)).isoformat(),
            (start + timedelta(days=STORY_DAYS)).isoformat(),
        ]
    shared: dict[str, list[str]] = {}
    for candidate, anchor in db.execute(
        f"SELECT article_id, anchor FROM story_anchors WHERE {' AND '.join(where)} "
        f"LIMIT {MAX_ANCHOR_ROWS}",
        params,
    ):
        if candidate != article.id:
            shared.setdefault(candidate, []).append(anchor)
    plausible = sorted(
        (
            (c, a)
            for c, a in shared.items()
            if len(a) >= STORY_MIN_SHARED and any(x.startswith("n:") for x in a)
        ),
        key=lambda ca: -len(ca[1]),
    )[:MAX_CANDIDATES]
    mine = sum(rarest.values())
    ids = [c for c, _ in plausible]
    marks = ",".join("?" * len(ids))
    their_anchors: dict[str, set[str]] = {}
    for candidate, anchor in db.execute(
        f"SELECT article_id, anchor FROM story_anchors WHERE article_id IN ({marks})", ids
    ):
        their_anchors.setdefault(candidate, set()).add(anchor)
    days = dict(
        db.execute(
            f"SELECT article_id, day FROM article_fingerprints WHERE article_id IN ({marks})", ids
        )
    )
    all_weights = _weights(db, set().union(*their_anchors.values()))[0] if their_anchors else {}
    best, best_score = None, 0.0
    for candidate, anchors in plausible:
        theirs = sum(all_weights[a] for a in their_anchors.get(candidate, ()))
        undated = not day or not days.get(candidate)
        score = sum(weights[a] for a in anchors) / max(1e-9, min(mine, theirs or mine))
        needed = STORY_SCORE_UNDATED if undated else STORY_SCORE
        if score >= needed and score > best_score:
            best, best_score = candidate, score
    if best is None:
        return None
    return _story_of(db, best)


def index_article(db: Database, article: Article, fp: Fingerprint) -> None:
    """Record the fingerprint of `article` (replacing an earlier one of the same article; the
    LSH buckets of its earlier texts stay)."""
    conn = db.conn
    known = conn.execute(
        "SELECT signature FROM article_fingerprints WHERE article_id = ?", [article.id]
    ).fetchone()
    if known:  # an update: its earlier anchors go
        old_anchors = conn.execute(
            "SELECT anchor FROM story_anchors WHERE article_id = ?", [article.id]
        ).fetchall()
        conn.executemany(
            "UPDATE anchor_counts SET articles = articles - 1 WHERE anchor = ?", old_anchors
        )
        conn.execute("DELETE FROM story_anchors WHERE article_id = ?", [article.id])
    if known and not article.duplicate_of and known[0] != fp.signature.tobytes():
        # An original's earlier text, with its buckets (kept below): a copy of what it said
        # before still finds it.
        conn.execute(
            "INSERT INTO earlier_signatures (article_id, signature) VALUES (?, ?)",
            [article.id, known[0]],
        )
    conn.execute(
        "INSERT OR REPLACE INTO article_fingerprints (article_id, signature, day) VALUES (?, ?, ?)",
        [article.id, fp.signature.tobytes(), article.date],
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
    anchors = sorted(fp.anchors)
    conn.executemany(
        "INSERT INTO story_anchors (anchor, article_id, day) VALUES (?, ?, ?)",
        [(anchor, article.id, article.date) for anchor in anchors],
    )
    conn.executemany(
        "INSERT INTO anchor_counts (anchor, articles) VALUES (?, 1) "
        "ON CONFLICT(anchor) DO UPDATE SET articles = articles + 1",
        [(a,) for a in [*anchors, *([] if known else [_TOTAL])]],
    )


def _published(db: Database, article_id: str) -> str | None:
    row = db.execute(
        "SELECT datetime(published) FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    return row[0] if row else None


def link(db: Database, article: Article) -> tuple[Fingerprint, str | None]:
    """Set `duplicate_of` and `story_id` on `article` from what is stored; return its
    fingerprint (for `index_article` once the row is written) and, when `article` turns out to
    be the original of stored copies (published before the one they point at), that former
    original, which `promote` then makes point at `article`. So the original is the earliest
    published, whichever copy a crawl happened to meet first."""
    fp = fingerprint_of(article)
    article.content_hash = fp.content_hash
    article.duplicate_of = find_duplicate(db, article, fp)
    former = None
    if article.duplicate_of and article.published:
        theirs = _published(db, article.duplicate_of)
        mine = db.execute("SELECT datetime(?)", [article.published]).fetchone()[0]
        if theirs and mine and mine < theirs:
            former, article.duplicate_of = article.duplicate_of, None
    if article.duplicate_of or former:
        article.story_id = _story_of(db, article.duplicate_of or former)
    else:
        article.story_id = find_story(db, article, fp) or article.id
    return fp, former


def promote(db: Database, original: str, former: str) -> None:
    """`original` (just written) is what `former` and its copies copy."""
    db.execute(
        "UPDATE articles SET duplicate_of = ? WHERE id = ? OR duplicate_of = ?",
        [original, former, former],
    )


def backfill(db: Database) -> None:
    """Fingerprint and link the articles stored before de-duplication existed, oldest first."""
    from newswatch.keys import article_key
    from newswatch.store.articles import row_to_article

    rows = list(db.execute("SELECT * FROM articles ORDER BY first_seen, id"))
    columns = [c[0] for c in db.execute("SELECT * FROM articles LIMIT 0").description]
    for values in rows:
        article = row_to_article(dict(zip(columns, values, strict=True)))
        article.article_key = article_key(article.url) if article.url else None
        fp, _ = link(db, article)
        db["articles"].update(
            article.id,
            {
                "article_key": article.article_key,
                "content_hash": article.content_hash,
                "duplicate_of": article.duplicate_of,
                "story_id": article.story_id,
            },
        )
        index_article(db, article, fp)

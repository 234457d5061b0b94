"""The schema's history, owned by sqlite-utils migrations: one function per change, applied
once each, in order, recorded in `_sqlite_migrations`. Never edit a migration that has shipped;
add a new one. Derived objects (full-text index, indexes, views) are not here but in
`shape.ensure_db_shape`, which re-creates them whenever they are missing or out of date.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("newswatch")


@migrations()
def m001_create_articles(db: Database) -> None:
    db["articles"].create(
        {
            "id": str,
            "url": str,
            "canonical_url": str,
            "outlet": str,
            "language": str,
            "title": str,
            "lead": str,
            "text": str,
            "authors": str,
            "tags": str,
            "section": str,
            "published": str,
            "published_raw": str,
            "date": str,
            "modified": str,
            "image": str,
            "fetched_at": str,
        },
        pk="id",
        not_null={"text"},
        defaults={"authors": "[]", "tags": "[]"},
    )


@migrations()
def m002_article_provenance(db: Database) -> None:
    """Where an article came from (a seed file's name) and when the store first saw it."""
    articles = db["articles"]
    articles.add_column("source_file", str)
    articles.add_column("first_seen", str)
    db.execute("UPDATE articles SET first_seen = fetched_at WHERE first_seen IS NULL")


@migrations()
def m003_article_sources(db: Database) -> None:
    """Which source (JSON-LD, meta, outlet selectors, ...) gave each extracted field."""
    db["articles"].add_column("sources", str, not_null_default="{}")


@migrations()
def m004_http_validators(db: Database) -> None:
    """ETag / Last-Modified of each feed and sitemap, for conditional GET."""
    db["http_validators"].create(
        {"url": str, "etag": str, "last_modified": str, "checked_at": str}, pk="url"
    )


@migrations()
def m005_topic_relevance(db: Database) -> None:
    """Relevance to the watched topics: the best score on the article, each topic's apart."""
    articles = db["articles"]
    articles.add_column("relevance", float)
    articles.add_column("on_topic", int)
    articles.add_column("matched", str, not_null_default="{}")
    articles.add_column("topics", str, not_null_default="{}")
    db["article_topics"].create(
        {"article_id": str, "topic": str, "relevance": float, "on_topic": int},
        pk=("article_id", "topic"),
        foreign_keys=[("article_id", "articles", "id")],
    )


@migrations()
def m006_dedup_and_stories(db: Database) -> None:
    """De-duplication and story linking: keys and links on articles, earlier versions, and the
    fingerprint indexes (LSH bands of MinHash signatures, story anchors with their counts).
    Articles already stored are fingerprinted once every migration is applied (see
    `newswatch.store.migrate`), so that later ones are compared with them."""
    articles = db["articles"]
    for column in ("article_key", "content_hash", "duplicate_of", "story_id"):
        articles.add_column(column, str)
    db["article_versions"].create(
        {
            "article_id": str,
            "version": int,
            "seen_at": str,
            "title": str,
            "lead": str,
            "text": str,
            "content_hash": str,
        },
        pk=("article_id", "version"),
    )
    db["article_fingerprints"].create(
        {"article_id": str, "signature": bytes, "day": str}, pk="article_id"
    )
    db["minhash_bands"].create({"band": int, "bucket": int, "article_id": str})
    db["story_anchors"].create({"anchor": str, "article_id": str, "day": str})
    db["anchor_counts"].create({"anchor": str, "articles": int}, pk="anchor")


@migrations()
def m007_crawls(db: Database) -> None:
    """One row per crawl: what it fetched and stored, and how it ended."""
    db["crawls"].create(
        {
            "id": int,
            "outlet": str,
            "started": str,
            "finished": str,
            "status": str,
            "requests": int,
            "responses": str,
            "articles_new": int,
            "articles_updated": int,
            "articles_duplicate": int,
            "articles_on_topic": int,
            "article_pages": int,
            "no_article": int,
            "missing_fields": str,
            "skipped_known": int,
            "not_modified": int,
            "errors": int,
            "fixtures_saved": int,
            "replay_misses": int,
            "stats": str,
        },
        pk="id",
    )


@migrations()
def m008_search_stems(db: Database) -> None:
    """Word stems of title, lead and text, so that search finds every grammatical case."""
    from newswatch.search import text_stems

    db["articles"].add_column("stems", str)
    for row in list(db.execute("SELECT id, title, lead, text, language FROM articles")):
        article_id, title, lead, text, language = row
        db.execute(
            "UPDATE articles SET stems = ? WHERE id = ?",
            [text_stems(title, lead, text, language), article_id],
        )


@migrations()
def m009_earlier_signatures(db: Database) -> None:
    """The MinHash signatures of an article's earlier texts (it was updated), so that a copy
    of what it said before is still recognised as its copy."""
    db["earlier_signatures"].create({"article_id": str, "signature": bytes})
    db["earlier_signatures"].create_index(["article_id"])


@migrations()
def m010_story_features_and_editions(db: Database) -> None:
    """Stories judged on weighted features. Each article's features with their weights
    (article_fingerprints.features, JSON) and the key of its headline (title_key, which finds a
    copy that keeps it); the features of its title and lead, the ones looked up, in
    story_anchors (day '' when undated), and the count of articles having each feature in
    anchor_counts: both re-made WITHOUT ROWID, so that a row costs one B-tree insert, and
    filled again when the stored articles are re-linked once every migration is applied (see
    `newswatch.store.migrate`). The language editions an outlet names for an article
    (articles.alternates) and the keys that find them (edition_keys: `own` 1 for the
    article's own URL or edition-free id, 0 for an edition it names)."""
    db.execute("DROP TABLE IF EXISTS story_anchors")
    db.execute(
        "CREATE TABLE story_anchors (anchor TEXT NOT NULL, day TEXT NOT NULL, "
        "article_id TEXT NOT NULL, weight REAL NOT NULL, PRIMARY KEY (anchor, day, article_id)) "
        "WITHOUT ROWID"
    )
    db.execute("DROP TABLE IF EXISTS anchor_counts")
    db.execute(
        "CREATE TABLE anchor_counts (anchor TEXT PRIMARY KEY, articles INTEGER NOT NULL) "
        "WITHOUT ROWID"
    )
    fingerprints = db["article_fingerprints"]
    fingerprints.add_column("title_key", str)
    fingerprints.add_column("features", str)
    db["articles"].add_column("alternates", str, not_null_default="[]")
    db["edition_keys"].create({"key": str, "article_id": str, "own": int})


@migrations()
def m011_pending_articles_and_crawl_processes(db: Database) -> None:
    """Nothing lost, nothing hidden. `pending`: the article URLs a listing named that are not
    stored yet (written in the transaction that keeps the listing's validators, removed once
    the article is stored or accounted for; every crawl of the outlet requests them again,
    `tries` counting those crawls). `crawls` gets the process that ran the crawl (`pid`,
    `host`: its row is written at the start, `running`, so that a crawl killed on the way is
    seen as `died`) and the responses refused by blocking (`blocked`, `blocked_reason`)."""
    db["pending"].create(
        {"url": str, "outlet": str, "listed_at": str, "tries": int, "alternates": str},
        pk="url",
        not_null={"outlet", "listed_at"},
        defaults={"tries": 0, "alternates": "[]"},
    )
    crawls = db["crawls"]
    crawls.add_column("pid", int)
    crawls.add_column("host", str)
    crawls.add_column("blocked", int)
    crawls.add_column("blocked_reason", str)


@migrations()
def m012_published_utc(db: Database) -> None:
    """The publication time in UTC (`YYYY-MM-DD HH:MM:SS`, SQLite's `datetime()`), to sort on:
    ISO strings with different UTC offsets do not sort in time order. Filled here for the rows
    stored before it; the store writes it with every article (`newswatch.dates.utc_sort_time`)."""
    db["articles"].add_column("published_utc", str)
    db.execute("UPDATE articles SET published_utc = datetime(published)")


@migrations()
def m013_clean_stored_text(db: Database) -> None:
    """Text stored before newswatch cleaned it where it enters (newswatch.cleaning): control
    characters and non-characters removed from every text column of the stored articles (one
    in a title made the Atom feed fail). Only the rows that hold one are read and written."""
    from newswatch.cleaning import clean_text

    columns = [c.name for c in db["articles"].columns if c.type == "TEXT" and c.name != "id"]

    def unclean(value) -> bool:
        return isinstance(value, str) and clean_text(value) is not value

    db.register_function(unclean, name="nw_unclean", replace=True)
    where = " OR ".join(f"nw_unclean([{name}])" for name in columns)
    for (article_id,) in list(db.execute(f"SELECT id FROM articles WHERE {where}")):
        row = db["articles"].get(article_id)
        db["articles"].update(
            article_id, {name: clean_text(row[name]) for name in columns if unclean(row[name])}
        )


@migrations()
def m014_seed_documents(db: Database) -> None:
    """`source_kind`: 'seed' marks the seed documents a new store received first. The bundled
    seeds stored before it (untitled rows of no outlet, by their file name) are marked and
    described from their text (newswatch.seeds.describe_seed); `migrate` links them again."""
    from newswatch.keys import article_key, canonical_url
    from newswatch.seedfile import iter_seed_paths
    from newswatch.seeds import bundled_seeds_dir, describe_seed
    from newswatch.store.rows import article_to_row, row_to_article

    db["articles"].add_column("source_kind", str)
    names = [path.name for path, _ in iter_seed_paths([bundled_seeds_dir()])]
    if not names:
        return
    rows = db.execute(
        f"SELECT * FROM articles WHERE url IS NULL AND source_file IN "
        f"({', '.join('?' * len(names))})",
        names,
    )
    columns = [c[0] for c in rows.description]
    for values in rows.fetchall():
        seed = describe_seed(row_to_article(dict(zip(columns, values, strict=True))))
        seed.canonical_url = canonical_url(seed.canonical_url) if seed.canonical_url else None
        # As normalise_article keys it in a new store: found under an edited slug too.
        seed.article_key = article_key(seed.canonical_url) if seed.canonical_url else None
        row = article_to_row(seed)
        described = ("source_kind", "canonical_url", "article_key", "outlet", "title", "stems")
        db["articles"].update(seed.id, {name: row[name] for name in described})


@migrations()
def m015_alerts(db: Database) -> None:
    """Alerts (newswatch.alerts). `alert_channels`: when each channel of the alerts file was
    first seen (`set_up`): only stories first seen after it are alerted, so that a backfilled
    store does not flood it. `alerts`: one row per story per message sent to a channel, written
    `pending` BEFORE it is sent and updated after (`sent`, or `failed` with the reason in
    `result` and the next try in `next_try`, attempts counted). `outlets` and `languages` are
    the story's at the time; unique per (channel, story, kind, outlets, languages), so the same
    alert is never recorded, hence never sent, twice. `message` groups the rows sent together
    (the stories of one digest)."""
    db.execute(
        "CREATE TABLE [alert_channels] ([channel] TEXT PRIMARY KEY, [set_up] TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE [alerts] ("
        "[id] INTEGER PRIMARY KEY, [channel] TEXT NOT NULL, [story_id] TEXT, "
        "[kind] TEXT NOT NULL CHECK ([kind] IN ('new', 'update', 'digest', 'test')), "
        "[outlets] TEXT NOT NULL DEFAULT '', [languages] TEXT NOT NULL DEFAULT '', "
        "[message] TEXT NOT NULL, "
        "[state] TEXT NOT NULL DEFAULT 'pending' "
        "CHECK ([state] IN ('pending', 'sent', 'failed')), "
        "[attempts] INTEGER NOT NULL DEFAULT 0, [created] TEXT NOT NULL, [next_try] TEXT, "
        "[sent_at] TEXT, [result] TEXT)"
    )
    db.execute(
        "CREATE UNIQUE INDEX [alerts_once] ON [alerts] "
        "([channel], [story_id], [kind], [outlets], [languages])"
    )
    db.execute("CREATE INDEX [alerts_due] ON [alerts] ([state], [next_try])")

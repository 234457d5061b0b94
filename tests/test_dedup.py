"""De-duplication and story linking: every URL variant one article, copies marked, updates
versioned, stories linked across languages, and nothing lost to concurrent or killed crawls."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from datetime import UTC, datetime

import pytest
from conftest import NOW, REPO
from support.writer_spider import command

from newswatch.dedup import name_key, story_anchors
from newswatch.items import Article
from newswatch.keys import article_id, article_key, canonical_url
from newswatch.pipelines.normalise import normalise_article
from newswatch.store import open_store, save_article

SEEN = NOW.isoformat()


@pytest.mark.parametrize(
    "first,second",
    [
        # The Moscow Times keeps -a<id> when the slug is edited.
        (
            "https://www.themoscowtimes.com/2024/10/10/toll-from-russian-strike-on-odesa-rises-to-seven-a86639",
            "https://www.themoscowtimes.com/2024/10/10/toll-from-russian-strike-on-odesa-rises-to-8-a86639",
        ),
        # RBC-Ukraine keeps its Unix-time suffix.
        (
            "https://www.rbc.ua/ukr/news/rubio-i-lavrov-govorili-1795106427.html",
            "https://www.rbc.ua/ukr/news/rubio-i-lavrov-chotiri-godini-govorili-v-zhenevi-1795106427.html",
        ),
        # AMP, mobile, tracking, fragment, print variants.
        (
            "https://www.pravda.com.ua/news/2026/11/20/8076402/",
            "https://m.pravda.com.ua/news/2026/11/20/8076402/amp/?utm_source=fb#comments",
        ),
        (
            "https://sputnikglobe.com/20261119/lavrov-rubio-talks-1124187563.html",
            "https://sputnikglobe.com/20261119/lavrov-rubio-hold-talks-1124187563.html?fbclid=x",
        ),
        (
            "https://www.unian.net/politics/peregovory-13219538.html",
            "http://unian.net/politics/peregovory-v-zheneve-13219538.html",
        ),
    ],
)
def test_url_variants_of_one_article_share_one_key(first, second):
    assert article_key(first) == article_key(second)


@pytest.mark.parametrize(
    "first,second",
    [
        # The same numeric id in another language edition is another article.
        (
            "https://www.pravda.com.ua/news/2026/11/20/8076402/",
            "https://www.pravda.com.ua/eng/news/2026/11/20/8076402/",
        ),
        (
            "https://www.rbc.ua/ukr/news/x-1795106427.html",
            "https://www.rbc.ua/rus/news/x-1795106427.html",
        ),
        (
            "https://www.unian.ua/politics/x-13219538.html",
            "https://www.unian.net/politics/x-13219538.html",
        ),
    ],
)
def test_editions_in_other_languages_keep_apart(first, second):
    assert article_key(first) != article_key(second)


def test_the_id_is_the_start_of_the_sha256_of_the_canonical_url():
    import hashlib

    url = "https://www.unian.ua/politics/x-13219538.html?utm_medium=rss"
    assert article_id(url) == hashlib.sha256(canonical_url(url).encode()).hexdigest()[:16]


# The clock of these tests stands after every date they use, so that no date is dropped as
# "in the future" (an undated article is linked on content alone, which is another test).
CLOCK = datetime(2027, 1, 1, 12, tzinfo=UTC)


def _save(db, url, text, title="T", language="uk", published="2026-11-19T15:00:00+02:00"):
    article = Article(url=url, title=title, text=text, language=language, published=published)
    normalise_article(article, CLOCK)
    outcome = save_article(db, article, SEEN)
    return article, outcome


TEXT = (
    "Держсекретар США Марко Рубіо і глава МЗС Росії Сергій Лавров провели у Женеві чотири "
    "години переговорів щодо рамки перемир'я в Україні.\n\nЗа даними джерел, сторони "
    "обговорили обмін полоненими, гарантії безпеки та наступний раунд консультацій.\n\n"
    "Речник Кремля Дмитро Пєсков назвав зустріч конструктивною, однак заявив, що до угоди "
    "ще далеко. Верховна представниця ЄС Кая Каллас наполягла, що Європа та Україна мають "
    "бути за столом переговорів."
)


def test_an_exact_copy_at_another_url_points_at_the_first_and_is_kept(db_path):
    db = open_store(db_path)
    first, _ = _save(db, "https://www.pravda.com.ua/news/2026/11/20/8076402/", TEXT)
    copy, outcome = _save(
        db,
        "https://www.eurointegration.com.ua/news/2026/11/20/7239415/",
        TEXT.replace("\n\n", "\n \n") + "  ",
    )
    assert outcome == "new" and copy.duplicate_of == first.id
    assert db["articles"].count == 2
    assert copy.story_id == first.story_id == first.id


def test_a_near_copy_with_small_edits_is_a_duplicate(db_path):
    db = open_store(db_path)
    first, _ = _save(db, "https://www.unian.ua/politics/a-13219538.html", TEXT)
    edited = TEXT.replace("конструктивною", "корисною") + "\n\nДжерело: УНІАН."
    copy, _ = _save(db, "https://www.rbc.ua/ukr/news/b-1795106427.html", edited)
    assert copy.duplicate_of == first.id


def test_a_much_copied_article_costs_one_bucket_row_per_band(db_path):
    """Copies are not bucketed: the hundredth near copy still finds the original, and the
    LSH index holds the original's 32 rows only, however many copies are stored."""
    db = open_store(db_path)
    first, _ = _save(db, "https://www.unian.ua/politics/a-13219538.html", TEXT)
    for n in range(100):
        copy, _ = _save(
            db, f"https://www.unian.ua/politics/c-{13300000 + n}.html", f"{TEXT}\n\nКопія {n}."
        )
        assert copy.duplicate_of == first.id, n
    assert db.execute("SELECT count(*) FROM minhash_bands").fetchone()[0] == 32
    assert db["article_fingerprints"].count == 101


def test_a_translation_is_never_a_duplicate_but_the_same_story(db_path):
    db = open_store(db_path)
    first, _ = _save(db, "https://www.unian.ua/politics/a-13219538.html", TEXT)
    english = (
        "US Secretary of State Marco Rubio and Russian Foreign Minister Sergei Lavrov held "
        "four hours of talks in Geneva on a ceasefire framework for Ukraine.\n\nKremlin "
        "spokesman Dmitry Peskov called the meeting constructive. EU foreign policy chief "
        "Kaja Kallas insisted that Europe and Ukraine must be at the table."
    )
    other, _ = _save(
        db,
        "https://sputnikglobe.com/20261119/x-1124187563.html",
        english,
        language="en",
        published="2026-11-19T18:00:00+00:00",
    )
    assert other.duplicate_of is None
    assert other.story_id == first.story_id


def test_reports_of_different_events_are_not_linked(db_path):
    db = open_store(db_path)
    first, _ = _save(db, "https://www.unian.ua/politics/a-13219538.html", TEXT)
    later = (
        "Міністри оборони країн НАТО у Брюсселі погодили новий пакет ППО для України на "
        "2,3 млрд доларів.\n\nГенсек Марк Рютте заявив, що перші системи Patriot прибудуть "
        "до кінця січня."
    )
    other, _ = _save(
        db, "https://www.unian.ua/war/b-13230000.html", later, published="2026-12-10T10:00:00+02:00"
    )
    assert (first.date, other.date) == ("2026-11-19", "2026-12-10")  # both dates survive
    assert other.story_id != first.story_id and other.duplicate_of is None


def test_an_update_keeps_the_earlier_text_as_a_version(db_path):
    db = open_store(db_path)
    url = "https://www.unian.ua/politics/a-13219538.html"
    _save(db, url, TEXT)
    changed = TEXT + "\n\nОновлено: Білий дім підтвердив дату наступного раунду."
    article, outcome = _save(db, url, changed)
    assert outcome == "updated"
    assert db["articles"].get(article.id)["text"] == changed
    (version,) = db["article_versions"].rows_where("article_id = ?", [article.id])
    assert version["text"] == TEXT and version["version"] == 1
    assert _save(db, url, changed)[1] == "unchanged"  # seen again unchanged: no new version
    assert db["article_versions"].count == 1


def test_a_copy_of_an_original_s_earlier_text_still_finds_it_after_an_update(db_path):
    db = open_store(db_path)
    url = "https://www.unian.ua/politics/a-13219538.html"
    original, _ = _save(db, url, TEXT)
    rewritten = "Повністю новий текст оновлення: " + " ".join(reversed(TEXT.split()))
    assert _save(db, url, rewritten)[1] == "updated"
    copy_of_old, _ = _save(db, "https://www.rbc.ua/ukr/news/c-1795106427.html", TEXT + " Так.")
    assert copy_of_old.duplicate_of == original.id


def test_a_slug_edited_after_publication_is_the_same_row(db_path):
    db = open_store(db_path)
    first, _ = _save(
        db,
        "https://www.themoscowtimes.com/2024/10/10/toll-rises-to-seven-a86639",
        "The toll rose to seven.",
        language="en",
    )
    again, outcome = _save(
        db,
        "https://www.themoscowtimes.com/2024/10/10/toll-rises-to-8-a86639",
        "The toll rose to eight.",
        language="en",
    )
    assert again.id == first.id and outcome == "updated"
    assert db["articles"].count == 1 and db["article_versions"].count == 1


def test_names_are_brought_to_one_script():
    pairs = [
        ("Rutte", "Рютте"),
        ("Macron", "Макроном"),
        ("Witkoff", "Уиткоффом"),
        ("Witkoff", "Віткоффа"),
        ("Lavrov", "Лавровым"),
        ("Geneva", "Женеві"),
        ("Merz", "Мерцом"),
        ("Kallas", "Каллас"),
        ("Zelensky", "Зеленського"),
    ]
    for latin, cyrillic in pairs:
        assert name_key(latin) == name_key(cyrillic), (latin, cyrillic)
    assert story_anchors("Рубіо заявив 19 листопада у Женеві.") >= {"n:gnv", "#19"}


def test_the_stories_view_lists_outlets_languages_and_times(db_path):
    db = open_store(db_path)
    _save(db, "https://www.unian.ua/politics/a-13219538.html", TEXT)
    db.execute("UPDATE articles SET outlet='unian'")
    db.conn.commit()
    (story,) = db.execute(
        "SELECT articles, outlets, languages, first_published FROM stories "
        "WHERE story_id IS NOT NULL"
    ).fetchall()
    assert story == (1, "unian", "uk", "2026-11-19 13:00:00")  # in UTC


# --- real processes -----------------------------------------------------------------------------


def _writer(db, prefix: str, count: int, pause: str = "0.001", offset: int = 0):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    return subprocess.Popen(
        command(db, count, prefix=prefix, pause=pause, offset=offset),
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_crawls_writing_copies_at_once_store_each_article_once(tmp_path):
    db = tmp_path / "two.db"
    count = 250
    crawls = [
        _writer(db, "same", count),
        _writer(db, "same", count),
        _writer(db, "copy", count, offset=10_000_000),
    ]
    for crawl in crawls:
        _, err = crawl.communicate(timeout=300)
        assert crawl.returncode == 0, err
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        urls = [r[0] for r in conn.execute("SELECT url FROM articles WHERE url IS NOT NULL")]
        assert len(urls) == len(set(urls)) == 2 * count  # "same" twice over: stored once
        # Every "copy-n" and "same-n" pair: exactly one of the two points at the other.
        rows = dict(conn.execute("SELECT url, duplicate_of FROM articles WHERE url IS NOT NULL"))
        ids = dict(conn.execute("SELECT url, id FROM articles WHERE url IS NOT NULL"))
        for n in range(count):
            a = f"https://www.unian.ua/politics/same-{n:08d}.html"
            b = f"https://www.unian.ua/politics/copy-{n + 10_000_000:08d}.html"
            assert (rows[a], rows[b]) in ((None, ids[a]), (ids[b], None)), n
        fingerprints = conn.execute("SELECT count(*) FROM article_fingerprints").fetchone()[0]
        assert fingerprints == 2 * count + 5
        # Every original is bucketed, all 32 bands of it; a copy only if it was once the
        # original (the other of its pair arrived later but was published earlier).
        banded = dict(
            conn.execute("SELECT article_id, count(*) FROM minhash_bands GROUP BY article_id")
        )
        originals = [i for u, i in ids.items() if rows[u] is None]
        assert all(banded.get(i) == 32 for i in originals)
        assert set(banded.values()) == {32}


def test_a_crawl_killed_in_the_middle_loses_nothing_and_the_next_one_completes(tmp_path):
    db = tmp_path / "killed.db"
    count = 400
    crawl = _writer(db, "k", count, pause="0.01")
    deadline = time.time() + 60
    while time.time() < deadline:  # kill it once it has written something
        time.sleep(0.5)
        if db.exists():
            with closing(sqlite3.connect(db, timeout=30)) as conn:
                try:
                    if conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 50:
                        break
                except sqlite3.OperationalError:
                    continue
    crawl.send_signal(signal.SIGKILL)
    crawl.wait()
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        written = conn.execute("SELECT count(*) FROM articles WHERE url IS NOT NULL").fetchone()[0]
        fingerprints = conn.execute("SELECT count(*) FROM article_fingerprints").fetchone()[0]
    assert 0 < written < count
    assert fingerprints == written + 5  # each article and its fingerprint, or neither
    again = _writer(db, "k", count, pause="0")
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    with closing(sqlite3.connect(db)) as conn:
        assert (
            conn.execute("SELECT count(*) FROM articles WHERE url IS NOT NULL").fetchone()[0]
            == count
        )
        assert conn.execute("SELECT count(*) FROM article_fingerprints").fetchone()[0] == count + 5


# --- found in review ------------------------------------------------------------------------


def test_an_updated_original_never_becomes_a_copy_of_itself(db_path):
    db = open_store(db_path)
    original, _ = _save(db, "https://www.unian.ua/politics/a-13219538.html", TEXT)
    copy, _ = _save(db, "https://www.rbc.ua/ukr/news/b-1795106427.html", TEXT + " Джерело.")
    assert copy.duplicate_of == original.id
    updated, outcome = _save(
        db, "https://www.unian.ua/politics/a-13219538.html", TEXT + "\n\nОновлено о 18:00."
    )
    assert outcome == "updated"
    assert db["articles"].get(original.id)["duplicate_of"] is None


def test_the_original_is_the_earliest_published_whichever_came_first(db_path):
    db = open_store(db_path)
    repost, _ = _save(
        db,
        "https://www.eurointegration.com.ua/news/2026/11/20/7239415/",
        TEXT,
        published="2026-11-20T16:58:00+02:00",
    )
    original, _ = _save(
        db,
        "https://www.pravda.com.ua/news/2026/11/20/8076402/",
        TEXT,
        published="2026-11-20T16:26:00+02:00",
    )
    assert original.duplicate_of is None
    assert db["articles"].get(repost.id)["duplicate_of"] == original.id


def test_different_articles_with_the_same_short_body_are_not_copies(db_path):
    db = open_store(db_path)
    first, _ = _save(
        db,
        "https://www.unian.ua/politics/a-13219538.html",
        "Details to follow.",
        title="Explosion in Kharkiv",
        language="en",
    )
    second, _ = _save(
        db,
        "https://www.unian.ua/politics/b-13219539.html",
        "Details to follow.",
        title="Zelensky meets Macron",
        language="en",
    )
    assert second.duplicate_of is None and first.duplicate_of is None


def test_an_update_keeps_its_story_without_looking_one_up(db_path, mocker):
    import newswatch.store.dedup as store_dedup

    db = open_store(db_path)
    url = "https://www.unian.ua/politics/a-13219538.html"
    article, _ = _save(db, url, TEXT)
    db.execute("UPDATE articles SET story_id = 'earlier-story' WHERE id = ?", [article.id])
    db.conn.commit()
    lookups = [mocker.spy(store_dedup, name) for name in ("find_story", "find_edition", "story_of")]
    updated, outcome = _save(db, url, TEXT + "\n\nОновлено: Білий дім підтвердив дату.")
    assert outcome == "updated"
    assert [spy.call_count for spy in lookups] == [0, 0, 0]
    assert updated.story_id == "earlier-story"
    assert db["articles"].get(article.id)["story_id"] == "earlier-story"


def _words(count: int) -> list[str]:
    return [f"w{(i * 7919) % 50021}" for i in range(count)]


def test_a_normal_articles_signature_is_what_it_was_before_the_bound():
    """The signature as it was computed before memory was bounded (every shingle permuted at
    once): stored signatures stay valid."""
    import numpy as np

    from newswatch.dedup import _MASKS, _MULTIPLIERS, _hash64, minhash

    words = _words(12_000)  # a long article: more shingles than one block
    shingles = {" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)}
    hashes = _hash64(list(shingles))
    with np.errstate(over="ignore"):
        expected = ((hashes[:, None] ^ _MASKS[None, :]) * _MULTIPLIERS[None, :]).min(axis=0)
    assert np.array_equal(minhash(words), expected)


def test_the_shingles_of_a_huge_body_are_bounded(mocker):
    from newswatch import dedup

    seen = mocker.spy(dedup, "_signature")
    body = " ".join(_words(2_000_000))  # about 13 MB
    fp = dedup.fingerprint("A title", None, body, "en")
    (shingles,) = seen.call_args.args
    assert 1000 < len(shingles) <= dedup.FINGERPRINT_CHARS // 2  # shingles considered
    assert fp.content_hash == dedup.fingerprint("A title", None, body[:400_000], "en").content_hash
    normal = " ".join(_words(5_000))
    assert dedup.fingerprint(None, None, normal).content_hash == dedup.content_hash(
        dedup.normalise_text(normal)
    )


@pytest.mark.parametrize(
    "title, text",
    [
        (None, "Рютте заявив, що НАТО   готове — «до переговорів» з Росією.\n\nДругий абзац."),
        ("Only a title", ""),
        ("Title", "two words"),
        (None, "Ça m’a coûté 3½ € — ﬁne, İstanbul’da ǅemal straße"),
        (None, " ".join(_words(300))),
    ],
)
def test_a_fingerprints_signature_is_the_minhash_of_its_normalised_words(title, text):
    """fingerprint cuts the shingles from the normalised text's bytes (_shingles) rather than
    joining each one's words and encoding it: the signature is minhash's, byte for byte."""
    import hashlib

    from newswatch.dedup import (
        BANDS,
        ROWS,
        SHORT_BODY,
        fingerprint,
        lsh_buckets,
        minhash,
        normalise_text,
    )

    fp = fingerprint(title, None, text)
    body = text if len(text.split()) >= SHORT_BODY else "\n\n".join(filter(None, (title, text)))
    expected = minhash(normalise_text(body).split())
    assert fp.signature.tobytes() == expected.tobytes()
    # each band's values hashed on their own, as the stored buckets were
    bands = [expected[b * ROWS : (b + 1) * ROWS].tobytes() for b in range(BANDS)]
    digests = [hashlib.blake2b(band, digest_size=8).digest() for band in bands]
    assert fp.buckets == lsh_buckets(expected)
    assert fp.buckets == [int.from_bytes(d, "little", signed=True) for d in digests]


def test_the_events_of_lead_and_body_together_are_those_of_both_at_the_split():
    """story_features reads the lead and the body apart and together; the events of both
    together are pieced from those of each (_joined_events) rather than read again: the same
    as reading them together, wherever the split falls (in a run of names, after a sentence
    mark, a number, an acronym), whatever separates the tokens."""
    import random

    from newswatch.dedup import _anchor_events, _joined_events

    rng = random.Random(17)
    tokens = ["Rutte", "Макрон", "Mark", "the", "NATO", "США", "2025", "7", ".", ":", "«", "Geneva"]
    gaps = ["", " ", "\n\n", ", ", " (", "— "]
    checked = 0
    for _ in range(3000):
        text = [(rng.choice(gaps), rng.choice(tokens)) for _ in range(rng.randint(0, 8))]
        for split in range(len(text) + 1):
            first, second = _anchor_events(text[:split]), _anchor_events(text[split:])
            assert _joined_events(text, split, first, second) == _anchor_events(text), text
            checked += first + second != _anchor_events(text)
    assert checked > 1000  # splits where pieces alone would be wrong

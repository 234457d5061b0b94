"""Story linking: an article joins a story on evidence shared with the story's own reports,
within a window around its first report; undated articles never bridge; background mentions
count less than the title and lead; an outlet's language editions are one story; stored
stores re-linked by `relink_all`. Every article here is hand-written for these tests (the
events are invented); real pages are read from ../shared/fixtures by path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import NOW, run_newswatch
from scrapy import Request
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.test import get_crawler
from sqlite_utils import Database

from newswatch.dedup import prominent, report_similarity, story_features
from newswatch.discovery import parse_sitemap
from newswatch.extraction import extract_article
from newswatch.items import Article
from newswatch.pipelines.normalise import normalise_article
from newswatch.runner import project_settings
from newswatch.store import open_store, relink_all, save_article
from newswatch.store.migrations import migrations
from newswatch.store.rules import DEFAULT_RULES

SEEN = NOW.isoformat()

# Hand-written reports of three invented events (Geneva talks on 19 Nov, an EU envoy
# proposal on 20 Nov, an air-defence package on 18 Nov).
GENEVA_UK = (
    "Рубіо і Лавров чотири години говорили в Женеві про перемир'я",
    "Держсекретар США Марко Рубіо і глава МЗС Росії Сергій Лавров провели у Женеві чотири "
    "години переговорів щодо рамки перемир'я в Україні.\n\nСторони обговорили обмін "
    "полоненими і наступний раунд консультацій на віллі біля озера.",
)
GENEVA_EN = (
    "Rubio and Lavrov hold four hours of ceasefire talks in Geneva",
    "US Secretary of State Marco Rubio and Russian Foreign Minister Sergei Lavrov spent four "
    "hours in Geneva discussing a ceasefire framework for Ukraine.\n\nThey talked about a "
    "prisoner exchange and a further round of consultations at a lakeside villa.",
)
GENEVA_RU = (
    "Рубио и Лавров четыре часа обсуждали в Женеве перемирие",
    "Госсекретарь США Марко Рубио и министр иностранных дел России Сергей Лавров четыре часа "
    "обсуждали в Женеве рамку перемирия на Украине.\n\nРечь шла об обмене пленными и новом "
    "раунде консультаций на вилле у озера.",
)
ENVOY_UK = (
    "Макрон і Мерц пропонують ЄС призначити спецпосланця для переговорів з Москвою",
    "Президент Франції Емманюель Макрон і канцлер Німеччини Фрідріх Мерц запропонували, щоб "
    "Євросоюз призначив спеціального посланця для переговорів з Москвою.\n\nГенсек НАТО Марк "
    "Рютте заявив, що союзники відкриті до будь-якої ініціативи, яка наближає мир.",
)
ENVOY_EN = (
    "Macron and Merz propose an EU special envoy for talks with Moscow",
    "French President Emmanuel Macron and German Chancellor Friedrich Merz proposed that the "
    "European Union appoint a special envoy for talks with Moscow.\n\nNATO chief Mark Rutte "
    "said the allies were open to any initiative that brings peace closer.",
)
# A round-up of both events: its title and lead name both.
ROUNDUP_EN = (
    "Rubio and Lavrov in Geneva, Macron and Merz want an EU envoy for Moscow",
    "Marco Rubio and Sergei Lavrov held four hours of ceasefire talks in Geneva, while "
    "Emmanuel Macron and Friedrich Merz proposed an EU special envoy for talks with Moscow."
    "\n\nRutte said the allies were open to any initiative.",
)


def _article(url, title_text, language, date=None, **kw) -> Article:
    title, text = title_text
    article = Article(url=url, title=title, text=text, language=language, date=date, **kw)
    normalise_article(article, NOW)
    return article


def _save(db, url, title_text, language, date=None, rules=DEFAULT_RULES, **kw) -> Article:
    article = _article(url, title_text, language, date, **kw)
    save_article(db, article, SEEN, rules=rules)
    return article


def test_reports_of_one_event_link_across_scripts(db_path):
    db = open_store(db_path)
    uk = _save(db, "https://www.unian.ua/politics/a-13219538.html", GENEVA_UK, "uk", "2026-11-19")
    en = _save(
        db, "https://sputnikglobe.com/20261119/a-1124187563.html", GENEVA_EN, "en", "2026-11-19"
    )
    ru = _save(db, "https://www.moscowtimes.ru/2026/11/19/a-a183517", GENEVA_RU, "ru", "2026-11-19")
    assert uk.story_id == en.story_id == ru.story_id == uk.id
    envoy = _save(
        db, "https://www.pravda.com.ua/news/2026/11/20/8076402/", ENVOY_UK, "uk", "2026-11-20"
    )
    assert envoy.story_id == envoy.id  # another event by some of the same actors


def test_names_match_across_scripts_and_topical_words_only_within_a_language():
    uk = story_features(ENVOY_UK[0], None, ENVOY_UK[1], "uk")
    en = story_features(ENVOY_EN[0], None, ENVOY_EN[1], "en")
    assert {"n:mkrn", "n:mrz", "n:rtt"} <= set(uk) & set(en)  # Макрон/Macron, Рютте/Rutte
    assert not {f for f in set(uk) & set(en) if f.startswith("w:")}
    # First names and titles say nothing of the event (Mark Rutte, Marco Rubio: both "mrk").
    assert "n:mrk" not in en and "n:mrk" not in uk


def test_a_mention_in_the_background_counts_less_than_in_the_title_or_lead():
    about = story_features(GENEVA_EN[0], None, GENEVA_EN[1], "en")
    background = story_features(
        "Macron and Merz propose an EU special envoy for talks with Moscow",
        None,
        ENVOY_EN[1]
        + "\n\n"
        + " ".join(["The proposal was discussed for some time."] * 12)
        + "\n\nEarlier, Marco Rubio and Sergei Lavrov met in Geneva.",
        "en",
    )
    assert about["n:gnv"] == 1.0 and background["n:gnv"] < 0.5
    assert "n:gnv" not in prominent(background)
    weights = {}
    headline = story_features("Lavrov and Rubio meet in Geneva", None, ENVOY_EN[1], "en")
    assert report_similarity(about, headline, weights, True) > report_similarity(
        about, background, weights, True
    )


def test_a_story_lookup_compares_reports_as_report_similarity_does():
    """find_story compares through ComparedReport, which works out each side's views and norms
    once: the same floats as report_similarity, in either language and on title and lead alone
    (prominent), with rarity weights and features some reports lack."""
    from newswatch.dedup import ComparedReport

    reports = [
        story_features(ENVOY_UK[0], None, ENVOY_UK[1], "uk"),
        story_features(ENVOY_EN[0], None, ENVOY_EN[1], "en"),
        story_features(GENEVA_EN[0], None, GENEVA_EN[1], "en"),
        story_features("Lavrov and Rubio meet in Geneva", None, ENVOY_EN[1], "en"),
        {},
    ]
    weights = {f: 1.0 + len(f) / 7 for r in reports for f in list(r)[::2]}
    compared = [ComparedReport(r, weights) for r in reports]
    checked = 0
    for mine, me in zip(reports, compared, strict=True):
        for theirs, them in zip(reports, compared, strict=True):
            for same in (True, False):
                expected = report_similarity(mine, theirs, weights, same)
                assert me.similarity(them, same) == expected
                expected = report_similarity(prominent(mine), prominent(theirs), weights, same)
                assert me.similarity(them, same, prominent_only=True) == expected
                checked += expected > 0
    assert checked > 10


def test_a_background_paragraph_does_not_pull_a_report_into_another_story(db_path):
    db = open_store(db_path)
    geneva = _save(
        db, "https://www.unian.ua/politics/a-13219538.html", GENEVA_UK, "uk", "2026-11-19"
    )
    _save(db, "https://sputnikglobe.com/20261119/a-1124187563.html", GENEVA_EN, "en", "2026-11-19")
    text = ENVOY_EN[1] + "\n\n" + " ".join(["Diplomats say the idea is not new."] * 10)
    text += "\n\nOn Wednesday Marco Rubio and Sergei Lavrov spent four hours in Geneva."
    envoy = _save(
        db,
        "https://www.themoscowtimes.com/2026/11/20/envoy-a93431",
        (ENVOY_EN[0], text),
        "en",
        "2026-11-20",
    )
    assert envoy.story_id != geneva.story_id


def test_joining_through_one_intermediate_report_is_refused(db_path):
    """A round-up shares names with two events; the second event's report is alike to the
    round-up but not to the story's first report, so it stays out: stories do not chain."""
    db = open_store(db_path)
    geneva = _save(
        db, "https://www.unian.ua/politics/a-13219538.html", GENEVA_UK, "uk", "2026-11-19"
    )
    roundup = _save(
        db, "https://sputnikglobe.com/20261119/r-1124187999.html", ROUNDUP_EN, "en", "2026-11-19"
    )
    assert roundup.story_id == geneva.story_id
    envoy = _save(
        db, "https://www.themoscowtimes.com/2026/11/20/envoy-a93431", ENVOY_EN, "en", "2026-11-20"
    )
    assert envoy.story_id != geneva.story_id


def test_the_intermediate_alone_would_have_taken_it(db_path):
    """The control of the test above: with the round-up as the story's only report, the
    envoy report joins it; so it is the story's first report that keeps it out."""
    db = open_store(db_path)
    roundup = _save(
        db, "https://sputnikglobe.com/20261119/r-1124187999.html", ROUNDUP_EN, "en", "2026-11-19"
    )
    envoy = _save(
        db, "https://www.themoscowtimes.com/2026/11/20/envoy-a93431", ENVOY_EN, "en", "2026-11-20"
    )
    assert envoy.story_id == roundup.story_id


@pytest.mark.parametrize("day,joins", [("2026-11-04", True), ("2026-11-06", False)])
def test_the_window_is_counted_from_the_story_s_first_report(db_path, day, joins):
    """Reports on 1, 3 and then 4 or 6 November: the third is within three days of the
    second either way, but of the first only on the 4th."""
    db = open_store(db_path)
    first = _save(
        db, "https://www.unian.ua/politics/a-13219538.html", GENEVA_UK, "uk", "2026-11-01"
    )
    second = _save(
        db, "https://sputnikglobe.com/20261103/a-1124187563.html", GENEVA_EN, "en", "2026-11-03"
    )
    assert second.story_id == first.id
    third = _save(db, "https://www.moscowtimes.ru/2026/11/04/a-a183517", GENEVA_RU, "ru", day)
    assert (third.story_id == first.id) is joins


def test_an_undated_article_never_bridges_two_stories(db_path):
    """Undated round-ups join the Geneva story; a dated envoy report alike to them but not to
    the Geneva reports stays out: only dated reports are evidence."""
    db = open_store(db_path)
    geneva = _save(
        db, "https://www.unian.ua/politics/a-13219538.html", GENEVA_UK, "uk", "2026-11-19"
    )
    for n in range(3):
        undated = _save(db, f"https://example.org/roundup-{n}", ROUNDUP_EN, "en")
        assert undated.date is None and undated.story_id == geneva.story_id
    envoy = _save(
        db, "https://www.themoscowtimes.com/2026/11/20/envoy-a93431", ENVOY_EN, "en", "2026-11-20"
    )
    assert envoy.story_id != geneva.story_id


def test_nothing_joins_a_story_through_its_undated_report_alone(db_path):
    db = open_store(db_path)
    undated = _save(db, "https://example.org/geneva", GENEVA_EN, "en")
    dated = _save(
        db, "https://www.unian.ua/politics/a-13219538.html", GENEVA_UK, "uk", "2026-11-19"
    )
    assert dated.story_id != undated.story_id


def test_a_lightly_edited_re_post_at_another_url_is_a_copy(db_path):
    db = open_store(db_path)
    text = "\n\n".join([GENEVA_EN[1], ENVOY_EN[1], ROUNDUP_EN[1]])
    first = _save(
        db,
        "https://sputnikglobe.com/20261119/a-1124187563.html",
        (GENEVA_EN[0], text),
        "en",
        "2026-11-19",
    )
    edited = (
        text.replace("spent four hours", "spent about four hours")
        .replace("proposed", "suggested")
        .replace("Rutte said", "Rutte told reporters")
    )
    copy = _save(
        db,
        "https://example.org/news/2026/11/19/geneva-talks.html",
        ("Geneva: Rubio, Lavrov talk ceasefire for four hours", edited + "\n\nSource: Sputnik."),
        "en",
        "2026-11-19",
    )
    assert copy.duplicate_of == first.id and copy.story_id == first.story_id


# --- language editions ---------------------------------------------------------------------------

PRAVDA_RU = Path("pravda") / "fundus_Pravda_2026_01_08_rus_articles_8015225.html"


def test_a_real_page_names_its_other_edition(shared):
    page = (shared / "fixtures" / PRAVDA_RU).read_text(encoding="utf-8")
    article = extract_article(page, "https://www.pravda.com.ua/rus/articles/2026/01/08/8015225/")
    assert article.alternates == ["https://www.pravda.com.ua/articles/2026/01/08/8015225/"]


def test_a_real_sitemap_lists_the_editions_of_each_article(shared):
    body = (shared / "fixtures" / "pravda" / "loxar_pravda_sitemap-2025-12.xml").read_bytes()
    entries = {e.url: e for e in parse_sitemap(body).entries}
    entry = entries["https://www.pravda.com.ua/news/2025/12/01/8009697/"]
    assert "https://www.pravda.com.ua/rus/news/2025/12/01/8009697/" in entry.alternates
    assert entry.url not in entry.alternates


# Hand-written for this test (modelled on the hreflang links of the real Pravda page).
HAND_WRITTEN_PAGE = """<!doctype html><html lang="en"><head>
<title>Envoy proposal | Example</title>
<link rel="canonical" href="https://www.unian.info/politics/envoy-13220347.html">
<link rel="alternate" hreflang="x-default" href="https://www.unian.ua/politics/envoy-13220347.html">
<link rel="alternate" hreflang="uk" href="https://www.unian.ua/politics/envoy-13220347.html">
<link rel="alternate" hreflang="en" href="https://www.unian.info/politics/envoy-13220347.html">
</head><body><nav><a hreflang="ru" href="/../politics/envoy-ru-13220347.html">RU</a></nav>
<article><h1>Macron and Merz propose an EU special envoy</h1>
<div class="article-text"><p>French President Emmanuel Macron and German Chancellor Friedrich
Merz proposed that the European Union appoint a special envoy for talks with Moscow, a step
that diplomats in Brussels had discussed for weeks before the meeting.</p></div>
</article></body></html>"""


def test_hand_written_page_hreflang_links_and_language_switcher_are_alternates():
    article = extract_article(
        HAND_WRITTEN_PAGE, "https://www.unian.info/politics/envoy-13220347.html"
    )
    assert article.alternates == [
        "https://www.unian.ua/politics/envoy-13220347.html",
        "https://www.unian.info/politics/envoy-ru-13220347.html",
    ]


def test_a_sitemap_s_alternates_reach_the_article_the_spider_yields(shared):
    """Pravda's real monthly sitemap names each article's editions; the spider carries them in
    the request to the article, whose own page (hand-written here) names none."""
    cls = SpiderLoader.from_settings(project_settings()).load("pravda")
    spider = cls.from_crawler(get_crawler(cls), since="2025-12-01")
    sitemap = "https://www.pravda.com.ua/sitemap/sitemap-2025-12.xml.gz"
    body = (shared / "fixtures" / "pravda" / "loxar_pravda_sitemap-2025-12.xml").read_bytes()
    response = XmlResponse(sitemap, body=body, request=Request(sitemap))
    url = "https://www.pravda.com.ua/news/2025/12/01/8009697/"
    request = next(r for r in spider.parse_sitemap(response) if r.url == url)
    page = HAND_WRITTEN_PAGE.replace("https://www.unian.", "https://www.example.")
    article = next(
        iter(
            spider.parse_article(
                HtmlResponse(url, body=page.encode(), encoding="utf-8", request=request)
            )
        )
    )
    assert "https://www.pravda.com.ua/rus/news/2025/12/01/8009697/" in article.alternates


@pytest.mark.parametrize("ukrainian_first", [True, False])
def test_editions_an_outlet_names_are_one_story_whichever_comes_first(
    db_path, shared, ukrainian_first
):
    """The real Russian page names its Ukrainian edition; a hand-written Ukrainian edition with
    no name in common with it joins its story, stored before or after it."""
    db = open_store(db_path)
    page = (shared / "fixtures" / PRAVDA_RU).read_text(encoding="utf-8")
    russian = extract_article(page, "https://www.pravda.com.ua/rus/articles/2026/01/08/8015225/")
    normalise_article(russian, NOW)
    ukrainian = _article(
        "https://www.pravda.com.ua/articles/2026/01/08/8015225/",
        ("Стаття українською", "Текст українського видання, у якому немає жодного імені."),
        "uk",
        "2026-01-08",
    )
    for article in (ukrainian, russian) if ukrainian_first else (russian, ukrainian):
        save_article(db, article, SEEN)
    assert russian.story_id == ukrainian.story_id
    assert {russian.duplicate_of, ukrainian.duplicate_of} == {None}


def test_an_article_id_shared_by_editions_links_them(db_path):
    db = open_store(db_path)
    ukr = _save(
        db,
        "https://www.rbc.ua/ukr/news/spetsposlanets-1795176351.html",
        ENVOY_UK,
        "uk",
        "2026-11-20",
    )
    rus = _save(
        db,
        "https://www.rbc.ua/rus/news/spetsposlannik-1795176351.html",
        ("Другой заголовок", "Текст без общих имён."),
        "ru",
        "2026-11-20",
    )
    other = _save(
        db,
        "https://www.rbc.ua/rus/news/pogoda-1795176999.html",
        ("Погода", "Текст без общих имён."),
        "ru",
        "2026-11-20",
    )
    assert rus.story_id == ukr.story_id and other.story_id != ukr.story_id


# --- the demo ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, dict]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    assert run_newswatch("demo", "--db", str(path)).returncode == 0
    db = Database(path)
    rows = {r["url"]: r for r in db["articles"].rows if r["url"]}
    db.close()
    return rows


def test_demo_the_envoy_report_and_its_copy_are_not_in_the_geneva_story(demo):
    geneva = demo["https://www.pravda.com.ua/eng/news/2026/11/19/8076188/"]["story_id"]
    envoy = demo["https://www.pravda.com.ua/news/2026/11/20/8076402/"]
    copy = demo["https://www.eurointegration.com.ua/news/2026/11/20/7239415/"]
    assert copy["duplicate_of"] == envoy["id"]
    assert geneva not in (envoy["story_id"], copy["story_id"])
    assert envoy["story_id"] == copy["story_id"]


def test_demo_sputnik_s_air_defence_report_is_one_story_with_the_russian_reports(demo):
    sputnik = demo[
        "https://sputnikglobe.com/20261118/nato-approves-new-23-bln-air-defense-package-for-kiev-1124171458.html"
    ]
    rbc = demo[
        "https://www.rbc.ua/rus/news/nato-peredast-ukrayini-noviy-paket-ppo-ryutte-nazvav-stroki-1794993633.html"
    ]
    moscowtimes = demo[
        "https://www.moscowtimes.ru/2026/11/18/strany-nato-odobrili-novyi-paket-pvo-dlya-ukrainy-na-23-mlrd-a183488"
    ]
    assert sputnik["story_id"] == rbc["story_id"] == moscowtimes["story_id"]
    geneva = demo["https://www.pravda.com.ua/eng/news/2026/11/19/8076188/"]["story_id"]
    assert sputnik["story_id"] != geneva


# --- re-linking ----------------------------------------------------------------------------------


def _links(db) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in db.execute("SELECT url, duplicate_of, story_id FROM articles")}


def _fill(db) -> None:
    _save(db, "https://www.unian.ua/politics/a-13219538.html", GENEVA_UK, "uk", "2026-11-19")
    _save(db, "https://sputnikglobe.com/20261119/a-1124187563.html", GENEVA_EN, "en", "2026-11-19")
    _save(db, "https://www.pravda.com.ua/news/2026/11/20/8076402/", ENVOY_UK, "uk", "2026-11-20")
    _save(
        db,
        "https://www.eurointegration.com.ua/news/2026/11/20/7239415/",
        ENVOY_UK,
        "uk",
        "2026-11-20",
    )
    _save(db, "https://example.org/roundup", ROUNDUP_EN, "en")


def test_relink_all_repairs_wrong_links_and_is_idempotent(db_path):
    db = open_store(db_path)
    _fill(db)
    right = _links(db)
    # What an older version might have left: everything chained into one story, no copies.
    first = db.execute("SELECT id FROM articles ORDER BY first_seen, id LIMIT 1").fetchone()[0]
    db.execute("UPDATE articles SET story_id = ?, duplicate_of = NULL", [first])
    db.conn.commit()
    counts = relink_all(db)
    assert _links(db) == right
    assert counts["articles"] == 5 and counts["copies"] == 1 and counts["changed"] >= 3
    again = relink_all(db)
    assert again["changed"] == 0 and _links(db) == right
    assert db["story_anchors"].count and db["edition_keys"].count  # indexes rebuilt


def test_a_store_of_the_previous_version_is_relinked_when_opened(db_path):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    old = Database(sqlite3.connect(db_path))
    migrations.apply(old, stop_before="m010_story_features_and_editions")
    rows = [
        ("a" * 16, "https://www.unian.ua/politics/a-13219538.html", "uk", "2026-11-19", *GENEVA_UK),
        (
            "b" * 16,
            "https://www.pravda.com.ua/news/2026/11/20/8076402/",
            "uk",
            "2026-11-20",
            *ENVOY_UK,
        ),
    ]
    for key, url, language, day, title, text in rows:
        old["articles"].insert(
            {
                "id": key,
                "url": url,
                "language": language,
                "date": day,
                "title": title,
                "text": text,
                "first_seen": SEEN,
                "story_id": "a" * 16,  # chained by the old rules
            }
        )
    old.conn.commit()
    old.close()
    db = open_store(db_path)
    assert not migrations.pending(db)
    stories = dict(db.execute("SELECT id, story_id FROM articles").fetchall())
    assert stories == {"a" * 16: "a" * 16, "b" * 16: "b" * 16}
    assert db["story_anchors"].count and db["article_fingerprints"].count == 2


def test_an_updated_article_s_edition_keys_are_replaced_not_added(db_path):
    """Edition keys are cleared only on an update: a new article has none to clear, and an
    updated one must not keep the alternates its earlier version declared."""
    db = open_store(db_path)
    url = "https://www.pravda.com.ua/news/2026/01/08/8015225/"
    old = "https://www.pravda.com.ua/eng/news/2026/01/08/8015225/"
    new = "https://www.pravda.com.ua/rus/news/2026/01/08/8015225/"
    _save(db, url, ROUNDUP_EN, "uk", "2026-01-08", alternates=[old])
    edited = (ROUNDUP_EN[0], ROUNDUP_EN[1] + "\n\nUpdated.")
    _save(db, url, edited, "uk", "2026-01-08", alternates=[new])
    keys = {k for (k,) in db.execute("SELECT key FROM edition_keys WHERE own = 0")}
    assert any("rus/news" in k for k in keys) and not any("eng/news" in k for k in keys)
    assert db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 1  # an update

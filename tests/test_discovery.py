"""Feeds and sitemaps: the real ones under ../shared/fixtures, and hostile or broken ones."""

from __future__ import annotations

import gzip

import pytest

from newswatch.discovery import DiscoveryError, parse_feed, parse_sitemap, sitemap_period_end


def test_real_unian_feed(shared):
    entries = parse_feed(
        (shared / "fixtures/unian/datimport_unian_news_ukr_rss_2020-09-28.xml").read_bytes()
    )
    assert len(entries) == 50
    assert {e.url.split("/")[2] for e in entries} == {
        "www.unian.ua",
        "press.unian.ua",
        "www.unian.net",
    }  # links, not hash guids
    assert entries[0].published.isoformat() == "2020-09-28T16:35:12+03:00"
    assert entries[0].title.startswith('"Зір вдалося зберегти"')


def test_real_windows_1251_pravda_feed(shared):
    data = (shared / "fixtures/pravda/datimport_pravda_rss_2020-09-29.win1251.xml").read_bytes()
    assert b'encoding="windows-1251"' in data[:100]
    entries = parse_feed(data)
    assert len(entries) == 19  # the 20th item's <link> is a video id, not a URL
    assert entries[0].title.startswith("День сердца")  # decoded, not mojibake


def test_real_pravda_sitemaps(shared):
    index = parse_sitemap(
        (shared / "fixtures/pravda/loxar_pravda_sitemap-archive.xml").read_bytes()
    )
    assert index.is_index and len(index.entries) == 309
    month = parse_sitemap(
        (shared / "fixtures/pravda/loxar_pravda_sitemap-2025-12.xml").read_bytes()
    )
    assert not month.is_index and len(month.entries) == 486
    assert month.entries[0].url == "https://www.pravda.com.ua/eng/news/2025/12/01/8009697/"


def test_a_gzipped_sitemap_reads_like_a_plain_one(shared):
    data = (shared / "fixtures/pravda/loxar_pravda_sitemap-2025-12.xml").read_bytes()
    assert parse_sitemap(gzip.compress(data)) == parse_sitemap(data)


def test_dated_child_sitemaps():
    assert (
        str(sitemap_period_end("https://www.pravda.com.ua/sitemap/sitemap-2024-02.xml.gz"))
        == "2024-02-29"
    )
    assert (
        str(
            sitemap_period_end(
                "https://sputnikglobe.com/sitemap_article.xml?date_start=20261101&date_end=20261130"
            )
        )
        == "2026-11-30"
    )
    assert sitemap_period_end("https://static.themoscowtimes.com/sitemap/news.xml") is None


def test_atom_feeds_are_read():
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
      <entry><title>T</title><link rel="alternate" href="https://www.unian.info/x-12345678.html"/>
      <published>2026-11-19T10:00:00+02:00</published></entry></feed>"""
    (entry,) = parse_feed(atom)
    assert entry.url == "https://www.unian.info/x-12345678.html" and entry.title == "T"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss><channel><item><title>&lol4;</title><link>https://www.unian.ua/a-12345678.html</link></item>
</channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&xxe;</title><link>https://www.unian.ua/a-12345678.html</link></item>
</channel></rss>"""


def test_entity_expansion_is_not_performed():
    (entry,) = parse_feed(BILLION_LAUGHS)
    assert "lollol" not in (entry.title or "")


def test_external_entities_are_not_read():
    (entry,) = parse_feed(EXTERNAL_ENTITY)
    assert "root:" not in (entry.title or "")


def test_a_gzip_bomb_is_refused():
    bomb = gzip.compress(b"<urlset>" + b" " * (60 * 1024 * 1024) + b"</urlset>")
    with pytest.raises(DiscoveryError, match="inflates past"):
        parse_sitemap(bomb)


@pytest.mark.parametrize(
    "body", [b"", b"not xml at all", b"<html><body>Hi</body></html>", b"\x1f\x8bnot really gzip"]
)
def test_unreadable_documents_raise_discovery_error(body):
    with pytest.raises(DiscoveryError):
        parse_sitemap(body)
    with pytest.raises(DiscoveryError):
        parse_feed(body)


def test_a_truncated_feed_keeps_the_items_before_the_break():
    feed = (
        b"<rss><channel><item><link>https://www.unian.ua/a-12345678.html</link></item>"
        b"<item><link>https://www.unian.ua/b-12345679.html</link></item><item><li"
    )
    assert [e.url[-13:] for e in parse_feed(feed)] == ["12345678.html", "12345679.html"]


def test_an_undeclared_namespace_prefix_is_read_by_its_local_name():
    body = (
        b"<urlset><url><loc>https://www.pravda.com.ua/news/2026/11/20/8076402/</loc>"
        b"<news:news><news:publication_date>2026-11-20T16:26:00+02:00</news:publication_date>"
        b"</news:news></url></urlset>"
    )
    (entry,) = parse_sitemap(body).entries
    assert entry.published.isoformat() == "2026-11-20T16:26:00+02:00"

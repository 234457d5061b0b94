"""One contract for the crawl's state, met in SQLite (one machine) and in Redis (workers):
every test runs against SqliteCrawlState and RedisCrawlState alike (newswatch.crawlstate)."""

from __future__ import annotations

import json

import pytest
import redis

from newswatch.crawlstate import SqliteCrawlState
from newswatch.items import Article
from newswatch.keys import article_id, article_key, canonical_url
from newswatch.scaleout.client import RedisFailure, split_url
from newswatch.scaleout.state import RedisCrawlState, known_fields
from newswatch.store import save_article

FEED = "https://www.unian.net/rss/news"
LISTED = [
    "https://www.unian.net/politics/peregovory-13000001.html",
    "https://www.unian.net/politics/peregovory-13000002.html",
    "https://www.unian.net/politics/peregovory-13000003.html",
]
VALIDATORS = {"url": FEED, "etag": '"v1"', "last_modified": None, "checked_at": "t0"}


@pytest.fixture(params=["sqlite", "redis"])
def state(request, tmp_path):
    if request.param == "sqlite":
        made = SqliteCrawlState(tmp_path / "state.db")
    else:
        made = RedisCrawlState.from_url(request.getfixturevalue("redis_url"))
    yield made
    made.close()


def store(state, article: Article, first_seen: str) -> None:
    """Store `article` as each implementation learns of it: saved in SQLite; in Redis, the
    writer's fields in `<p>:known` after its commit."""
    if isinstance(state, SqliteCrawlState):
        save_article(state.db, article, first_seen)
    else:
        state.client.hset(state.keys.known, mapping=known_fields(article, first_seen))


def crawled(url: str) -> Article:
    return Article(
        id=article_id(url),
        url=url,
        canonical_url=canonical_url(url),
        article_key=article_key(url),
        outlet="moscowtimes",
        language="en",
        title="Toll rises",
        text="The toll rose overnight, officials said.",
    )


def test_a_stored_article_is_known_by_id_canonical_url_and_article_key(state):
    url = "https://www.themoscowtimes.com/2024/10/10/toll-rises-to-seven-a86639"
    assert state.first_seen(url) is None
    store(state, crawled(url), "2026-11-20T08:00:00+00:00")
    assert state.first_seen(url) == ("2026-11-20T08:00:00+00:00",)
    variant = "http://themoscowtimes.com/2024/10/10/toll-rises-to-seven-a86639/?utm_source=x"
    assert state.first_seen(variant) == ("2026-11-20T08:00:00+00:00",)  # the canonical URL
    edited = "https://www.themoscowtimes.com/2024/10/10/toll-rises-to-eight-a86639"
    assert state.first_seen(edited) == ("2026-11-20T08:00:00+00:00",)  # the article key
    other = "https://www.themoscowtimes.com/2024/10/10/toll-rises-to-seven-a86640"
    assert state.first_seen(other) is None


def test_a_listings_validators_come_with_its_pending_articles_and_give_up_after_the_tries(
    state,
):
    assert state.validators(FEED) is None
    state.record_listing("unian", [(LISTED[0], []), (LISTED[1], ["https://x/en"])], "t", VALIDATORS)
    assert state.validators(FEED) == ('"v1"', None)
    assert state.forget_pending([LISTED[0], LISTED[0], LISTED[2]]) == 1  # stored; one was
    for _ in range(3):  # three crawls ask for it again
        again, given_up = state.take_pending("unian", max_tries=3)
        assert again == [(LISTED[1], ["https://x/en"])] and given_up == []
        assert state.take_pending("sputnik", max_tries=3) == ([], [])  # not another outlet's
    assert state.take_pending("unian", max_tries=3) == ([], [LISTED[1]])  # the fourth gives up
    assert state.take_pending("unian", max_tries=3) == ([], [])


def test_an_article_listed_again_keeps_its_tries_and_new_validators_replace_the_old(state):
    state.record_listing("unian", [(LISTED[0], [])], "t1", VALIDATORS)
    state.take_pending("unian", max_tries=2)
    state.take_pending("unian", max_tries=2)
    later = {**VALIDATORS, "etag": None, "last_modified": "Sat, 21 Nov 2026 10:00:00 GMT"}
    state.record_listing("unian", [(LISTED[0], ["https://x/uk"])], "t2", later)
    assert state.validators(FEED) == (None, "Sat, 21 Nov 2026 10:00:00 GMT")
    # still the first row (listed at t1, no alternates), and its two tries used up
    assert state.take_pending("unian", max_tries=2) == ([], [LISTED[0]])


def test_pending_articles_come_back_in_the_order_they_were_listed(state):
    state.record_listing("unian", [(LISTED[2], []), (LISTED[1], [])], "2026-11-20T10:00:00+00:00")
    state.record_listing("unian", [(LISTED[0], [])], "2026-11-20T11:00:00+00:00")
    again, _ = state.take_pending("unian", max_tries=3)
    assert [url for url, _ in again] == [LISTED[1], LISTED[2], LISTED[0]]


def test_a_refused_request_gives_its_try_back_never_below_none(state):
    state.record_listing("unian", [(LISTED[0], [])], "t")
    state.refund_try(LISTED[0])  # no try taken yet: stays at none
    state.take_pending("unian", max_tries=1)  # one try
    state.refund_try(LISTED[0])  # refused: given back
    state.refund_try(LISTED[1])  # not pending: nothing
    assert state.take_pending("unian", max_tries=1) == ([(LISTED[0], [])], [])
    assert state.take_pending("unian", max_tries=1) == ([], [LISTED[0]])


def test_a_listing_with_nothing_new_and_no_validators_records_nothing(state):
    state.record_listing("unian", [], "t", None)
    assert state.validators(FEED) is None
    assert state.take_pending("unian", max_tries=3) == ([], [])
    assert state.forget_pending([]) == 0


def test_a_stored_item_is_forgotten_by_the_store_pipeline_but_not_by_a_worker(state):
    """In SQLite item_scraped comes after the commit; a worker's only says the article was
    pushed: the writer forgets it after its own commit."""
    state.record_listing("unian", [(LISTED[0], [])], "t")
    forgotten = state.forget_stored([LISTED[0]])
    again, _ = state.take_pending("unian", max_tries=3)
    if isinstance(state, RedisCrawlState):
        assert (forgotten, again) == (0, [(LISTED[0], [])])
    else:
        assert (forgotten, again) == (1, [])


def test_redis_keys_live_under_the_prefix_of_the_url(redis_url):
    state = RedisCrawlState.from_url(f"{redis_url}?prefix=room2")
    state.record_listing("unian", [(LISTED[0], [])], "t", VALIDATORS)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    assert sorted(client.keys("*")) == ["room2:pending", "room2:validators"]
    assert json.loads(client.hget("room2:pending", LISTED[0])) == {
        "outlet": "unian",
        "alternates": [],
        "listed_at": "t",
    }
    assert RedisCrawlState.from_url(redis_url).validators(FEED) is None  # "newswatch:" keys
    assert RedisCrawlState.from_url(redis_url, prefix="room2").validators(FEED) == ('"v1"', None)
    state.close()
    client.close()


def test_the_prefix_is_taken_out_of_the_url_for_redis_py():
    assert split_url("redis://h:1/2?prefix=p&ssl_cert_reqs=none") == (
        "redis://h:1/2?ssl_cert_reqs=none",
        "p",
    )
    assert split_url("redis://h:1/2") == ("redis://h:1/2", "newswatch")
    assert split_url("redis://h:1/2?prefix=p", prefix="q") == ("redis://h:1/2", "q")


def test_an_unreachable_redis_is_one_clear_error_without_the_password():
    from support.redis_server import free_port

    state = RedisCrawlState.from_url(f"redis://user:secret@127.0.0.1:{free_port()}/0")
    unreachable = r"^Redis at redis://127\.0\.0\.1:\d+/0 is unreachable: "
    with pytest.raises(RedisFailure, match=unreachable) as caught:
        state.first_seen(LISTED[0])
    assert "secret" not in str(caught.value) and "\n" not in str(caught.value)

"""The crawl's state in Redis, shared by every crawl worker (see newswatch.crawlstate for the
interface, newswatch.scaleout for the keys).

It keeps the contract of the SQLite implementation (newswatch.store.listings), key for key:

- known articles: the hash `<p>:known`, article id / canonical URL / article key -> first_seen,
  which only the writer fills (at its start from the store, then after each commit:
  `known_fields`). A worker asks for exactly the three keys `stored_first_seen` asks SQLite.
- a listing's validators and the articles it names as pending are written in one MULTI/EXEC
  transaction, as SQLite writes them in one transaction: an unchanged listing (304) never
  hides an article not stored yet.
- taking the pending articles at a crawl's start (count a try, give up after `max_tries`) is
  one Lua script, atomic however many workers start the outlet at once.
- an article is pending no more once the writer committed it: the writer removes it then. A
  worker's `item_scraped` only means "pushed to the writer", so `forget_stored` is nothing
  here; were it to forget, a writer that died before committing would lose the article.

Redis's errors come out as `newswatch.scaleout.client.RedisFailure`, one line naming the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from newswatch.items import Article
from newswatch.keys import article_id, article_key, canonical_url
from newswatch.scaleout.client import connect, redis_failures

# Atomically: the outlet's pending articles tried `max_tries` times already are removed and
# given up; the rest get one more try and are returned with their row (JSON as stored).
TAKE_PENDING = """
local entries = redis.call('HGETALL', KEYS[1])
local max_tries = tonumber(ARGV[2])
local out = {}
for i = 1, #entries, 2 do
  local url, value = entries[i], entries[i + 1]
  local ok, row = pcall(cjson.decode, value)
  if ok and type(row) == 'table' and row['outlet'] == ARGV[1] then
    local tries = tonumber(redis.call('HGET', KEYS[2], url) or '0') or 0
    if tries >= max_tries then
      redis.call('HDEL', KEYS[1], url)
      redis.call('HDEL', KEYS[2], url)
      table.insert(out, 'given_up')
    else
      redis.call('HINCRBY', KEYS[2], url, 1)
      table.insert(out, 'again')
    end
    table.insert(out, url)
    table.insert(out, value)
  end
end
return out
"""

# A refused request was no try: one try back, never below zero, for a URL still pending.
REFUND_TRY = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  local tries = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') or 0
  if tries > 0 then
    redis.call('HSET', KEYS[2], ARGV[1], tries - 1)
  end
end
return 0
"""


def known_keys(url: str) -> list[str]:
    """The fields of `<p>:known` that say whether the article at `url` is stored: what
    newswatch.store.stored_first_seen asks SQLite (id, canonical URL, article key)."""
    keys = [article_id(url), canonical_url(url), article_key(url)]
    return list(dict.fromkeys(key for key in keys if key))


def known_fields(article: Article, first_seen: str) -> dict[str, str]:
    """What the writer sets in `<p>:known` for a stored article: its id, canonical URL and
    article key (those it has), each -> its first_seen."""
    keys = (article.id, article.canonical_url, article.article_key)
    return {key: first_seen for key in keys if key}


class RedisCrawlState:
    """The CrawlState of a worker's crawl, in Redis (see the module's documentation)."""

    def __init__(self, client, keys, url: str):
        self.client = client
        self.keys = keys
        self.url = url
        self._take_pending = client.register_script(TAKE_PENDING)
        self._refund_try = client.register_script(REFUND_TRY)

    @classmethod
    def from_url(cls, url: str, prefix: str | None = None) -> RedisCrawlState:
        """The state in the Redis at `url`, under `prefix`, else the URL's `?prefix=`, else
        "newswatch" (newswatch.scaleout.client.split_url)."""
        client, keys = connect(url, prefix)
        return cls(client, keys, url)

    def first_seen(self, url):
        """A one-tuple of the stored article's `first_seen`, or None when it is not stored."""
        keys = known_keys(url)
        with redis_failures(self.url):
            values = self.client.hmget(self.keys.known, keys)
        return next(((value,) for value in values if value is not None), None)

    def validators(self, url):
        """(etag, last_modified) that the listing at `url` last carried, or None."""
        with redis_failures(self.url):
            value = self.client.hget(self.keys.validators, url)
        if value is None:
            return None
        row = json.loads(value)
        return row.get("etag"), row.get("last_modified")

    def record_listing(self, outlet, articles, listed_at, validators=None):
        """In one MULTI/EXEC: `articles` (URL, alternates) as pending for `outlet` (one already
        pending keeps its row and its tries), and the listing's `validators` (a
        http_validators row: url, etag, last_modified, checked_at) if it has them."""
        rows = {
            url: json.dumps({"outlet": outlet, "alternates": list(alt), "listed_at": listed_at})
            for url, alt in articles
        }
        if not rows and not validators:
            return
        with redis_failures(self.url), self.client.pipeline(transaction=True) as transaction:
            for url, row in rows.items():
                transaction.hsetnx(self.keys.pending, url, row)
            if validators:
                saved = {k: validators.get(k) for k in ("etag", "last_modified", "checked_at")}
                transaction.hset(self.keys.validators, validators["url"], json.dumps(saved))
            transaction.execute()

    def take_pending(self, outlet, max_tries):
        """The outlet's pending articles to request again in this crawl (URL, alternates),
        each try counted, ordered by when they were listed; and the URLs given up, removed,
        after `max_tries` crawls requested them."""
        with redis_failures(self.url):
            flat = self._take_pending(
                keys=[self.keys.pending, self.keys.pending_tries], args=[outlet, max_tries]
            )
        again, given_up = [], []
        for kind, url, value in zip(flat[0::3], flat[1::3], flat[2::3], strict=True):
            row = json.loads(value)
            entry = (row.get("listed_at") or "", url, row.get("alternates") or [])
            (given_up if kind == "given_up" else again).append(entry)
        again.sort(key=lambda e: e[:2])
        given_up.sort(key=lambda e: e[:2])
        return [(url, alternates) for _, url, alternates in again], [url for _, url, _ in given_up]

    def forget_pending(self, urls: Iterable[str]) -> int:
        """Remove `urls` from the pending articles (stored or accounted for); how many were."""
        urls = list(dict.fromkeys(urls))
        if not urls:
            return 0
        with redis_failures(self.url), self.client.pipeline(transaction=True) as transaction:
            transaction.hdel(self.keys.pending, *urls)
            transaction.hdel(self.keys.pending_tries, *urls)
            removed, _ = transaction.execute()
        return removed

    def forget_stored(self, urls: Iterable[str]) -> int:
        """Nothing: a worker's item was pushed, not stored. The writer forgets its URLs once
        its transaction committed."""
        return 0

    def refund_try(self, url: str) -> None:
        """The site refused `url` (blocking): that request was no try."""
        with redis_failures(self.url):
            self._refund_try(keys=[self.keys.pending, self.keys.pending_tries], args=[url])

    def close(self) -> None:
        self.client.close()

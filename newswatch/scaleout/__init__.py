"""Scale-out: many crawl workers, one writer of the store.

On one machine a crawl fetches, extracts, scores and stores in one process. When that is not
enough the work splits in two:

- **workers** (`newswatch worker`, any number, on any machine that reaches Redis) fetch, extract
  and score the topic, and push each article to Redis. They share Redis's request queue and
  duplicate filter (scrapy-redis), the listings' validators and pending articles, and the set
  of articles already stored; they never open the SQLite file.
- **the writer** (`newswatch writer`, exactly one, beside the SQLite file) takes the articles
  from Redis, de-duplicates them, links them into stories and stores them, and acknowledges
  each only after its transaction committed.
- **the daemon**, with NEWSWATCH_REDIS set, schedules crawls by pushing a job per outlet;
  whichever worker is free takes it.

On one machine, `newswatch crawl --writer process` makes the same split without Redis: the
writer runs in a child process over a local pipe (`newswatch.scaleout.local`).

Redis keys (`RedisKeys`, all under one prefix, "newswatch" by default):

    <p>:jobs:<outlet>           list   crawl jobs the daemon pushed (JSON), taken by one worker
    <p>:<outlet>:requests       zset   scrapy-redis's shared request queue of the outlet
    <p>:<outlet>:seen:<window>  set    request fingerprints seen in one time window (expires)
    <p>:validators              hash   listing URL -> JSON {etag, last_modified, checked_at}
    <p>:pending                 hash   article URL -> JSON {outlet, alternates, listed_at}
    <p>:pending:tries           hash   article URL -> crawls that requested it again
    <p>:known                   hash   article id, canonical URL, article key -> first_seen
    <p>:articles                list   messages for the writer (articles and crawl reports)
    <p>:articles:processing     list   messages the writer took and has not committed yet
    <p>:articles:rejected       list   messages the writer could not store, with the reason
    <p>:writer                  string the writer's lock (one writer at a time)
    <p>:writer:counts:<outlet>:<worker>
                                hash   what the writer stored of a worker's share of an
                                       outlet's crawl, until its crawl report comes
"""

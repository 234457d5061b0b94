"""Scrapy settings for newswatch. Every one can be overridden with `scrapy crawl ... -s NAME=VALUE`.

Politeness is not optional here: robots.txt is obeyed, AutoThrottle is on with at most two
requests at a time per domain, and the User-Agent says what the crawler is and where to read
about it.
"""

import os

BOT_NAME = "newswatch"
SPIDER_MODULES = ["newswatch.spiders"]
COMMANDS_MODULE = "newswatch.commands"  # `scrapy crawl` with one-line errors
NEWSPIDER_MODULE = "newswatch.spiders"

# --- newswatch -------------------------------------------------------------------------------
# The SQLite database; the environment variable NEWSWATCH_DB overrides the default, and
# `-s NEWSWATCH_DB=...` (or `--db` on the newswatch commands) overrides both.
NEWSWATCH_DB = os.environ.get("NEWSWATCH_DB") or "data/newswatch.db"
# Folder of seed-format files imported into a database that holds no article yet; empty means
# the five seed documents bundled with newswatch.
NEWSWATCH_SEEDS = os.environ.get("NEWSWATCH_SEEDS", "")

# Fetch every request from this local server instead of the site (tests and benchmarks):
# https://host/path is fetched as <NEWSWATCH_MIRROR>/host/path. Empty: the live sites.
NEWSWATCH_MIRROR = os.environ.get("NEWSWATCH_MIRROR", "")

# Fetch again the stored articles first seen on or after this day (YYYY-MM-DD), to see their
# updates; empty: a stored article is never fetched again. The daemon's backfill sets it.
NEWSWATCH_RECHECK_SINCE = ""

# Answer every request from this fixtures folder instead of the network (offline replay).
NEWSWATCH_REPLAY = os.environ.get("NEWSWATCH_REPLAY", "")
# Save every response received into this folder, as fixtures; keep the newest N per outlet and
# page kind.
NEWSWATCH_CAPTURE = os.environ.get("NEWSWATCH_CAPTURE", "")
NEWSWATCH_CAPTURE_KEEP = 200

DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt is even consulted: a stored article is never requested again.
    "newswatch.middlewares.SkipKnownArticlesMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newswatch.middlewares.RobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newswatch.middlewares.BackoffRetryMiddleware": 550,
    "newswatch.middlewares.ConditionalGetMiddleware": 560,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newswatch.middlewares.HttpCompressionMiddleware": 590,
    # Below HttpCompressionMiddleware (590): responses reach it decompressed, as replay serves.
    "newswatch.middlewares.CaptureMiddleware": 580,
    # Below capture (a challenge page is worth a fixture), above retries (it is not retried).
    "newswatch.middlewares.BlockingMiddleware": 575,
    # Before Scrapy's HttpProxyMiddleware (750), which applies the proxy it names.
    "newswatch.middlewares.OutletProxyMiddleware": 740,
    "newswatch.middlewares.ReplayMiddleware": 980,
}
# Scrapy's HTTP/1.1 handler, which with NEWSWATCH_MIRROR set fetches from the mirror instead.
# A proxy for one outlet's requests, for a site that refuses where newswatch runs:
# NEWSWATCH_PROXY_<OUTLET> (NEWSWATCH_PROXY_SPUTNIK, ..._MOSCOWTIMES), as a setting or in the
# environment, http://[user:pass@]host:port. HTTPS_PROXY / HTTP_PROXY in the environment apply
# to every outlet (Scrapy's HttpProxyMiddleware).

# What a listing names is pending until stored or accounted for; it is requested again by the
# next crawls of the outlet, and given up after this many (see newswatch/pending.py).
SPIDER_MIDDLEWARES = {"newswatch.pending.PendingArticlesMiddleware": 40}
NEWSWATCH_PENDING_TRIES = 3

# Crawl workers sharing Redis (`newswatch worker`, newswatch/scaleout/worker.py): seconds
# between two looks for crawl jobs; seconds with no job after which a worker stops (0: never;
# --idle-exit); hours of each window of the shared duplicate filter, whose fingerprints are
# forgotten one to two windows after they were seen (newswatch/scaleout/dupefilter.py).
NEWSWATCH_WORKER_POLL_S = 1.0
NEWSWATCH_WORKER_IDLE_EXIT = 0
NEWSWATCH_DUPEFILTER_HOURS = 24

DOWNLOAD_HANDLERS = {
    "http": "newswatch.mirror.MirrorDownloadHandler",
    "https": "newswatch.mirror.MirrorDownloadHandler",
}

EXTENSIONS = {
    "newswatch.outlet_lock.OutletLock": -10,  # one crawl per outlet and database at a time
    "newswatch.closing.CloseWhenPipelinesDrain": 5,  # a stop during an import ends (Scrapy fix)
    "newswatch.extensions.StatsDumpFile": 0,  # with STATS_DUMP_FILE=path: final stats as JSON
    "newswatch.extensions.CrawlRecorder": 10,  # a row in the crawls table per outlet crawl
    "newswatch.extensions.LostItems": 20,  # articles a pipeline failed on: newswatch/lost
}
STATS_DUMP_FILE = ""

# Topic files to score every article against (a list, or comma-separated paths); empty means
# the bundled topic, newswatch/topics/west_russia_talks.toml.
NEWSWATCH_TOPICS = [p for p in os.environ.get("NEWSWATCH_TOPICS", "").split(",") if p]

# Who writes the store: "inline", the crawl's own process, or "process", a writer process of
# the crawl's own, which stores on a second core while the crawl goes on
# (newswatch.scaleout.local). "process" made the replay benchmark half as fast again on 2 cores
# (281 against 181 articles/s), but the two processes hold more memory (198 MB at peak inline
# becomes 199 MB in the crawl and 128 MB in the writer), and a live crawl, paced by politeness,
# or the daemon running two crawls at once, gains nothing from it: worth it for CPU-bound
# crawls (replays, mirrors), hence not the default.
NEWSWATCH_WRITER = "inline"
# The writer process's batches: what came while it wrote the one before, this many at most
# (see ProcessStorePipeline).
NEWSWATCH_WRITER_BATCH = 100
# The inline writer's batches: articles written per transaction at most, and seconds an
# article waits for its batch at most (see StorePipeline).
NEWSWATCH_STORE_BATCH = 25
NEWSWATCH_STORE_BATCH_S = 1.0
# Each article page gives one item and the pipelines are synchronous: Scrapy's default of 100
# items processed in parallel per response only costs 100 asyncio tasks per page.
CONCURRENT_ITEMS = 4

ITEM_PIPELINES = {
    "newswatch.pipelines.NormalisePipeline": 100,
    "newswatch.pipelines.TopicPipeline": 300,
    "newswatch.pipelines.StorePipeline": 900,
}

# --- politeness and robustness ----------------------------------------------------------------
USER_AGENT = "newswatch/0.1 (news monitoring crawler; +https://github.com/newswatch/newswatch)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry when the server names no Retry-After
RETRY_BACKOFF_MAX = 300.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control (an HTTP endpoint that runs code, one per crawler): a monitor,
# and each of its workers, has no use for it.
REMOTE_CONTROL_ENABLED = False

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("NEWSWATCH_LOG_LEVEL", "INFO")

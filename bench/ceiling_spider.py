"""The plain-Scrapy ceiling for bench/replay_throughput.py: fetch the feed and every page it
lists from the local server, and do nothing with them."""

import scrapy


class CeilingSpider(scrapy.Spider):
    name = "ceiling"
    custom_settings = {
        "ROBOTSTXT_OBEY": False,
        "ITEM_PIPELINES": {},
        "DOWNLOADER_MIDDLEWARES": {},
        "SPIDER_MIDDLEWARES": {},
        "LOG_LEVEL": "ERROR",
    }

    def __init__(self, feed, **kwargs):
        super().__init__(**kwargs)
        self.feed = feed

    async def start(self):
        yield scrapy.Request(self.feed, callback=self.parse_feed)

    def parse_feed(self, response):
        base = self.feed.split("/rss.unian.net/")[0]
        for link in response.xpath("//item/link/text()").getall():
            yield scrapy.Request(base + "/" + link.split("://", 1)[1], callback=self.parse_page)

    def parse_page(self, response):
        self.crawler.stats.inc_value("ceiling/pages")

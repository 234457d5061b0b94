"""RBC-Ukraine: www.rbc.ua (Ukrainian /ukr/, Russian /rus/) and newsukraine.rbc.ua (English)."""

import re

from newswatch.spiders.base import OutletSpider


class RbcSpider(OutletSpider):
    name = "rbc"
    feeds = (
        "https://www.rbc.ua/static/rss/all.ukr.rss.xml",
        "https://www.rbc.ua/static/rss/all.rus.rss.xml",
        "https://newsukraine.rbc.ua/static/rss/all.eng.rss.xml",
    )
    archive_pages = (
        "https://www.rbc.ua/ukr/archive/%Y/%m/%d",
        "https://www.rbc.ua/rus/archive/%Y/%m/%d",
    )
    archive_links = (
        "div.news-feed-item div.content-section > a::attr(href), div.newsline > div > a::attr(href)"
    )
    article_url = re.compile(r"/news/[^/]+-\d{10}\.html$")

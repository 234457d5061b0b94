"""One spider per outlet, `newswatch/spiders/<outlet>.py`; `scrapy list` shows exactly these."""

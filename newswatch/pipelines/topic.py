"""TopicPipeline: score every article against each watched topic."""

from __future__ import annotations

import logging

from newswatch.items import Article
from newswatch.topic import Topic, judge_article, load_topics

logger = logging.getLogger(__name__)


def topics_from_settings(settings) -> list[Topic]:
    """The topics NEWSWATCH_TOPICS names (a list, or a comma-separated string of topic files);
    the bundled topic when it names none."""
    configured = settings.get("NEWSWATCH_TOPICS") if settings else None
    if isinstance(configured, str):
        configured = [p.strip() for p in configured.split(",") if p.strip()]
    return load_topics(configured)


class TopicPipeline:
    """Sets `relevance` (the best score), `on_topic` (on any topic), `matched` and `topics` on
    each Article; counts on- and off-topic articles. Off-topic articles go on to be stored too,
    so that they are not fetched again and can be reviewed."""

    def __init__(self, topics: list[Topic], stats):
        self.topics = topics
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(topics_from_settings(crawler.settings), crawler.stats)

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        judge_article(item, self.topics)
        self.stats.inc_value(f"newswatch/topic/{'on' if item.on_topic else 'off'}_topic")
        return item

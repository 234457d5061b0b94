"""A crawl that writes many articles through newswatch's pipelines, for the concurrency tests.

Run with `scrapy runspider tests/support/writer_spider.py -a count=N -a prefix=P` from the
repository, so that the project's settings (pipelines, NEWSWATCH_DB) apply. Articles with the
same `n` have the same text whatever the prefix: two writers with different prefixes write
copies of each other's articles at other URLs.
"""

import asyncio
import random
import sys
from pathlib import Path

from newswatch.items import Article
from newswatch.spiders.base import NewswatchSpider

WORDS = [
    "переговори",
    "Женева",
    "Рубіо",
    "Лавров",
    "перемир'я",
    "делегації",
    "США",
    "Росії",
    "Україна",
    "Каллас",
    "Пєсков",
    "заява",
    "посланець",
    "гарантії",
    "безпеки",
    "раунд",
    "консультації",
    "Брюссель",
    "Кремль",
]


def body(n: int) -> str:
    """A text of its own for every n (a different draw of words), the same for every writer."""
    draw = random.Random(n)
    words = [draw.choice(WORDS) + str(draw.randrange(50)) for _ in range(60)]
    return f"Стаття номер {n}. " + " ".join(words) + f" Кінець статті {n}."


def command(
    db: Path,
    count: int,
    *,
    prefix: str = "writer",
    pause: str = "0.002",
    offset: int = 0,
    settings: tuple[str, ...] = ("LOG_LEVEL=ERROR",),
) -> list[str]:
    """The command line that runs this spider (from the repository) into `db`."""
    return [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(Path(__file__).resolve()),
        *("-a", f"count={count}", "-a", f"prefix={prefix}"),
        *("-a", f"pause={pause}", "-a", f"offset={offset}"),
        *("-s", f"NEWSWATCH_DB={db}"),
        *(part for setting in settings for part in ("-s", setting)),
    ]


class WriterSpider(NewswatchSpider):
    name = "writer"
    custom_settings = {"ROBOTSTXT_OBEY": False}

    def __init__(self, count="100", prefix="writer", pause="0.002", offset="0", **kwargs):
        super().__init__(**kwargs)
        self.count = int(count)
        self.offset = int(offset)  # UNIAN's 8-digit article id: another offset, other articles
        self.prefix = prefix
        self.pause = float(pause)

    async def discover(self):
        for n in range(self.count):
            # Spread the writes over a few seconds, so that the other process's writes
            # certainly fall among them.
            await asyncio.sleep(self.pause)
            yield Article(
                url=f"https://www.unian.ua/politics/{self.prefix}-{n + self.offset:08d}.html",
                title=f"Стаття {n}",
                text=body(n),
                published="2026-11-19T15:20:00+02:00",
            )

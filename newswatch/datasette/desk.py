"""The analyst's desk in Datasette: what its templates (newswatch/datasette/templates/) are
given to render. `index.html` is the desk (the newest on-topic stories, the coverage chart);
`pages/story/{story_id}.html` is a story's page (its reports in time order, the outlets that did
not cover it, the spread chart). The SQL is the canned queries `desk`, `story` and
`story_reports` of newswatch/datasette/metadata.py; the charts are newswatch/charts.py."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup
from sqlite_utils import Database

from newswatch.charts import (
    COLOURS,
    SMALL_SPREAD,
    day_slots,
    outlet_day_chart,
    story_spread_chart,
)
from newswatch.datasette.metadata import QUERIES
from newswatch.outlets import OUTLETS
from newswatch.report import coverage

DESK_TEMPLATES = ("index.html", "pages/story/")  # the templates given `desk`
CHART_DAYS = 30
DESK_ROWS = 50  # stories on the desk; the canned query `desk` has them all


async def store_database(datasette) -> str | None:
    """The database the desk shows: the first one with newswatch's `on_topic_stories` view
    (a store an older newswatch left, not yet upgraded, has `stories` but not the views and
    columns the desk reads)."""
    for name, database in datasette.databases.items():
        if name != "_internal" and "on_topic_stories" in await database.view_names():
            return name
    return None


class Desk:
    """The desk's data for one request, read through Datasette from the store `database`."""

    def __init__(self, datasette, database: str):
        self.database = database
        self._db = datasette.get_database(database)
        self.outlets = {name: outlet.title for name, outlet in OUTLETS.items()}
        self.colours = COLOURS

    async def _rows(self, sql: str, **params) -> list[dict]:
        return [dict(row) for row in (await self._db.execute(sql, params)).rows]

    async def query(self, name: str, **params) -> list[dict]:
        """The rows of newswatch's canned query `name`."""
        return await self._rows(QUERIES[name]["sql"], **params)

    async def stories(self) -> list[dict]:
        """The desk's newest DESK_ROWS stories."""
        return await self._rows(f"SELECT * FROM ({QUERIES['desk']['sql']}) LIMIT :n", n=DESK_ROWS)

    async def story_count(self) -> int:
        rows = await self._rows(f"SELECT count(*) AS n FROM ({QUERIES['desk']['sql']})")
        return rows[0]["n"]

    async def story(self, story_id: str) -> dict | None:
        found = await self.query("story", story_id=story_id)
        return found[0] if found else None

    async def reports(self, story_id: str) -> list[dict]:
        return await self.query("story_reports", story_id=story_id)

    def missing_outlets(self, reports: list[dict]) -> list[str]:
        """The watched outlets with no report of the story."""
        covered = {r["outlet"] for r in reports}
        return [title for name, title in self.outlets.items() if name not in covered]

    async def coverage_chart(self) -> Markup:
        """On-topic articles per outlet per day, the CHART_DAYS days up to the newest."""

        def draw(conn) -> str:
            db = Database(conn)
            newest = db.execute("SELECT max(date) FROM on_topic_articles").fetchone()[0]
            dates, counts = coverage(
                db, CHART_DAYS, date.fromisoformat(newest) if newest else date.today()
            )
            return outlet_day_chart(day_slots(dates, counts), list(counts))

        return Markup(await self._db.execute_fn(draw))

    def spread_chart(self, reports: list[dict]) -> Markup:
        return Markup(story_spread_chart(reports))

    async def small_spread_chart(self, story_id: str) -> Markup:
        """The desk's thumbnail of a story's spread over outlets and time."""
        return Markup(story_spread_chart(await self.reports(story_id), SMALL_SPREAD))


async def desk_for(datasette, template: str) -> dict:
    if not template.startswith(DESK_TEMPLATES):
        return {}
    database = await store_database(datasette)
    return {"desk": Desk(datasette, database)} if database else {}

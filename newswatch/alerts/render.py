"""What an alert says, in plain text and in HTML: the story's headline, its outlets and
languages, which outlet was first, its reports (copies folded, first published first, each
with its link: what the Atom feed entry lists) and the story's page on the user's Datasette."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from sqlite_utils import Database

from newswatch.alerts.config import AlertConfig
from newswatch.store.definitions import PUBLICATION_ORDER

HEADINGS = {"new": "New story", "update": "Story spreads", "digest": "In the digest"}


@dataclass(frozen=True)
class Report:
    outlet: str
    language: str
    date: str
    title: str
    link: str | None


@dataclass(frozen=True)
class StoryAlert:
    story_id: str
    kind: str
    headline: str
    outlets: str
    languages: str
    reports: list[Report]
    page: str | None
    """The story's page on the user's Datasette, when its address is configured."""

    @property
    def first_outlet(self) -> str:
        return self.reports[0].outlet if self.reports else "unknown"


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    html: str


def story_alert(db: Database, config: AlertConfig, story_id: str, kind: str) -> StoryAlert:
    """The story as its alert tells it, read from the store now."""
    headline, outlets, languages = db.execute(
        "SELECT coalesce(title, 'story ' || story_id), outlets, languages FROM stories "
        "WHERE story_id = ?",
        [story_id],
    ).fetchone() or (f"story {story_id}", "", "")
    reports = [
        Report(*row)
        for row in db.execute(
            "SELECT coalesce(a.outlet, 'unknown'), coalesce(a.language, '?'), "
            "coalesce(a.date, 'undated'), coalesce(a.title, ''), "
            "coalesce(a.url, a.canonical_url) FROM articles a "
            f"WHERE a.story_id = ? AND a.duplicate_of IS NULL ORDER BY {PUBLICATION_ORDER}",
            [story_id],
        )
    ]
    return StoryAlert(
        story_id,
        kind,
        headline,
        (outlets or "").replace(",", ", "),
        (languages or "").replace(",", ", "),
        reports,
        config.story_url(story_id),
    )


def _story_text(story: StoryAlert) -> str:
    lines = [
        story.headline,
        f"Outlets: {story.outlets} (first: {story.first_outlet})",
        f"Languages: {story.languages}",
        "Reports:",
        *(
            f"- {r.outlet} ({r.language}, {r.date}): {r.title}"
            + (f"\n  {r.link}" if r.link else "")
            for r in story.reports
        ),
    ]
    if story.page:
        lines.append(f"The story: {story.page}")
    return "\n".join(lines)


def _story_html(story: StoryAlert, heading: str) -> str:
    reports = "".join(
        f"<li>{escape(r.outlet)} ({escape(r.language)}, {escape(r.date)}): "
        + (f'<a href="{escape(r.link)}">{escape(r.title)}</a>' if r.link else escape(r.title))
        + "</li>"
        for r in story.reports
    )
    page = f'<p><a href="{escape(story.page)}">The story on the desk</a></p>' if story.page else ""
    return (
        f"<{heading}>{escape(story.headline)}</{heading}>"
        f"<p>Outlets: {escape(story.outlets)} (first: {escape(story.first_outlet)})<br>"
        f"Languages: {escape(story.languages)}</p><ul>{reports}</ul>{page}"
    )


def render(stories: list[StoryAlert], digest: bool = False) -> Message:
    """One message: one story alerted now, or a digest of several, newest first (as given)."""
    if not digest:
        (story,) = stories
        title = f"{HEADINGS[story.kind]}: {story.headline}"
        return Message(title, _story_text(story), _story_html(story, "h2"))
    count = f"{len(stories)} stor{'y' if len(stories) == 1 else 'ies'}"
    title = f"newswatch digest: {count}"
    text = f"{title}, newest first\n\n" + "\n\n".join(_story_text(s) for s in stories)
    html = f"<h1>{escape(title)}</h1>" + "<hr>".join(_story_html(s, "h2") for s in stories)
    return Message(title, text, html)

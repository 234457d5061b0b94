"""Judgement: teaching a topic with labelled articles (`topic fit`), reading what a topic's model
learned (`topic weights`), and applying today's judgement to a stored store (`rescore`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from newswatch.cli import main
from newswatch.cli.common import _fail, db_option, topic_option


@main.group()
def topic() -> None:
    """Teach a topic with labelled articles, and see what its model weighs."""


@topic.command("fit")
@click.argument("topic_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--labels",
    "label_files",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A JSONL, CSV or TSV file of labelled articles (repeatable).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the model [default: <topic>.model.json beside the topic file].",
)
@click.option("--no-estimate", is_flag=True, help="Skip the cross-validated estimate.")
@db_option
def fit(
    topic_file: Path,
    label_files: tuple[Path, ...],
    out: Path | None,
    no_estimate: bool,
    db_path: Path | None,
) -> None:
    """Fit TOPIC_FILE's model to labelled articles and write it beside the topic file.

    Each row of a label file has `label` (1/0) and the article as `text` (with `title`,
    `language`, `date` if known), as `file` (a seed-format file, relative to the label file) or
    as `id` (a stored article; give --db). An `event` column groups reports of one event for the
    estimate, which is cross-validated so that no event is both trained and tested on."""
    from newswatch.topic import TopicError
    from newswatch.topic.fitting import fit_topic
    from newswatch.topic.labels import LabelError

    db = None
    if db_path is not None:
        from newswatch.store import StoreError, open_store

        if not db_path.exists():
            _fail(f"no database at {db_path}")
        try:
            db = open_store(db_path)
        except StoreError as error:
            _fail(str(error))
    try:
        report = fit_topic(topic_file, list(label_files), db=db, out=out, estimate=not no_estimate)
    except (TopicError, LabelError) as error:
        _fail(str(error))
    except ValueError as error:  # too few labels, or one side only
        _fail(f"cannot fit: {error}")
    except OSError as error:
        _fail(f"cannot write the model: {error.strerror or error}")
    click.echo(
        f"fitted on {report.articles} articles ({report.on_topic} on the topic, "
        f"{report.events} events); {len(report.model.weights)} features"
    )
    if report.estimate and not report.estimate["scored"]:
        click.echo("no cross-validated estimate: too few events on both sides of the topic")
    elif report.estimate:
        e = report.estimate
        click.echo(
            f"cross-validated by event: precision {e['precision']}, recall {e['recall']}, "
            f"F1 {e['f1']} ({e['scored']} articles scored)"
        )
    click.echo(f"wrote {report.path}")


@topic.command("weights")
@click.argument("topic_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--top", default=20, show_default=True, type=click.IntRange(min=1), help="How many each way."
)
def weights(topic_file: Path, top: int) -> None:
    """The features TOPIC_FILE's model weighs most, toward and against the topic: the change in
    log-odds per unit of the feature (1 for a concept in the title or lead, or an n-gram)."""
    from newswatch.topic import TopicError, load_topic

    try:
        loaded = load_topic(topic_file)
    except TopicError as error:
        _fail(str(error))
    if loaded.model is None:
        _fail(f"{topic_file} has no model yet: run `newswatch topic fit {topic_file} --labels ...`")
    ranked = sorted(loaded.model.weights.items(), key=lambda kv: (-kv[1], kv[0]))
    toward = [(n, w) for n, w in ranked if w > 0][:top]
    against = [(n, w) for n, w in reversed(ranked) if w < 0][:top]
    click.echo("toward the topic:")
    for name, weight in toward:
        click.echo(f"  {weight:+8.3f}  {name}")
    click.echo("against it:")
    for name, weight in against:
        click.echo(f"  {weight:+8.3f}  {name}")


@main.command()
@db_option
@topic_option("NEWSWATCH_TOPICS, else the bundled topic")
def rescore(db_path: Path | None, topic_files: tuple[Path, ...]) -> None:
    """Score every stored article against the topics again and re-link copies and stories, as
    this version judges them (after an upgrade, or a topic file or model changed). One
    transaction: an interrupted rescore leaves the store as it was. It holds the write lock
    throughout, so stop the daemon first."""
    import sqlite3

    from newswatch.pipelines.topic import topics_from_settings
    from newswatch.runner import project_settings
    from newswatch.store import StoreError, open_store, resolve_db_path, write_transaction
    from newswatch.store.definitions import on_topic_count
    from newswatch.store.relink import relink_all
    from newswatch.store.rescore import rescore_topics
    from newswatch.topic import TopicError, load_topics

    path = resolve_db_path(db_path)
    if not path.exists():
        _fail(f"no database at {path}")
    try:
        topics = (
            load_topics(list(topic_files))
            if topic_files
            else topics_from_settings(project_settings({}))
        )
    except TopicError as error:
        _fail(str(error))
    try:
        db = open_store(path)
        with write_transaction(db):  # one transaction: all of it, or nothing
            counts = rescore_topics(db, topics)
            relinked = relink_all(db)
            counts["on_topic_after"] = on_topic_count(db)  # copies as linked again
    except StoreError as error:
        _fail(str(error))
    except sqlite3.Error as error:  # the database busy (a crawl writing), or refusing
        _fail(f"cannot rescore {path}: {error} (stop the daemon and crawls first)")
    counts.update({f"links_{name}": value for name, value in relinked.items()})
    click.echo(json.dumps(counts))

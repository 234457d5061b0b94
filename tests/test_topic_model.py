"""The topic model: named features read where a reader looks, a deterministic fit, a model file
that is checked when read, label files in three shapes, and the `topic fit`, `topic weights`
commands. Every text here is hand-written."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import SEEDS, run_newswatch

from newswatch.seedfile import parse_seed_text
from newswatch.topic import DEFAULT_TOPIC, TopicError, load_topic, score_text
from newswatch.topic.features import article_features, article_fields
from newswatch.topic.labels import LabelError, read_labels
from newswatch.topic.model import ModelError, fit, load_model, model_path

RULES_ONLY = load_topic(use_model=False)

ON = [
    ("Rubio and Lavrov hold talks on ending the war", "The US and Russia met in Geneva."),
    ("Trump and Putin discuss a ceasefire by phone", "The White House said the call went well."),
    ("EU envoy to open dialogue with Moscow", "Brussels wants talks with Russia on peace."),
    ("Macron says he will call Putin about peace talks", "France and Russia to talk about war."),
    ("Witkoff meets Putin in the Kremlin on peace plan", "US envoy talks with Russia on the war."),
    ("Kremlin answers US peace proposal", "Peskov said Moscow studies Washington's plan."),
]
OFF = [
    ("EU adopts new sanctions package", "The sanctions target Russian oil and banks."),
    ("Football: Dynamo win the cup", "The coach praised the team after the match."),
    ("Heavy snow expected in Kyiv", "The weather forecast warns of frost and storms."),
    ("NATO approves air defence package", "Patriot missiles and ammunition for Ukraine."),
    ("Drones enter Polish airspace", "NATO jets scrambled after the drone incursion."),
    ("Stocks fall in Frankfurt", "Investors sold shares as the index fell."),
]


def labelled_rows(topic):
    rows, labels = [], []
    for (title, text), label in [*((x, 1) for x in ON), *((x, 0) for x in OFF)]:
        rows.append(article_features(topic, title=title, lead=None, text=text, language="en")[0])
        labels.append(label)
    return rows, labels


def test_the_title_is_the_line_a_saved_page_repeats_and_the_lead_follows_it():
    text = (
        "Menu Home World Sport\n"
        "Support independent journalism today, join our community of readers!\n"
        "Leaders agree to meet again next month\n"
        "By A. Writer, 12 March\n"
        "Leaders agree to meet again next month\n"
        "The two leaders agreed on Tuesday to hold another round of talks in Geneva.\n"
    )
    fields = article_fields(None, None, text)
    assert fields["title"] == "Leaders agree to meet again next month"
    assert fields["lead"].startswith("The two leaders agreed on Tuesday")
    # A title the page gives is kept, and so is a lead.
    assert article_fields("T", "L", text)["title"] == "T"


def test_features_tell_a_text_about_talks_from_one_that_mentions_them():
    about, _ = article_features(
        RULES_ONLY,
        title="US and Russia hold peace talks",
        lead=None,
        text="American and Russian negotiators held talks on ending the war in Ukraine.",
        language="en",
    )
    passing, _ = article_features(
        RULES_ONLY,
        title="Frontline update",
        lead=None,
        text="Troops advanced near the front. Shelling went on. "
        "Peace talks were mentioned by nobody. The brigade held its positions.",
        language="en",
    )
    assert about["talks@title"] == 1.0 and about["title_about_talks"] == 1.0
    assert about["talks+parties@sentences"] > 0
    assert "talks@title" not in passing and "talks+parties@sentences" not in passing
    assert passing["battlefield@body"] > 0


def test_dates_and_years_before_the_invasion_are_features():
    early, _ = article_features(
        RULES_ONLY,
        title="Summit in 2019",
        lead=None,
        text="Talks in 2019.",
        language="en",
        date="2019-12-09",
    )
    late, _ = article_features(
        RULES_ONLY,
        title="Summit in 2025",
        lead=None,
        text="Talks in 2025.",
        language="en",
        date="2025-08-15",
    )
    assert early["dated_before_2022-02-24"] == 1.0 and early["latest_year_before_2022"] == 1.0
    assert "dated_before_2022-02-24" not in late and late["mentions_2022_or_later"] == 1.0


def test_a_fit_learns_the_labels_and_is_the_same_file_every_time():
    rows, labels = labelled_rows(RULES_ONLY)
    model = fit(rows, labels, min_df=1)
    assert all((model.probability(x) >= 0.5) == bool(y) for x, y in zip(rows, labels, strict=True))
    assert fit(rows, labels, min_df=1).to_json() == model.to_json()
    assert model.trained_on["articles"] == 12 and model.trained_on["on_topic"] == 6


def test_a_fit_refuses_labels_of_one_side_only():
    rows, labels = labelled_rows(RULES_ONLY)
    with pytest.raises(ValueError, match="on the topic and articles off it"):
        fit(rows[:6], labels[:6])


def test_an_explanation_names_the_features_that_moved_the_score():
    rows, labels = labelled_rows(RULES_ONLY)
    model = fit(rows, labels, min_df=1)
    explained = model.explain(rows[0])
    assert explained and all(isinstance(v, float) for v in explained.values())
    assert max(explained.values()) > 0  # an on-topic article: something pulled it up


def test_a_model_file_round_trips_and_a_bad_one_is_refused(tmp_path):
    rows, labels = labelled_rows(RULES_ONLY)
    model = fit(rows, labels, min_df=1)
    path = tmp_path / "t.model.json"
    model.save(path)
    again = load_model(path)
    assert again.to_json() == model.to_json()
    assert abs(again.probability(rows[0]) - model.probability(rows[0])) < 1e-4
    path.write_text('{"format": "something else"}')
    with pytest.raises(ModelError, match="not a newswatch topic model"):
        load_model(path)
    path.write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model(path)


def test_a_topic_with_a_broken_model_beside_it_is_refused_at_load(tmp_path):
    topic = tmp_path / "mine.toml"
    shutil.copy(DEFAULT_TOPIC, topic)
    model_path(topic).write_text("[]")
    with pytest.raises(TopicError, match="mine.model.json"):
        load_topic(topic)
    assert load_topic(topic, use_model=False).model is None
    stale = fit(*labelled_rows(RULES_ONLY), min_df=1)
    stale.weights["retired_concept@title"], stale.means["retired_concept@title"] = 1.0, 0.0
    stale.save(model_path(topic))
    with pytest.raises(TopicError, match="fitted for concepts the topic no longer has"):
        load_topic(topic)


def test_the_bundled_model_belongs_to_the_bundled_topic():
    """A model fitted before a concept was renamed or removed would weigh features that no
    longer fire: every concept feature it weighs is one of the topic's concepts."""
    topic = load_topic()
    assert topic.model is not None
    concepts = {
        name.split("@")[0]
        for name in topic.model.weights
        if "@" in name and not name.startswith("talks+")
    }
    defined = {concept for terms in topic.terms.values() for concept, _ in terms}
    assert concepts <= defined and {"talks", "embassies", "prewar"} <= concepts


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_the_bundled_model_puts_every_seed_on_the_topic_and_says_why(seed):
    result = score_text(
        load_topic(),
        title=None,
        lead=None,
        text=parse_seed_text(seed.read_text()).body,
        language=None,
    )
    assert result.on_topic and result.relevance >= 0.5
    assert result.features and "features" in result.explained


def test_label_files_give_text_files_or_stored_ids(tmp_path, db_path):
    from newswatch.items import Article
    from newswatch.store import open_store, save_article

    seed = next(SEEDS.glob("001_*.txt"))
    shutil.copy(seed, tmp_path / seed.name)
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"text": "Talks.", "title": "T", "label": 1, "event": "e1"})
        + "\n"
        + json.dumps({"file": seed.name, "label": "no"})
        + "\n"
    )
    (tmp_path / "b.csv").write_text("file,label\n" + seed.name + ",yes\n")
    db = open_store(db_path)
    article = Article(url="https://example.org/a", title="Stored", text="Stored text here.")
    article.id = "stored1"
    save_article(db, article, "2026-01-01T00:00:00+00:00")
    (tmp_path / "c.tsv").write_text("id\tlabel\nstored1\t0\n")
    rows = read_labels([tmp_path / "a.jsonl", tmp_path / "b.csv", tmp_path / "c.tsv"], db)
    assert [r.label for r in rows] == [True, False, True, False]
    assert rows[0].group == "e1" and rows[1].group != rows[2].group
    assert rows[1].date == parse_seed_text(seed.read_text()).date_raw  # the header's date
    assert rows[3].title == "Stored"


@pytest.mark.parametrize(
    "content,message",
    [
        ('{"text": "x"}\n', "no label"),
        ('{"text": "x", "label": "maybe"}\n', "is not 1/0"),
        ('{"label": 1}\n', "needs text, file or id"),
        ('{"id": "x", "label": 1}\n', "needs the database"),
        ("not json\n", "not JSON"),
        ('{"text": "x", "label": 1, "date": 20220101}\n', "is not YYYY-MM-DD"),
        ('{"text": "x", "label": 1, "date": "23.02.2022"}\n', "is not YYYY-MM-DD"),
        ('{"file": "missing.txt", "label": 1}\n', "missing.txt"),
    ],
)
def test_a_bad_label_row_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "labels.jsonl"
    path.write_text(content)
    with pytest.raises(LabelError, match=re.escape(message)):
        read_labels([path])


def test_label_files_as_spreadsheets_and_editors_write_them(tmp_path):
    """A byte-order mark, quoted texts with line breaks, spaces after commas in the header,
    a line separator inside a JSON text, 1.0 for 1, and an event id of 0."""
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(
        '\ufefflabel, text, event\r\n1,"First line\r\n\r\nSecond line",0\r\n0,Other,0\r\n'.encode()
    )
    lines = tmp_path / "lines.jsonl"
    lines.write_text(
        json.dumps({"text": "One\u2028two", "label": 1.0, "event": 0}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    rows = read_labels([sheet, lines])
    assert [r.label for r in rows] == [True, False, True]
    assert rows[0].text == "First line\n\nSecond line"  # its paragraphs kept
    assert {r.group for r in rows} == {"0"}  # one event: never split between train and test


def test_topic_fit_writes_the_model_beside_the_topic_and_weights_reads_it(tmp_path):
    topic = tmp_path / "mine.toml"
    shutil.copy(DEFAULT_TOPIC, topic)
    labels = tmp_path / "labels.jsonl"
    lines = [
        json.dumps({"title": t, "text": x, "language": "en", "label": y, "event": f"e{i % 12}"})
        for i, ((t, x), y) in enumerate([*((o, 1) for o in ON), *((o, 0) for o in OFF)] * 2)
    ]
    labels.write_text("\n".join(lines) + "\n")
    result = run_newswatch("topic", "fit", str(topic), "--labels", str(labels))
    assert result.returncode == 0, result.stderr
    assert "fitted on 24 articles (12 on the topic, 12 events)" in result.stdout
    assert "cross-validated by event: precision" in result.stdout
    written = model_path(topic)
    assert written.exists() and load_topic(topic).model is not None
    first = written.read_bytes()
    assert run_newswatch("topic", "fit", str(topic), "--labels", str(labels)).returncode == 0
    assert written.read_bytes() == first  # deterministic
    shown = run_newswatch("topic", "weights", str(topic), "--top", "3")
    assert shown.returncode == 0 and "toward the topic:" in shown.stdout
    assert len(re.findall(r"^\s+[+-]\d", shown.stdout, re.M)) == 6


def test_topic_fit_errors_are_one_line(tmp_path):
    topic = tmp_path / "mine.toml"
    shutil.copy(DEFAULT_TOPIC, topic)
    one_side = tmp_path / "labels.jsonl"
    one_side.write_text(json.dumps({"text": "Talks.", "label": 1}) + "\n")
    result = run_newswatch("topic", "fit", str(topic), "--labels", str(one_side))
    assert result.returncode == 1 and "cannot fit" in result.stderr
    assert "Traceback" not in result.stderr
    missing = run_newswatch("topic", "fit", str(topic), "--labels", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    no_model = run_newswatch("topic", "weights", str(topic))
    assert no_model.returncode == 1 and "has no model yet" in no_model.stderr


def test_the_topic_pipeline_stores_why_and_reads_the_date():
    """The pipeline scores with the model, passes the article's date (a date before the
    invasion counts against it), and keeps the features that moved the score in `matched`."""
    from newswatch.items import Article
    from newswatch.pipelines.topic import TopicPipeline

    class Stats:
        def inc_value(self, *args, **kwargs):
            pass

    pipeline = TopicPipeline([load_topic()], Stats())

    def judged(day):
        article = Article(
            url="https://example.org/x",
            title="Macron and Putin discuss ending the war by phone",
            lead="The French and Russian presidents spoke about peace talks on Ukraine.",
            text="Paris said the call with the Kremlin lasted two hours. "
            "Macron urged Putin to agree to a ceasefire and negotiations with Kyiv.",
            language="en",
        )
        article.date = day
        return pipeline.process_item(article)

    recent, old = judged("2025-03-01"), judged("2019-06-01")
    assert recent.on_topic and "features" in recent.matched["west_russia_talks"]
    assert "talks" in recent.matched["west_russia_talks"]
    assert old.relevance < recent.relevance
    assert "dated_before_2022-02-24" in old.matched["west_russia_talks"]["features"]


def test_matched_is_the_same_in_every_process():
    """A word of two concepts ("talks": talks and contact) must not make `matched` depend on
    the process's string hashing, or a re-import would see every article as updated."""
    import os
    import subprocess
    import sys

    code = (
        "import json\n"
        "from newswatch.topic import load_topic, score_text\n"
        "s = score_text(load_topic(), title='Talks with Russia and the US', lead='',\n"
        "    text='The envoy will talk and meet in Geneva about peace talks.', language='en')\n"
        "print(json.dumps(s.explained))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(outputs) == 1


def test_rescore_topics_rejudges_a_store_an_older_version_scored(db_path):
    """A store scored by older rules (here: every article marked on the topic, no features) is
    scored again in one transaction, and says what changed."""
    from newswatch.items import Article
    from newswatch.store import open_store, save_article
    from newswatch.store.rescore import rescore_topics

    db = open_store(db_path)
    for number, (title, text) in enumerate([ON[0], OFF[0], OFF[1]]):
        article = Article(url=f"https://example.org/{number}", title=title, text=text)
        article.id, article.language = f"a{number}", "en"
        save_article(db, article, "2026-01-01T00:00:00+00:00")
    db.execute("UPDATE articles SET on_topic = 1, relevance = 1.0, matched = '{}'")
    db.conn.commit()
    counts = rescore_topics(db, [load_topic()])
    assert counts == {"scored": 3, "on_topic_before": 3, "on_topic_after": 1, "changed": 2}
    rows = {r["title"]: r for r in db["articles"].rows}
    assert rows[ON[0][0]]["on_topic"] == 1 and rows[OFF[0][0]]["on_topic"] == 0
    assert "features" in json.loads(rows[ON[0][0]]["matched"])["west_russia_talks"]
    topics = {r["article_id"]: r["on_topic"] for r in db["article_topics"].rows}
    assert sorted(topics.values()) == [0, 0, 1]
    assert rescore_topics(db, [load_topic()])["changed"] == 0  # idempotent


def test_rescore_command_rejudges_and_relinks_a_store(tmp_path):
    import sqlite3
    from contextlib import closing

    db = tmp_path / "old.db"
    assert run_newswatch("import", str(SEEDS), "--db", str(db)).returncode == 0
    with closing(sqlite3.connect(db)) as conn:  # as an older version might have left it
        conn.execute("UPDATE articles SET on_topic = 0, matched = '{}', story_id = 'x'")
        conn.commit()
    result = run_newswatch("rescore", "--db", str(db))
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    assert counts["scored"] == 5 and counts["on_topic_after"] == 5 and counts["changed"] == 5
    assert counts["links_articles"] == 5
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT id, story_id, on_topic, matched FROM articles").fetchall()
    assert all(on for _, _, on, _ in rows)
    assert all(story != "x" for _, story, _, _ in rows)
    assert all("features" in json.loads(m)["west_russia_talks"] for *_, m in rows)
    missing = run_newswatch("rescore", "--db", str(tmp_path / "typo.db"))
    assert missing.returncode == 1 and "no database" in missing.stderr
    assert not (tmp_path / "typo.db").exists()


def test_a_crawled_article_reads_as_the_same_article_saved_as_a_page():
    """Extraction gives title, lead and text apart; a seed file or a saved page gives them as
    one text, the headline often twice. The model must see the same article both ways."""
    title = "Rubio and Lavrov hold talks in Geneva on ending the war"
    lead = "The US and Russia held four hours of talks on a ceasefire in Ukraine on Tuesday."
    text = (
        "Both sides called the meeting useful and agreed to meet again next week.\n\n"
        "Kremlin spokesman Peskov said Moscow was ready for more contacts with Washington."
    )
    page = f"Menu World\n{title}\nBy A. Writer\n{title}\n{lead}\n\n{text}"
    crawled, _ = article_features(RULES_ONLY, title=title, lead=lead, text=text, language="en")
    saved, _ = article_features(RULES_ONLY, title=None, lead=None, text=page, language="en")
    named = {k: v for k, v in crawled.items() if not k.startswith("ngram:") and k != "log_words"}
    # The page's menu and byline add words (densities a little lower), nothing else.
    apart = {
        k: (v, saved.get(k, 0.0))
        for k, v in {**named, **{k: 0.0 for k in saved if k not in crawled}}.items()
        if not k.startswith("ngram:")
        and k != "log_words"
        and abs(saved.get(k, 0.0) - v) > 0.15 * max(1.0, v)
    }
    assert named and not apart, apart

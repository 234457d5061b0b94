"""The README tells the truth: commands, options, schema and the CI command are all in it."""

from __future__ import annotations

import re

import click
from conftest import REPO

from newswatch.cli import main
from newswatch.items import ARTICLE_FIELDS

README = (REPO / "README.md").read_text()


def _bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_ci_runs_exactly_the_readmes_test_command():
    test_commands = [b.strip() for b in _bash_blocks(README) if "pytest" in b]
    assert len(test_commands) == 1
    ci_lines = [
        line.strip()
        for line in (REPO / ".ci/run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert test_commands[0] in ci_lines


def test_the_main_command_is_documented_and_uses_the_console_script():
    assert any(".venv/bin/newswatch demo" in b for b in _bash_blocks(README))


def test_every_command_and_option_is_documented():
    for name, command in main.commands.items():
        assert f"newswatch {name}" in README, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert any(opt in README for opt in param.opts), f"{name} {param.opts}"


def test_every_article_field_is_in_the_schema_table():
    for field in ARTICLE_FIELDS:
        assert re.search(rf"^\| `{field}` \|", README, flags=re.M), field


def test_the_datasette_addresses_name_the_database_the_readmes_command_serves():
    """Datasette names a database after its file: the README's addresses must use the name of
    the store its own `newswatch serve` command opens (the demo's data/demo.db: `demo`), and
    name a table, view or canned query that store has."""
    from pathlib import Path

    from newswatch.datasette.metadata import build_metadata

    section = README[README.index("### Opening the data in Datasette") :]
    section = section[: section.index("\n## ")]
    (command,) = [b for b in _bash_blocks(section) if "newswatch serve" in b]
    store = re.search(r"--db (\S+)", command).group(1)
    assert f"into `{store}`" in README  # the store the quick start's `newswatch demo` makes
    name = Path(store).stem
    assert f"http://127.0.0.1:8001/{name}" in command
    database = build_metadata(name)["databases"][name]
    known = set(database["tables"]) | set(database["queries"])
    paths = re.findall(r"`(/[^`\s]*)`", section)
    assert len(paths) >= 3
    for path in paths:
        if path == "/" or path.startswith(("/story/", "/-/")):
            continue  # the desk, the story pages and Datasette's own: of no one database
        db, _, rest = path[1:].partition("/")
        assert db == name, path
        assert not rest or re.split(r"[?./]", rest)[0] in known, path

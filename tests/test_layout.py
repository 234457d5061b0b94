"""The project has the shape its users were promised."""

from pathlib import Path

from conftest import REPO


def test_top_level_layout():
    for name in (
        "scrapy.cfg",
        "newswatch",
        "seeds",
        "tests",
        "scheduler.py",
        "README.md",
        "pyproject.toml",
        "constraints.txt",
        "bench",
        ".ci/run",
    ):
        assert (REPO / name).exists(), name
    for name in ("settings.py", "items.py", "pipelines", "spiders/__init__.py"):
        assert (REPO / "newswatch" / name).exists(), name


def test_seeds_are_byte_identical_to_the_shared_seeds(shared: Path):
    theirs = sorted((shared / "seeds").glob("*.txt"))
    ours = sorted((REPO / "seeds").glob("*.txt"))
    assert [p.name for p in ours] == [p.name for p in theirs]
    assert len(ours) == 5
    for mine, original in zip(ours, theirs, strict=True):
        assert mine.read_bytes() == original.read_bytes(), mine.name


def test_dependencies_are_pinned():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    assert requirements
    for requirement in requirements:
        assert "==" in requirement, f"not pinned: {requirement}"
    assert project["scripts"]["newswatch"] == "newswatch.cli:main"

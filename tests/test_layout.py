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
    for name in ("settings.py", "items.py", "pipelines", "spiders/__init__.py", "cli/__init__.py"):
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


def test_every_imported_package_is_a_declared_dependency():
    """A fresh install must have everything newswatch imports: each third-party module comes
    from pyproject's dependencies or what they depend on (not from a developer's venv)."""
    import ast
    import re
    import sys
    from importlib.metadata import PackageNotFoundError, packages_distributions, requires

    def closure(name: str, seen: set[str]) -> set[str]:
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            return seen
        seen.add(key)
        try:
            requirements = requires(name) or []
        except PackageNotFoundError:  # a requirement whose marker excludes this Python
            return seen
        for requirement in requirements:
            if "extra ==" in requirement:
                continue
            closure(re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0], seen)
        return seen

    allowed = closure("newswatch", set())
    modules = set()
    for path in (REPO / "newswatch").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    owners = packages_distributions()
    for module in sorted(modules - set(sys.stdlib_module_names) - {"newswatch"}):
        distributions = {re.sub(r"[-_.]+", "-", d).lower() for d in owners.get(module, [])}
        assert distributions & allowed, f"{module} is imported but no declared dependency"

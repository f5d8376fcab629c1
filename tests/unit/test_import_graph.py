"""The import structure, checked from the source. From the top down: app/asgi.py and
app/cli.py compose; app/server serves (transport, limits, caches, the built schema);
app/api is the schema's types and resolvers; app/events the hubs and streams; app/domain
the contexts; app/db the database; app/process the process's small services. A layer never
imports one above it; and no two domain contexts (the packages and loose modules of
app/domain) import each other. ``python -m tests.unit.test_import_graph`` prints the
domain's graph."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (imports inside functions count)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def context_of(path: Path) -> str:
    """A domain file's context: its package under app/domain (a loose module: its name)."""
    parts = path.relative_to(APP / "domain").parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def domain_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in (APP / "domain").rglob("*.py"):
        source = context_of(path)
        for module in imports_of(path):
            if module.startswith("app.domain."):
                target = module.split(".")[2]
                if target != source and (APP / "domain" / target).exists():
                    edges[source].add(target)
    return edges


def two_way_pairs(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (a, b) for a, targets in edges.items() for b in targets if a < b and a in edges.get(b, ())
    }


def test_no_two_domain_contexts_import_each_other():
    """Where a context needs another's lookup that would close a loop, the API passes the
    function in (tenancy.lookup.OwnerLookup) instead."""
    assert not two_way_pairs(domain_edges())


def test_the_domain_and_the_database_stay_below_the_api():
    below = [*(APP / "domain").rglob("*.py"), *(APP / "db").rglob("*.py")]
    wrong = {
        f"{path.relative_to(APP)}: {module}"
        for path in below
        for module in imports_of(path)
        if module.startswith(("app.api", "app.events", "app.seed", "app.asgi", "app.cli"))
    }
    assert not wrong, sorted(wrong)


LAYERS = ("app.cli", "app.asgi", "app.server", "app.api", "app.events", "app.domain", "app.db")


# Imports every table for Alembic's metadata (migrations/env.py and the migration test
# read it); nothing in app/ imports it, so it composes from outside the layers.
TABLES = APP / "db" / "models.py"


def imports_above(package: str) -> set[str]:
    """Imports from files of ``package`` (or under app/process) of a layer above it."""
    layer = LAYERS.index(package) if package in LAYERS else len(LAYERS)
    above = LAYERS[:layer]
    root = APP.joinpath(*package.split(".")[1:])
    files = [root.with_suffix(".py")] if root.with_suffix(".py").exists() else root.rglob("*.py")
    files = [path for path in files if path != TABLES]
    return {
        f"{path.relative_to(APP)}: {module}"
        for path in files
        for module in imports_of(path)
        if any(module == name or module.startswith(name + ".") for name in above)
        or (package == "app.process" and module.startswith("app.") and module.split(".")[1]
            not in ("process", "settings"))
    }  # fmt: skip


def test_every_layer_imports_only_those_below_it():
    assert not [p for p in APP.rglob("*.py") if "app.db.models" in imports_of(p)]
    wrong = set().union(*(imports_above(package) for package in (*LAYERS[1:], "app.process")))
    assert not wrong, sorted(wrong)


def test_the_check_sees_a_two_way_pair():
    """The detector itself: a pair made up here is found."""
    assert two_way_pairs({"a": {"b"}, "b": {"a", "c"}, "c": set()}) == {("a", "b")}


if __name__ == "__main__":
    for source, targets in sorted(domain_edges().items()):
        print(f"{source} -> {', '.join(sorted(targets))}")
    print("two-way:", sorted(two_way_pairs(domain_edges())))

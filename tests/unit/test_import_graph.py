"""The import structure, checked from the source: the domain never imports the API, the
events' hubs and streams (app/events, above it; the channels are app/domain/topics.py) or
the seeds; the database layer imports no domain service; and domain
contexts (the packages of app/domain) form no new two-way pair.

The pairs that remain are listed in KNOWN_PAIRS, each to be untangled (issue 25): the test
fails on a pair not listed, and on a listed pair that is gone (remove it from the list), so
the list only shrinks. Run ``python -m tests.unit.test_import_graph`` to print the graph."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Two-way pairs among domain contexts still to untangle (sorted names).
KNOWN_PAIRS = {
    ("experiments", "registry"),
    ("notifications", "serving"),
}


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


def test_domain_contexts_form_no_new_two_way_pair():
    pairs = two_way_pairs(domain_edges())
    assert not pairs - KNOWN_PAIRS, f"a new two-way pair of contexts: {sorted(pairs - KNOWN_PAIRS)}"
    assert not KNOWN_PAIRS - pairs, f"untangled (drop from KNOWN_PAIRS): {KNOWN_PAIRS - pairs}"


def test_the_domain_and_the_database_stay_below_the_api():
    below = [*(APP / "domain").rglob("*.py"), *(APP / "db").rglob("*.py")]
    wrong = {
        f"{path.relative_to(APP)}: {module}"
        for path in below
        for module in imports_of(path)
        if module.startswith(("app.api", "app.seed", "app.asgi", "app.cli"))
        or (module.startswith("app.events") and not module.startswith("app.domain.topics"))
        and module != "app.events"
    }
    assert not wrong, sorted(wrong)


def test_the_check_sees_a_two_way_pair():
    """The detector itself: a pair made up here is found."""
    assert two_way_pairs({"a": {"b"}, "b": {"a", "c"}, "c": set()}) == {("a", "b")}


if __name__ == "__main__":
    for source, targets in sorted(domain_edges().items()):
        print(f"{source} -> {', '.join(sorted(targets))}")
    print("two-way:", sorted(two_way_pairs(domain_edges())))

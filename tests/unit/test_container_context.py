"""The Docker build context (no Docker engine here to build the image, so its inputs are
checked by reading them): what the Dockerfile copies is in the context, and the local state
a checkout grows — virtualenvs, node_modules, the embedded database, caches — is not (one
of them, MLflow's virtualenv, is close to a gigabyte sent to the daemon on every build)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def docker_ignores() -> list[re.Pattern[str]]:
    """.dockerignore's patterns as Docker reads them: from the context's root, ``*`` and
    ``?`` within one path segment, ``**`` across segments (also none)."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert not line.startswith("!"), "exceptions are not modelled here: extend the test"
        body = line.strip("/")
        regex = ""
        i = 0
        while i < len(body):
            if body.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif body.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif body[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif body[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(body[i]), i + 1
        patterns.append(re.compile(regex))
    return patterns


def excluded(path: str, patterns: list[re.Pattern[str]]) -> bool:
    """Docker leaves out a path that a pattern matches, or whose folder one matches."""
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(p.fullmatch(prefix) for p in patterns for prefix in prefixes)


def test_what_the_dockerfile_copies_is_in_the_context() -> None:
    patterns = docker_ignores()
    sources = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        words = line.split()  # COPY lines here: plain words, one line each
        if not words or words[0] != "COPY" or any(w.startswith("--from") for w in words):
            continue
        sources += [w for w in words[1:-1] if not w.startswith("--")]
    assert {"app", "migrations", "alembic.ini", "pyproject.toml", "dashboard"} <= {
        s.rstrip("/") for s in sources
    }
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not excluded(source, patterns), f"{source} is copied but .dockerignore drops it"


def test_local_state_stays_out_of_the_context() -> None:
    """Everything git ignores is a checkout's own state (built, installed, cached, data):
    none of it belongs in an image built from the sources."""
    patterns = docker_ignores()
    ignored = subprocess.run(
        ["git", "ls-files", "--others", "--ignored", "--exclude-standard", "--directory"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # Whatever this checkout holds now, and what every working checkout holds.
    paths = set(ignored) | {".venv/", ".venv-mlflow/", ".data/", "dashboard/node_modules/"}
    leaked = sorted(p for p in paths if not excluded(p, patterns))
    assert not leaked, f"in the Docker build context, add to .dockerignore: {leaked}"


def test_the_matcher_reads_patterns_as_docker_does() -> None:
    patterns = [re.compile(r"(?:.*/)?__pycache__"), re.compile(r"dashboard/dist")]
    assert excluded("__pycache__/", patterns)
    assert excluded("app/api/__pycache__/x.pyc", patterns)
    assert excluded("dashboard/dist/index.html", patterns)
    assert not excluded("dist/", patterns)  # anchored at the context's root
    assert not excluded("dashboard/src/main.tsx", patterns)

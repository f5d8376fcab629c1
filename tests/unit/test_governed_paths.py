"""Every path that moves a version's stage or an alias goes through its model's gates
(app/domain/governance/services.py): the registry's own moves are called only there (and
by the demo seed, which runs before any gate exists). A new caller that bypassed the gates
fails here."""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
RAW = re.compile(r"\b(model_version_transition|model_alias_set|move_version|point_alias)\(")
ALLOWED = {"domain/registry", "domain/governance/services.py", "seed/demo.py"}


def test_stage_and_alias_moves_pass_the_gates():
    callers = set()
    for path in APP.rglob("*.py"):
        relative = path.relative_to(APP).as_posix()
        if any(relative.startswith(allowed) for allowed in ALLOWED):
            continue
        for line in path.read_text().splitlines():
            if RAW.search(line) and not line.lstrip().startswith(("def ", "async def ")):
                callers.add(relative)
    assert not callers, f"these move versions without the gates: {sorted(callers)}"

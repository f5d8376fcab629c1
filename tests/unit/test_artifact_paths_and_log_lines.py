"""Properties of what clients send as artifact paths and console lines, over any text
hypothesis can make (hand-picked hostile paths are in tests/api/test_run_artifacts.py)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from app.domain.artifacts.rules import MAX_PATH_CHARS, artifact_path, download_url
from app.domain.errors import DomainError
from app.domain.logs.services import MAX_LINE_CHARS, clean

SEGMENTS = st.text(alphabet=st.characters(), min_size=0, max_size=12)
PATHS = st.one_of(
    st.text(max_size=40),
    st.lists(
        st.one_of(SEGMENTS, st.sampled_from([".", "..", "", "a", "\\", "\x00"])), max_size=6
    ).map("/".join),
)


@example("\ud800")  # a lone surrogate: refused, it has no UTF-8 (found by hypothesis)
@given(PATHS)
def test_an_accepted_path_stays_inside_its_run(raw: str) -> None:
    try:
        path = artifact_path(raw, ["path"])
    except DomainError as error:
        assert error.field == ["path"]
        return
    assert path == raw  # accepted as given, never rewritten into something else
    assert not path.startswith("/") and len(path) <= MAX_PATH_CHARS
    assert "\\" not in path and not any(ord(c) < 32 or ord(c) == 127 for c in path)
    assert all(part not in ("", ".", "..") for part in path.split("/"))
    url = download_url("UnVuOjE", path)
    assert url.startswith("/v1/runs/UnVuOjE/artifacts/") and "/../" not in url


@given(st.text(max_size=MAX_LINE_CHARS + 50))
def test_a_cleaned_line_is_storable_and_cut_only_when_too_long(raw: str) -> None:
    text, truncated = clean(raw)
    assert "\x00" not in text
    text.encode("utf-8")  # PostgreSQL takes it
    assert len(text) <= MAX_LINE_CHARS
    assert truncated == (len(raw) > MAX_LINE_CHARS)

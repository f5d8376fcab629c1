"""Pure domain rules, no database."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from app.domain import validation as v
from app.domain.errors import DomainError, ErrorCode
from app.domain.monitoring.rules import MetricPoint, validate_points
from app.domain.registry.enums import ModelStage
from app.domain.registry.rules import ensure_model_quota, ensure_stage_transition, semver
from app.domain.serving.rules import ensure_instances
from app.domain.tenancy.access import Actor, effective_project_role
from app.domain.tenancy.enums import ApiKeyScope, OrgRole, Plan, ProjectRole

F = ["x"]


def code_of(fn, *args) -> ErrorCode:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        fn(*args)
    return caught.value.code


@pytest.mark.parametrize("slug", ["ab", "fraud-detection", "a1-b2-c3", "x" * 63])
def test_valid_slugs(slug: str) -> None:
    assert v.slug(slug, F) == slug


@pytest.mark.parametrize(
    "slug",
    ["a", "Fraud", "fraud_detection", "-fraud", "fraud-", "fraud--x", "x" * 64, "", "a b", None],
)
def test_invalid_slugs(slug: str) -> None:
    assert code_of(v.slug, slug, F) == ErrorCode.VALIDATION


@pytest.mark.parametrize("version", ["0.0.1", "1.2.0", "10.20.30", "2.0.0-rc.1", "1.0.0+build.5"])
def test_valid_semver(version: str) -> None:
    assert semver(version, F) == version


@pytest.mark.parametrize("version", ["1", "1.2", "01.2.3", "1.2.3.4", "v1.2.3", "1.2.3-", ""])
def test_invalid_semver(version: str) -> None:
    assert code_of(semver, version, F) == ErrorCode.VALIDATION


LEGAL = [
    ("DEVELOPMENT", "STAGING"),
    ("STAGING", "PRODUCTION"),
    ("PRODUCTION", "ARCHIVED"),
    ("STAGING", "DEVELOPMENT"),
    ("PRODUCTION", "STAGING"),
    ("ARCHIVED", "STAGING"),
    ("DEVELOPMENT", "ARCHIVED"),
]
ILLEGAL = [
    ("DEVELOPMENT", "PRODUCTION"),
    ("ARCHIVED", "PRODUCTION"),
    ("DEVELOPMENT", "DEVELOPMENT"),
    ("PRODUCTION", "PRODUCTION"),
    ("PRODUCTION", "DEVELOPMENT"),
]


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_legal_stage_transitions(current: str, target: str) -> None:
    ensure_stage_transition(ModelStage[current], ModelStage[target], F)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_stage_transitions(current: str, target: str) -> None:
    code = code_of(ensure_stage_transition, ModelStage[current], ModelStage[target], F)
    assert code == ErrorCode.INVALID_TRANSITION


@pytest.mark.parametrize(
    ("plan", "existing", "allowed"),
    [
        (Plan.STARTER, 1, True),
        (Plan.STARTER, 2, False),
        (Plan.PROFESSIONAL, 49, True),
        (Plan.PROFESSIONAL, 50, False),
        (Plan.ENTERPRISE, 100_000, True),
    ],
)
def test_model_quota(plan: Plan, existing: int, allowed: bool) -> None:
    if allowed:
        ensure_model_quota(plan, existing, F)
    else:
        assert code_of(ensure_model_quota, plan, existing, F) == ErrorCode.QUOTA_EXCEEDED


@pytest.mark.parametrize(
    ("low", "high", "ok"),
    [(0, 0, True), (1, 5, True), (3, 2, False), (-1, 2, False), (1, 1001, False)],
)
def test_instances(low: int, high: int, ok: bool) -> None:
    if ok:
        ensure_instances(low, high)
    else:
        assert code_of(ensure_instances, low, high) == ErrorCode.VALIDATION


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def point(**overrides) -> MetricPoint:  # type: ignore[no-untyped-def]
    values = {"name": "latency_ms", "value": 1.0, "recorded_at": NOW - timedelta(minutes=1)}
    return MetricPoint(**{**values, **overrides})


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (point(value=math.nan), "value"),
        (point(value=math.inf), "value"),
        (point(name="bad name"), "name"),
        (point(name="x" * 129), "name"),
        (point(recorded_at=NOW + timedelta(days=2)), "recorded_at"),
        (point(recorded_at=datetime(1999, 1, 1, tzinfo=UTC)), "recorded_at"),
        (point(recorded_at=datetime(2025, 1, 1)), "recorded_at"),
    ],
)
def test_bad_point_is_reported_with_its_index(bad: MetricPoint, field: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_points([point(), point(name="ok2"), bad], 10, now=NOW)
    assert caught.value.field == ["points", "2", field]


def test_duplicate_points_in_one_batch_are_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        validate_points([point(), point()], 10, now=NOW)
    assert caught.value.field == ["points", "1", "recorded_at"]


def test_batch_size_bounds() -> None:
    assert code_of(validate_points, [], 10) == ErrorCode.VALIDATION
    many = [point(name=f"m{i}") for i in range(11)]
    assert code_of(validate_points, many, 10) == ErrorCode.VALIDATION
    validate_points(many[:10], 10, now=NOW)


def test_json_objects_are_bounded_and_finite() -> None:
    assert v.json_object({"a": [1, 2.5, {"b": "c"}]}, F) == {"a": [1, 2.5, {"b": "c"}]}
    assert v.json_object(None, F) == {}
    assert code_of(v.json_object, [1], F) == ErrorCode.VALIDATION
    assert code_of(v.json_object, {"a": math.nan}, F) == ErrorCode.VALIDATION
    assert code_of(v.json_object, {"a": "x" * 70_000}, F) == ErrorCode.VALIDATION


def test_tags_are_deduplicated_and_checked() -> None:
    assert v.tags(["fraud", "fraud", "v1.2"], F) == ["fraud", "v1.2"]
    assert code_of(v.tags, ["ok", "not ok"], F) == ErrorCode.VALIDATION
    assert code_of(v.tags, [f"t{i}" for i in range(51)], F) == ErrorCode.VALIDATION


def test_names_are_trimmed_and_bounded() -> None:
    assert v.name("  Fraud  ", F) == "Fraud"
    assert code_of(v.name, "   ", F) == ErrorCode.VALIDATION
    assert code_of(v.name, "x" * 201, F) == ErrorCode.VALIDATION
    assert code_of(v.name, "bad\x00name", F) == ErrorCode.VALIDATION


@pytest.mark.parametrize(
    ("org_role", "member_role", "expected"),
    [
        (OrgRole.ADMIN, None, ProjectRole.OWNER),
        (OrgRole.DEVELOPER, None, ProjectRole.CONTRIBUTOR),
        (OrgRole.VIEWER, None, ProjectRole.VIEWER),
        (OrgRole.VIEWER, ProjectRole.CONTRIBUTOR, ProjectRole.CONTRIBUTOR),
        (OrgRole.DEVELOPER, ProjectRole.OWNER, ProjectRole.OWNER),
        (OrgRole.ADMIN, ProjectRole.VIEWER, ProjectRole.OWNER),
    ],
)
def test_effective_project_role(org_role, member_role, expected) -> None:  # type: ignore[no-untyped-def]
    assert effective_project_role(org_role, member_role) == expected


def test_outsiders_get_not_found_members_get_forbidden() -> None:
    import uuid

    mine, other = uuid.uuid4(), uuid.uuid4()
    actor = Actor(
        user_id=uuid.uuid4(), org_roles={mine: OrgRole.VIEWER}, scopes=frozenset(ApiKeyScope)
    )
    assert code_of(actor.require_org_role, other, OrgRole.VIEWER) == ErrorCode.NOT_FOUND
    assert code_of(actor.require_org_role, mine, OrgRole.DEVELOPER) == ErrorCode.FORBIDDEN
    read_only = Actor(
        user_id=actor.user_id, org_roles=actor.org_roles, scopes=frozenset({ApiKeyScope.READ})
    )
    assert code_of(read_only.require_org_role, mine, OrgRole.VIEWER) == ErrorCode.FORBIDDEN
    assert code_of(Actor().require_write) == ErrorCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    "check",
    [
        lambda value: v.slug(value, ["slug"]),
        lambda value: v.tags([value], ["tags"]),
        lambda value: v.url("https://example.com/" + value, ["url"]),
    ],
)
def test_patterns_match_the_whole_value_not_up_to_a_trailing_newline(check):
    """`$` in Python matches before a final newline: `slug` and `slug\\n` both passed."""
    check("fraud-detection")
    with pytest.raises(DomainError):
        check("fraud-detection\n")

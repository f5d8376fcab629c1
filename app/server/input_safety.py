"""Input that no field may receive, refused at the edge for every transport: strings with
NUL characters (PostgreSQL text cannot hold them) or lone surrogates (not Unicode; they
cannot be encoded as UTF-8), and variables nested deeper than any input of the schema.
Literals in the document are checked by a validation rule (once per document, cached with
it); variables by an extension, per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, StringValueNode, ValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from app.api.errors import BAD_USER_INPUT

MAX_VARIABLE_DEPTH = 64


def string_problem(value: str) -> str | None:
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not valid Unicode)"
    return None


class SafeStringLiterals(ValidationRule):
    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        problem = string_problem(node.value)
        if problem:
            self.report_error(
                GraphQLError(f"a string {problem}", node, extensions={"code": BAD_USER_INPUT})
            )


def nested_deeper_than(value: Any, limit: int) -> bool:
    """True if some value sits more than ``limit`` levels deep (the value itself is level
    1), walked level by level: no recursion, and a container holding only scalars (say a
    column of 10,000 numbers) costs one C-level pass over its item types, not a Python
    step per item."""
    level, depth = [value], 1
    while True:
        if depth > limit:
            return True
        containers = [item for item in level if isinstance(item, dict | list) and item]
        if not containers:
            return False
        if depth + 1 > limit:
            return True  # the containers' items sit one level deeper
        level = []
        for container in containers:
            items = container.values() if isinstance(container, dict) else container
            if any(issubclass(kind, dict | list) for kind in set(map(type, items))):
                level.extend(items)
        depth += 1


def variable_problem(value: Any, path: str, depth: int = 1) -> str | None:
    """What is wrong with a variable's value, naming where; None if nothing."""
    if depth > MAX_VARIABLE_DEPTH:
        return f"{path} is nested more than {MAX_VARIABLE_DEPTH} deep"
    if isinstance(value, str):
        problem = string_problem(value)
        return f"{path} {problem}" if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            problem = variable_problem(key, f"{path} (a key)", depth) or variable_problem(
                item, f"{path}.{key}", depth + 1
            )
            if problem:
                return problem
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problem = variable_problem(item, f"{path}[{index}]", depth + 1)
            if problem:
                return problem
    return None


class SafeVariables(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if getattr(context.context, "variables_checked", False):
            yield  # the HTTP layer already knows them clean (app/server/graphql_http.py)
            return
        for name, value in (context.variables or {}).items():
            problem = variable_problem(value, f"${name}")
            if problem:
                error = GraphQLError(problem, extensions={"code": BAD_USER_INPUT})
                context.result = ExecutionResult(data=None, errors=[error])  # nothing runs
                break
        yield

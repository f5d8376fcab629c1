"""Depth and alias limits as one validation rule, linear in the document's size.

Strawberry's QueryDepthLimiter expands every fragment spread anew (a fragment spreading
the previous one twice, 40 levels deep, takes forever), fails with Python's own text on
an empty selection set and on an unknown fragment. Here a fragment's depth is computed
once, aliases are counted in the text (spreading a fragment does not multiply them), and
an empty selection set is a validation error of its own."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

from app.api.errors import GRAPHQL_VALIDATION_FAILED, QUERY_TOO_COMPLEX


def shape_limits_rule(
    max_depth: int, max_aliases: int, max_selections: int = 200
) -> type[ValidationRule]:
    class ShapeLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            self.fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            self.fragment_depths: dict[str, int] = {}
            aliases = 0
            for definition in document.definitions:
                aliases += self._check_selections(getattr(definition, "selection_set", None))
            if aliases > max_aliases:
                self._report(f"{aliases} aliases found; the limit is {max_aliases}", None)
            for definition in document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    try:
                        depth = self._depth(definition.selection_set, frozenset())
                    except RecursionError:
                        depth = max_depth + 1
                    if depth > max_depth:
                        name = definition.name.value if definition.name else "anonymous"
                        self._report(
                            f"'{name}' exceeds maximum operation depth of {max_depth}",
                            definition,
                        )

        def _report(self, message: str, node: Any, code: str = QUERY_TOO_COMPLEX) -> None:
            self.report_error(GraphQLError(message, node, extensions={"code": code}))

        def _check_selections(self, selection_set: SelectionSetNode | None) -> int:
            """Aliases in a selection set (textually); reports empty selection sets."""
            if selection_set is None:
                return 0
            aliases = 0
            stack = [selection_set]
            while stack:
                current = stack.pop()
                if not current.selections:
                    self._report(
                        "a selection set must select at least one field",
                        current,
                        GRAPHQL_VALIDATION_FAILED,
                    )
                elif len(current.selections) > max_selections:
                    self._report(
                        f"a selection set selects {len(current.selections)} fields; the limit "
                        f"is {max_selections}",
                        current,
                    )
                    return aliases  # no need to look further
                for selection in current.selections:
                    if isinstance(selection, FieldNode) and selection.alias is not None:
                        aliases += 1
                    inner = getattr(selection, "selection_set", None)
                    if inner is not None:
                        stack.append(inner)
            return aliases

        def _depth(self, selection_set: SelectionSetNode, visiting: frozenset[str]) -> int:
            """Depth below this selection set, capped at max_depth + 1 (no need to look
            further), each fragment computed once."""
            deepest = 0
            for selection in selection_set.selections:
                if deepest > max_depth:
                    break
                if isinstance(selection, FieldNode):
                    if selection.selection_set is None or selection.name.value.startswith("__"):
                        continue
                    below = self._depth(selection.selection_set, visiting)
                    deepest = max(deepest, min(1 + below, max_depth + 1))
                elif isinstance(selection, InlineFragmentNode):
                    deepest = max(deepest, self._depth(selection.selection_set, visiting))
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if fragment is None or name in visiting:
                        continue  # unknown fragments and cycles: other rules report them
                    if name not in self.fragment_depths:
                        self.fragment_depths[name] = self._depth(
                            fragment.selection_set, visiting | {name}
                        )
                    deepest = max(deepest, self.fragment_depths[name])
            return deepest

    return ShapeLimits

"""Validation rules and extensions that close the traps in Strawberry's stock defaults."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

from schema.errors import PublicError

logger = logging.getLogger("app.graphql")

MASKED_MESSAGE = "Unexpected error."
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def should_mask(error: GraphQLError) -> bool:
    """Mask errors raised by our code unless they are deliberate :class:`PublicError` s.

    Syntax and validation errors (no original error) stay visible: clients need them.
    """
    return is_unexpected(error)


def is_unexpected(error: GraphQLError) -> bool:
    """True for errors that come from a crash rather than from the client's request."""
    original = error.original_error
    return original is not None and not isinstance(original, PublicError)


def log_errors(errors: list[GraphQLError]) -> None:
    """Log each error once, before masking: crashes with their trace, client errors as one line.

    Strawberry's default logs every error, syntax and validation included, at ERROR
    with a trace, which buries real crashes under clients' typos.
    """
    for error in errors:
        if is_unexpected(error):
            logger.error(
                "graphql.unexpected_error path=%s", error.path, exc_info=error.original_error
            )
        else:
            logger.info("graphql.client_error %s", error.message)


class StripSuggestions(SchemaExtension):
    """Remove "Did you mean …?" hints that ``disable_field_suggestions`` leaves behind.

    They leak the names of types, arguments and enum values to someone probing a
    production schema with introspection switched off.
    """

    def on_operation(self) -> Iterator[None]:
        """Rewrite error messages after the operation ran."""
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        for index, error in enumerate(errors):
            cleaned = _SUGGESTION.sub("", error.message)
            if cleaned != error.message:
                errors[index] = GraphQLError(
                    cleaned,
                    error.nodes,
                    error.source,
                    error.positions,
                    error.path,
                    error.original_error,
                    error.extensions,
                )


def introspection_depth_rule(max_depth: int) -> type[ValidationRule]:
    """A rule limiting how deep a selection may go below any ``__`` field.

    Strawberry's ``QueryDepthLimiter`` skips introspection fields entirely, so a chain
    of ``ofType { ofType { … } }`` passes it however deep it is.
    """

    class IntrospectionDepthRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._fragments = {
                definition.name.value: definition.selection_set
                for definition in context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }

        def enter_field(self, node: FieldNode, *_args: Any) -> Any:
            if not node.name.value.startswith("__") or node.selection_set is None:
                return None
            depth = self._depth(node.selection_set, 1, frozenset())
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"Introspection selection exceeds maximum depth of {max_depth}.", [node]
                    )
                )
            return self.SKIP

        def _depth(self, selection_set: SelectionSetNode, level: int, seen: frozenset[str]) -> int:
            if level > max_depth:
                return level
            deepest = level
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode) and selection.selection_set is not None:
                    deepest = max(deepest, self._depth(selection.selection_set, level + 1, seen))
                elif isinstance(selection, InlineFragmentNode):
                    deepest = max(deepest, self._depth(selection.selection_set, level, seen))
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self._fragments.get(name)
                    if fragment is not None and name not in seen:
                        deepest = max(deepest, self._depth(fragment, level, seen | {name}))
            return deepest

    return IntrospectionDepthRule

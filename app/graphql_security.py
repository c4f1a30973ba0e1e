"""Validation rules and extensions that close the traps in Strawberry's stock defaults."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from graphql import (
    ASTValidationRule,
    GraphQLError,
    ProvidedRequiredArgumentsRule,
    ValuesOfCorrectTypeRule,
)
from strawberry.extensions import SchemaExtension

from schema.scalars import BAD_USER_INPUT

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def coded_rules(
    rules: Iterable[type[ASTValidationRule]],
) -> tuple[type[ASTValidationRule], ...]:
    """``rules`` with those that judge argument values reporting ``BAD_USER_INPUT``.

    A literal of the wrong type, ``null`` or a missing value for a required argument,
    an unknown enum value: the same mistakes as a bad variable value, so the same code.
    The classes are made once (module level): ``ValidationCache`` keys on them.
    """
    return tuple(_CODED.get(rule, rule) for rule in rules)


def _reporting(rule: type[ASTValidationRule], code: str) -> type[ASTValidationRule]:
    class Coded(rule):  # type: ignore[valid-type,misc]
        def report_error(self, error: GraphQLError) -> None:
            error.extensions = {**(error.extensions or {}), "code": code}
            super().report_error(error)

    Coded.__name__ = Coded.__qualname__ = rule.__name__
    return Coded


_CODED: dict[type[ASTValidationRule], type[ASTValidationRule]] = {
    rule: _reporting(rule, BAD_USER_INPUT)
    for rule in (ValuesOfCorrectTypeRule, ProvidedRequiredArgumentsRule)
}


class OperationRules(SchemaExtension):
    """Parser options and the validation rules of every operation, set before parsing.

    Replaces Strawberry's ``MaxTokensLimiter`` and ``AddValidationRules``, and refuses
    empty selection sets (``{ }``), which graphql-core still parses by default and on
    which the depth limiter crashes.
    """

    def __init__(self, rules: tuple[type[ASTValidationRule], ...], *, max_tokens: int) -> None:
        self.rules = rules
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        """Set the options before the parse and validation hooks read them."""
        context = self.execution_context
        options: dict[str, object] = context.parse_options  # type: ignore[assignment]
        options["max_tokens"] = self.max_tokens
        options["allow_empty_selection_sets"] = False
        context.validation_rules = self.rules
        yield


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
        if errors:
            strip_suggestions(errors)


def strip_suggestions(errors: list[GraphQLError]) -> None:
    """Replace, in place, each error whose message has "Did you mean …?" hints."""
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

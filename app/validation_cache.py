"""Validation results cached by the document's source text, not by its syntax tree.

Strawberry's ``ValidationCache`` is an ``lru_cache`` over ``validate_document(schema,
document, rules)``: every lookup hashes the whole ``DocumentNode``, and graphql-core's
nodes hash their fields recursively, so a hit on the departments page walked some
ninety nodes per request (about a sixth of Strawberry's own share of the request).

A document parsed by the parser cache is a function of its text and the parse options
(``OperationRules`` sets them, the same for every operation of a schema), so the text,
the options and the rules key the same result. The text's hash is computed once per
string and kept by Python; the lookup costs next to nothing. A document without
locations (none reaches here today) is keyed by its syntax tree, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from kit.lru import BoundedLru


class ValidationResults:
    """A bounded LRU of validation errors, shared by every request of a schema."""

    def __init__(self, maxsize: int) -> None:
        self._results: BoundedLru[tuple[Any, ...], list[GraphQLError]] = BoundedLru(maxsize)

    def __len__(self) -> int:
        return len(self._results)

    def errors(
        self, schema: Any, document: Any, rules: tuple[Any, ...], parse_options: dict[str, Any]
    ) -> list[GraphQLError]:
        """Strawberry's ``validate_document(schema, document, rules)``, once per key."""
        loc = document.loc
        if loc is not None:
            key: tuple[Any, ...] = (
                schema,
                loc.source.body,
                tuple(sorted(parse_options.items())),
                rules,
            )
        else:
            key = (schema, document, rules)
        return self._results.get_or_make(key, lambda: validate_document(schema, document, rules))


class SourceValidationCache(SchemaExtension):
    """Strawberry's ``ValidationCache``, keyed by the document's source (see above)."""

    def __init__(self, results: ValidationResults) -> None:
        self.results = results

    def on_validate(self) -> Iterator[None]:
        """Set the operation's validation errors (none: it may run) from the cache."""
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = self.results.errors(
            context.schema._schema,
            context.graphql_document,
            tuple(context.validation_rules),
            context.parse_options,  # type: ignore[arg-type]
        )
        yield

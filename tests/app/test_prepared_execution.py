"""Prepared operations (``app/prepared_execution.py``) answer as ``CitySchema.execute`` does.

A small schema with the app's extensions runs each document both ways: Strawberry's
``execute`` (parser cache, validation cache, rules, suggestions stripped, errors
finished) and the prepared operation, trusted or ad hoc. Data, errors (messages, codes,
paths) and what is logged must be the same; what cannot be vouched for is not prepared.
(``tests/app/test_direct_routes.py`` compares whole HTTP answers on the app's schema.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from enum import Enum
from typing import Any

import pytest
import strawberry
from graphql import specified_rules
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension
from strawberry.http import process_result

from app.execution import PlannedExecutor
from app.graphql import CitySchema
from app.graphql_security import OperationRules, StripSuggestions, coded_rules
from app.prepared_execution import PreparedExecution
from app.trusted_documents import TrustedDocuments, document_hash, trusted_document
from app.validation_cache import SourceValidationCache, ValidationResults
from schema.errors import PublicError

MAX_TOKENS = 60


@strawberry.enum
class Kind(Enum):
    """A kind."""

    GOVERNMENT = "government"
    UTILITY = "utility"


@strawberry.type
class Item:
    """An item."""

    name: str

    @strawberry.field
    def broken(self) -> str:
        """Crashes."""
        raise RuntimeError("secret detail 13800138000")


@strawberry.type
class Query:
    """The root."""

    @strawberry.field
    def boom(self) -> str | None:
        """Crashes."""
        raise RuntimeError("secret detail 13800138000")

    @strawberry.field
    def refused(self) -> str | None:
        """A client's mistake."""
        raise PublicError("No such thing.", code="NOT_FOUND", field="id")

    @strawberry.field
    async def items(self, first: int) -> list[Item]:
        """Awaited, with a crash below a non-null field."""
        await asyncio.sleep(0)
        return [Item(name=f"item {i}") for i in range(first)]

    @strawberry.field
    def kind(self, kind: Kind | None = None) -> str:
        """An enum argument."""
        return kind.value if kind else "any"


DOCUMENTS = {
    "crash": "query Crash { boom refused kind }",
    "nested": "query Nested($first: Int!) { items(first: $first) { name ...Broken } }\n"
    "fragment Broken on Item { broken }",
    "enum": "query Enum($kind: Kind) { kind(kind: $kind) }",
    "introspection": "query Types { __schema { queryType { name } } }",
}
REQUESTS: list[tuple[str, dict[str, Any] | None]] = [
    ("crash", None),
    ("nested", {"first": 2}),
    ("nested", {"first": 0}),
    ("nested", {"first": "two"}),
    ("nested", None),
    ("enum", {"kind": "GOVERNMENT"}),
    ("enum", {"kind": "GOVERMENT"}),
    ("enum", {"kind": 3, "other": 1}),
    ("introspection", None),
]


def city_schema(*, introspection: bool, extra: list[Any] | None = None) -> CitySchema:
    """The schema as ``app.graphql.build_schema`` assembles it, on the small Query."""
    rules: list[Any] = [*coded_rules(specified_rules)]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    operation_rules = tuple(rules)
    validated = ValidationResults(8)
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        lambda: OperationRules(operation_rules, max_tokens=MAX_TOKENS),
        lambda: ParserCache(maxsize=8),
        lambda: SourceValidationCache(validated),
    ]
    if not introspection:
        extensions.append(StripSuggestions)
    return CitySchema(
        query=Query,
        extensions=[*extensions, *(extra or [])],
        config=strawberry.schema.config.StrawberryConfig(
            disable_field_suggestions=not introspection
        ),
        execution_context_class=PlannedExecutor,
    )


def trusted(texts: list[str]) -> TrustedDocuments:
    return TrustedDocuments({document_hash(text): text for text in texts})


@pytest.mark.parametrize("introspection", [True, False])
@pytest.mark.parametrize("source", ["trusted", "ad-hoc"])
async def test_prepared_operations_answer_and_log_as_schema_execute(
    introspection: bool, source: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given: the schema, and its trusted documents prepared (or the same text ad hoc)
    schema = city_schema(introspection=introspection)
    documents = trusted(list(DOCUMENTS.values()))
    prepared = PreparedExecution.prepare(schema, documents if source == "trusted" else [])
    assert prepared is not None
    for name, variables in REQUESTS:
        document = trusted_document(DOCUMENTS[name])
        operation = (
            prepared.operation(document, None)
            if source == "trusted"
            else prepared.ad_hoc(document.text, None)
        )
        if name == "introspection" and not introspection:
            # then: a document its rules refuse is left to Strawberry (and its errors)
            assert operation is None
            continue
        assert operation is not None, name
        # when: the request runs both ways
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="app.graphql"):
            theirs = await schema.execute(document.text, variable_values=variables)
            logged = [r.getMessage() for r in caplog.records]
            caplog.clear()
            ours = await prepared.execute(
                operation, variables=variables, context=None, extensions=None
            )
            ours_logged = [r.getMessage() for r in caplog.records]
        # then: the same answer, and the same log lines
        assert process_result(ours) == process_result(theirs), (name, variables)
        assert ours_logged == logged, (name, variables)
    if source == "ad-hoc":
        return
    # and the crash was masked and logged, the suggestion kept only with introspection
    crash = await prepared.execute(
        prepared.operation(trusted_document(DOCUMENTS["crash"]), "Crash"),  # type: ignore[arg-type]
        variables=None,
        context=None,
        extensions=None,
    )
    assert [e.message for e in crash.errors or []] == ["Unexpected error.", "No such thing."]
    enum = trusted_document(DOCUMENTS["enum"])
    misspelt = await prepared.execute(
        prepared.operation(enum, None),  # type: ignore[arg-type]
        variables={"kind": "GOVERMENT"},
        context=None,
        extensions=None,
    )
    [error] = misspelt.errors or []
    assert ("Did you mean" in error.message) is introspection


def test_only_documents_that_parse_and_validate_alone_are_prepared() -> None:
    # given: a document of too many tokens, one of two operations, one that does not
    # validate, and one that is fine
    too_long = "query Long { " + "kind " * MAX_TOKENS + "}"
    two = "query A { kind } query B { kind }"
    invalid = "query Invalid { nope }"
    fine = "query Fine { kind }"
    schema = city_schema(introspection=True)
    # when
    prepared = PreparedExecution.prepare(schema, trusted([too_long, two, invalid, fine]))
    # then: only the fine one, and only under its own name (or none)
    assert prepared is not None
    assert len(prepared) == 1
    document = trusted_document(fine)
    assert prepared.operation(document, None) is not None
    assert prepared.operation(document, "Fine") is not None
    assert prepared.operation(document, "Other") is None
    assert prepared.operation(trusted_document(two), "A") is None


def test_ad_hoc_text_is_prepared_once_and_what_fails_is_remembered() -> None:
    # given: the schema, no trusted document
    schema = city_schema(introspection=True)
    prepared = PreparedExecution.prepare(schema, [])
    assert prepared is not None
    fine = "query Fine { kind }"
    # when: the same text twice, and text that fails each check
    first = prepared.ad_hoc(fine, None)
    again = prepared.ad_hoc("query Fine { kind }", "Fine")
    # then: prepared once, under its name or none
    assert first is not None
    assert again is first
    assert prepared.ad_hoc(fine, "Other") is None
    # and nothing for text beyond the token limit, of two operations, invalid, or broken
    assert prepared.ad_hoc("{ " + "kind " * MAX_TOKENS + "}", None) is None
    assert prepared.ad_hoc("query A { kind } query B { kind }", "A") is None
    assert prepared.ad_hoc("{ nope }", None) is None
    assert prepared.ad_hoc("{ }", None) is None
    # and broken text is parsed once, then remembered as broken
    before = parses()
    assert prepared.ad_hoc("{ kind(", None) is None
    assert prepared.ad_hoc("{ kind(", None) is None
    assert parses() == before + 1


def parses() -> int:
    """How many texts the schema's parser cache has parsed (its misses)."""
    cached_parse: Any = ParserCache(maxsize=8).cached_parse_document
    misses: int = cached_parse.cache_info().misses
    return misses


def test_a_schema_with_an_extension_it_does_not_know_prepares_nothing() -> None:
    # given: the same schema with one more extension (its effect unknown to the path)
    schema = city_schema(introspection=True, extra=[MaskErrors])
    # when
    prepared = PreparedExecution.prepare(schema, trusted(["query Fine { kind }"]))
    # then: every request goes Strawberry's way
    assert prepared is None

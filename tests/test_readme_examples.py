"""Every GraphQL example in the README is valid against the schema (the README stays true),
and every named one is the app's trusted document of that name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import (
    DocumentNode,
    OperationDefinitionNode,
    parse,
    print_ast,
    specified_rules,
    validate,
)
from graphql.validation import LoneAnonymousOperationRule

from app.graphql import build_schema
from app.trusted_documents import DOCUMENTS_DIR, document_text

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
RULES = [rule for rule in specified_rules if rule is not LoneAnonymousOperationRule]


def operations() -> list[tuple[str, DocumentNode]]:
    found = []
    for number, block in enumerate(BLOCKS, 1):
        for index, definition in enumerate(parse(block).definitions, 1):
            found.append(
                (f"block {number} operation {index}", DocumentNode(definitions=(definition,)))
            )
    return found


def named_operations() -> list[tuple[str, OperationDefinitionNode]]:
    return [
        (definition.name.value, definition)
        for _, document in operations()
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode) and definition.name is not None
    ]


def test_the_readme_has_graphql_examples() -> None:
    assert len(operations()) >= 20


@pytest.mark.parametrize(("where", "document"), operations(), ids=lambda value: str(value)[:40])
def test_readme_example_is_valid(where: str, document: DocumentNode) -> None:
    errors = validate(build_schema()._schema, document, RULES)
    assert [e.message for e in errors] == [], where


def test_the_readme_names_the_citizen_journeys_documents() -> None:
    names = {name for name, _ in named_operations()}
    assert {"Departments", "MyLifeRecord", "Inbox", "RegisterDevice"} <= names


@pytest.mark.parametrize(("name", "operation"), named_operations(), ids=lambda v: str(v)[:40])
def test_a_named_readme_example_is_the_trusted_document_of_its_name(
    name: str, operation: OperationDefinitionNode
) -> None:
    # Anonymous examples illustrate ad-hoc queries (development, enterprise API
    # clients); a named one is what the app ships: documents/<Name>.graphql, as it is.
    assert (DOCUMENTS_DIR / f"{name}.graphql").exists(), f"documents/{name}.graphql is missing"
    trusted = parse(document_text(name)).definitions[0]
    assert print_ast(operation) == print_ast(trusted)

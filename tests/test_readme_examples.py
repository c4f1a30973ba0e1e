"""Every GraphQL example in the README is valid against the schema (the README stays true)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import DocumentNode, parse, specified_rules, validate
from graphql.validation import LoneAnonymousOperationRule

from app.graphql import build_schema

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


def test_the_readme_has_graphql_examples() -> None:
    assert len(operations()) >= 20


@pytest.mark.parametrize(("where", "document"), operations(), ids=lambda value: str(value)[:40])
def test_readme_example_is_valid(where: str, document: DocumentNode) -> None:
    errors = validate(build_schema()._schema, document, RULES)
    assert [e.message for e in errors] == [], where

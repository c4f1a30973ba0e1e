"""Depth, alias, token and introspection limits; masking; suggestions."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from app.settings import Environment, Settings
from tests.conftest import graphql

DEEP_DEPARTMENTS = "{ departments { edges { node { contact { address { zh } } } } } }"


def only_error(body: dict[str, object]) -> str:
    errors = body.get("errors")
    assert isinstance(errors, list), body
    assert len(errors) == 1, body
    message = errors[0]["message"]
    assert isinstance(message, str)
    return message


async def test_query_deeper_than_the_limit_is_refused(client_with) -> None:  # type: ignore[no-untyped-def]
    shallow = await client_with(graphql_max_depth=6)
    ok = await graphql(shallow, DEEP_DEPARTMENTS)
    assert "errors" not in ok
    strict = await client_with(graphql_max_depth=3)
    refused = await graphql(strict, DEEP_DEPARTMENTS)
    assert "exceeds maximum operation depth of 3" in only_error(refused)
    assert refused.get("data") is None


async def test_too_many_aliases_are_refused_also_through_fragments(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    many = " ".join(f"a{i}: __typename" for i in range(settings.graphql_max_aliases + 1))
    direct = await graphql(client, f"{{ {many} }}")
    assert "aliases" in only_error(direct).lower()
    via_fragment = await graphql(client, f"query {{ ...F }} fragment F on Query {{ {many} }}")
    assert "aliases" in only_error(via_fragment).lower()
    allowed = " ".join(f"a{i}: __typename" for i in range(settings.graphql_max_aliases))
    assert "errors" not in await graphql(client, f"{{ {allowed} }}")


async def test_too_many_tokens_are_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    fields = " ".join("__typename" for _ in range(settings.graphql_max_tokens))
    body = await graphql(client, f"{{ {fields} }}")
    assert "token" in only_error(body).lower()


async def test_deep_introspection_type_chains_are_refused(client: httpx.AsyncClient) -> None:
    chain = "name " + "ofType { " * 30 + "name" + " }" * 30
    body = await graphql(
        client, f'{{ __type(name: "Query") {{ fields {{ type {{ {chain} }} }} }} }}'
    )
    assert "Introspection selection exceeds maximum depth" in only_error(body)


async def test_standard_introspection_query_still_works_outside_production(
    client: httpx.AsyncClient,
) -> None:
    body = await graphql(client, get_introspection_query(descriptions=True))
    assert "errors" not in body
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Department", "DepartmentConnection", "Query"} <= names


async def test_production_like_disables_introspection_and_suggestions(  # type: ignore[no-untyped-def]
    client_with, production_like: dict[str, Any]
) -> None:
    dev = await client_with()
    prod = await client_with(**production_like)
    typo = "{ departmnts { edges { cursor } } }"
    unknown_type = "query { ...F } fragment F on Departmen { code }"
    # Outside production the hints help developers …
    assert "Did you mean" in only_error(await graphql(dev, typo))
    assert "Did you mean" in only_error(await graphql(dev, unknown_type))
    # … in production they would map the schema for an attacker.
    for query in (typo, unknown_type):
        message = only_error(await graphql(prod, query))
        assert "Did you mean" not in message
        assert "departments" not in message.replace("departmnts", "")
    refused = await graphql(prod, "{ __schema { types { name } } }")
    assert refused.get("data") is None
    assert refused["errors"]
    assert all("introspection has been disabled" in e["message"] for e in refused["errors"])


async def test_validation_errors_reach_the_client_unmasked(client: httpx.AsyncClient) -> None:
    body = await graphql(client, "{ nope }")
    assert "Cannot query field 'nope'" in only_error(body)


async def test_graphiql_is_served_in_development_only(  # type: ignore[no-untyped-def]
    client_with, production_like: dict[str, Any]
) -> None:
    dev = await client_with(environment=Environment.DEVELOPMENT)
    page = await dev.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    prod = await client_with(**production_like)
    page = await prod.get("/graphql", headers={"accept": "text/html"})
    assert "graphiql" not in page.text.lower()


async def test_client_errors_are_logged_as_one_line_without_a_trace(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await graphql(client, "{ nope }")
    records = [r for r in caplog.records if "nope" in r.getMessage()]
    assert [(r.name, r.levelno, r.exc_info) for r in records] == [
        ("app.graphql", logging.INFO, None)
    ]


def fragment_dag(levels: int, spreads: int) -> str:
    """Fragments each spreading the next ``spreads`` times; the last has one alias."""
    body = " ".join(
        f"fragment F{i} on Query {{ {' '.join([f'...F{i + 1}'] * spreads)} }}"
        for i in range(levels)
    )
    return f"query {{ ...F0 }} {body} fragment F{levels} on Query {{ a: __typename }}"


async def test_a_spread_of_an_unknown_fragment_is_a_validation_error(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = await graphql(client, "query { ...Missing }")
    assert only_error(body) == "Unknown fragment 'Missing'."
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_long_chain_of_fragments_is_refused_without_a_crash(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = await graphql(client, fragment_dag(300, 1))
    assert body["errors"]
    assert all(e["message"] != "Unexpected error." for e in body["errors"]), body
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_fragments_spread_many_times_are_measured_once_each(
    client: httpx.AsyncClient,
) -> None:
    # 2^30 aliases through 30 fragments: walking every spread (as Strawberry's limiters
    # do) would not finish; measuring each fragment once answers at once.
    body = await graphql(client, fragment_dag(30, 2))
    assert only_error(body) == f"{2**30} aliases found. Allowed: 20"

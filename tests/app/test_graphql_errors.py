"""Bad input answers typed errors with ``extensions.code``; crashes are masked and logged once."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from strawberry.extensions import SchemaExtension

from app.graphql import GraphQLLimits, build_schema
from schema.common import encode_cursor
from tests.app.citizens import real_name_citizen
from tests.conftest import graphql
from tests.identity.factories import as_caller, sign_in

DEPARTMENT = "query ($c: String!) { department(code: $c) { code } }"
DEPARTMENTS_OF_KIND = "query ($k: DepartmentKind) { departments(kind: $k) { edges { cursor } } }"
GRANT = """
mutation ($e: DateTime!) {
  grantAgent(uscc: "91430204MA4L2C7K5F", agentPhone: "13907330002", scopes: ["profile:read"],
             expiresAt: $e) { __typename }
}
"""
MY_DISPUTES = """
query ($after: String) { me { disputes(after: $after) { __typename
  ... on RecordDisputeConnection { edges { cursor } } } } }
"""
MY_ACCESS_LOG = """
query ($before: String) { me { accessLog(before: $before) { __typename
  ... on AccessLogEntryConnection { edges { cursor } } } } }
"""

LONE_SURROGATE = "a\ud800"
FAR_FUTURE = "9999-12-31T23:59:59-23:59"


async def post(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """POST a raw body: ``json.dumps`` keeps lone surrogates as ``\\ud800`` escapes."""
    response = await client.post(
        "/graphql",
        content=json.dumps(body),
        headers={"content-type": "application/json"} | (headers or {}),
    )
    assert response.status_code == 200, response.text
    decoded: dict[str, Any] = response.json()
    return decoded


def codes(body: dict[str, Any]) -> list[str]:
    """The ``extensions.code`` of each error, asserting nothing was masked."""
    errors = body.get("errors")
    assert errors, body
    assert all(e["message"] != "Unexpected error." for e in errors), body
    return [e["extensions"]["code"] for e in errors]


def app_log(caplog: pytest.LogCaptureFixture) -> list[tuple[int, bool]]:
    """(level, has a trace) of each record of the GraphQL layer."""
    return [(r.levelno, r.exc_info is not None) for r in caplog.records if r.name == "app.graphql"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (DEPARTMENT, {"c": 1}),
        (DEPARTMENT, {"c": None}),
        (DEPARTMENT, {}),
        (DEPARTMENTS_OF_KIND, {"k": "NOPE"}),
        (GRANT, {"e": "not a date"}),
        ("{ department(code: null) { code } }", {}),
        ("{ departments(kind: NOPE) { edges { cursor } } }", {}),
    ],
    ids=[
        "wrong-type",
        "null-for-required",
        "missing-required",
        "bad-enum-variable",
        "bad-datetime",
        "null-literal",
        "bad-enum-literal",
    ],
)
async def test_bad_argument_values_are_bad_user_input_logged_without_a_trace(
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    query: str,
    variables: dict[str, Any],
) -> None:
    # given
    caplog.set_level(logging.INFO)
    # when
    body = await graphql(client, query, variables)
    # then
    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert app_log(caplog) == [(logging.INFO, False)]


async def test_the_log_of_a_client_error_leaves_out_the_values_it_quotes(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    caplog.set_level(logging.INFO)
    # when a phone number arrives where a string was expected, and a name as an enum value
    await graphql(client, DEPARTMENT, {"c": 13907330001})
    await graphql(client, DEPARTMENTS_OF_KIND, {"k": "刘建军"})
    # then the client's values are not in the log
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "app.graphql")
    assert "graphql.client_error code=BAD_USER_INPUT" in logged
    assert "13907330001" not in logged
    assert "刘建军" not in logged


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (DEPARTMENT, {"c": LONE_SURROGATE}),
        ('{ department(code: "a\ud800") { code } }', {}),
        (
            "mutation ($t: String!) { refreshToken(refreshToken: $t) { __typename } }",
            {"t": LONE_SURROGATE},
        ),
        (
            'mutation ($p: String!, $d: DeviceInput!) { signIn(phone: $p, code: "123456", '
            "device: $d) { __typename } }",
            {"p": "13907330001", "d": {"name": LONE_SURROGATE, "platform": "WEB"}},
        ),
        (
            "mutation ($c: String!) { signInWithMiniProgram(platform: WECHAT, code: $c, "
            'device: {name: "x", platform: WEB}) { __typename } }',
            {"c": f"dev-{LONE_SURROGATE}"},
        ),
    ],
    ids=["department-variable", "literal", "refresh-token", "sign-in-device", "mini-program"],
)
async def test_lone_surrogates_are_refused_before_any_resolver(
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    query: str,
    variables: dict[str, Any],
) -> None:
    # given
    caplog.set_level(logging.INFO)
    # when
    body = await post(client, {"query": query, "variables": variables})
    # then
    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert app_log(caplog) == [(logging.INFO, False)]


async def test_lone_surrogates_of_signed_in_callers_are_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    caller = await sign_in(client, app)
    revoke = "mutation ($s: String!) { revokeSession(sessionId: $s) { __typename } }"
    # when
    revoked = await post(
        client, {"query": revoke, "variables": {"s": f"{caller.session_id}\ud800"}}, caller.headers
    )
    named = await post(
        client, {"query": "query { __typename }", "operationName": "\udfff"}, caller.headers
    )
    # then
    assert codes(revoked) == ["BAD_USER_INPUT"]
    assert codes(named) == ["BAD_USER_INPUT"]
    assert (await as_caller(client, caller, "{ me { id } }"))["data"]["me"]["id"]


async def test_lone_surrogates_in_real_name_mutations_are_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a real-name citizen (disputes and agent grants need one)
    caller = await real_name_citizen(client, app)
    dispute = (
        'mutation ($r: String!) { disputeRecord(section: PROVIDENT_FUND, field: "balance", '
        "reason: $r) { __typename } }"
    )
    revoke = "mutation ($g: String!) { revokeAgent(grantId: $g) { __typename } }"
    # when
    disputed = await post(
        client, {"query": dispute, "variables": {"r": f"余额不对{LONE_SURROGATE}"}}, caller.headers
    )
    revoked = await post(
        client, {"query": revoke, "variables": {"g": LONE_SURROGATE}}, caller.headers
    )
    # then nothing was filed
    assert codes(disputed) == ["BAD_USER_INPUT"]
    assert codes(revoked) == ["BAD_USER_INPUT"]
    mine = await as_caller(client, caller, MY_DISPUTES)
    assert mine["data"]["me"]["disputes"]["edges"] == []


@pytest.mark.parametrize(
    "query",
    [
        GRANT,
        GRANT.replace("$e: DateTime!", "").replace("()", "").replace("$e", f'"{FAR_FUTURE}"'),
    ],
    ids=["variable", "literal"],
)
async def test_dates_beyond_the_supported_range_are_bad_user_input(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, query: str
) -> None:
    # given the legal representative of the demo enterprise
    caller = await real_name_citizen(client, app)
    caplog.set_level(logging.INFO)
    # when a grant would end after year 9999 in UTC
    body = await as_caller(client, caller, query, {"e": FAR_FUTURE} if "$e" in query else {})
    # then
    assert codes(body) == ["BAD_USER_INPUT"]
    assert (logging.ERROR, True) not in app_log(caplog)


@pytest.mark.parametrize(
    ("query", "kind", "argument"),
    [(MY_DISPUTES, "dispute", "after"), (MY_ACCESS_LOG, "access", "before")],
    ids=["disputes", "access-log"],
)
@pytest.mark.parametrize(
    "moment",
    [FAR_FUTURE, "0001-01-01T00:00:00+14:00", "2026-01-01T00:00:00"],
    ids=["overflow", "underflow", "no-offset"],
)
async def test_crafted_time_cursors_are_invalid_cursors(
    app: FastAPI, client: httpx.AsyncClient, query: str, kind: str, argument: str, moment: str
) -> None:
    # given
    caller = await real_name_citizen(client, app)
    crafted = encode_cursor(kind, f"{moment}|0123456789abcdef01234567")
    # when
    body = await as_caller(client, caller, query, {argument: crafted})
    # then
    assert codes(body) == ["INVALID_CURSOR"]
    assert body["errors"][0]["extensions"]["field"] == argument


async def test_an_empty_selection_set_is_a_syntax_error_in_production_too(  # type: ignore[no-untyped-def]
    client_with, production_like: dict[str, Any]
) -> None:
    for http in (await client_with(), await client_with(**production_like)):
        body = await graphql(http, "{ }")
        assert codes(body) == ["GRAPHQL_PARSE_FAILED"]
        assert body["errors"][0]["message"].startswith("Syntax Error")


async def test_a_subscription_over_http_is_refused_without_a_crash(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    caplog.set_level(logging.INFO)
    # when
    response = await client.post(
        "/graphql", json={"query": "subscription { heartbeat(count: 1) { at } }"}
    )
    # then
    assert response.status_code == 400
    assert response.text == "subscriptions are not allowed when using POST"
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


class CrashingValidation(SchemaExtension):
    """An extension that crashes while the document is validated."""

    def on_validate(self) -> Iterator[None]:
        raise RuntimeError("secret detail /etc/passwd")
        yield


async def test_a_crash_in_an_extension_is_masked_and_logged_once_with_its_trace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a schema whose validation phase crashes (as the depth limiter did on `{ }`)
    schema = build_schema(GraphQLLimits())
    schema.extensions = (*schema.extensions, CrashingValidation)
    caplog.set_level(logging.INFO)
    # when
    executed = await schema.execute("{ __typename }")
    streamed = [r async for r in await schema.subscribe("subscription { heartbeat { at } }")]
    # then
    for errors in (executed.errors, streamed[0].errors):
        assert errors is not None
        assert [(e.message, e.extensions) for e in errors] == [
            ("Unexpected error.", {"code": "INTERNAL_SERVER_ERROR"})
        ]
    assert app_log(caplog) == [(logging.ERROR, True), (logging.ERROR, True)]
    assert "secret detail" not in json.dumps([e.formatted for e in executed.errors or []])

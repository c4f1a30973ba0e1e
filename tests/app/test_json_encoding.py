"""Responses are encoded by orjson to exactly the bytes ``json.dumps`` gave before."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.json_encoding import encode_response, encode_stdlib
from app.trusted_documents import document_text
from tests.app.citizens import real_name_citizen


@pytest.mark.parametrize(
    "value",
    [
        {"zh": "株洲市市场监督管理局", "en": "Market Regulation"},
        {"name": "买买提·艾力", "area": "86.5 m²", "sign": "©é"},
        {"emoji": "办好了 😀 𠀀", "line": "a\u2028b"},
        {"controls": '\x00\x01\x1f\x7f\b\f\n\r\t"\\/'},
        {"literal": "\\x41 \\U0001f600 \\\\x41 e-5 0.00001"},
        [1e-05, 1e-07, 9.99e-05, 5e-324, 1e16, 1e22, -0.0, 0.1 + 0.2, 1e-4, 123456.789],
        {"rate": 0.0, "big": 2**64, "negative": -(2**70), "flags": [True, False, None]},
        {1: "int key", "x": {"nested": []}},
        {"lone": "\ud800"},
        {"message": "余额未包含上月缴存", "extensions": {"code": "BAD_USER_INPUT"}},
    ],
    ids=[
        "chinese",
        "latin1",
        "astral",
        "controls",
        "escape-lookalikes",
        "floats",
        "ints",
        "non-str-keys",
        "lone-surrogate",
        "error",
    ],
)
def test_orjson_gives_the_bytes_json_dumps_gave(value: Any) -> None:
    assert encode_response(value) == encode_stdlib(value)


def _same_as_before(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.content == encode_stdlib(body), "not the bytes json.dumps gives"
    return body


async def test_real_responses_are_the_bytes_json_dumps_gave(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: 刘建军's life record (Chinese text, amounts, nulls)
    liu = await real_name_citizen(client, app)
    # when
    record = await client.post(
        "/graphql", json={"query": document_text("MyLifeRecord")}, headers=liu.headers
    )
    departments = await client.post(
        "/graphql", json={"query": document_text("Departments"), "variables": {"first": 14}}
    )
    bundle = await client.post(
        "/graphql", json={"query": document_text("Bundle"), "variables": {"code": "YJS-QYKB"}}
    )
    wrong_variable = await client.post(
        "/graphql", json={"query": document_text("Departments"), "variables": {"first": "十四"}}
    )
    anonymous = await client.post("/graphql", json={"query": document_text("MyLifeRecord")})
    # then
    life = _same_as_before(record)["data"]["me"]["lifeRecord"]
    assert life["__typename"] == "LifeRecord"
    assert life["medicalInsurance"]["record"]["accountBalance"] is not None
    assert b"\\u" in record.content, "Chinese is escaped, as json.dumps did"
    assert len(_same_as_before(departments)["data"]["departments"]["edges"]) == 14
    savings = _same_as_before(bundle)["data"]["bundle"]["savings"]
    assert isinstance(savings["stepsPercent"], float)
    assert _same_as_before(wrong_variable)["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert _same_as_before(anonymous)["data"]["me"] is None


async def test_nan_and_infinity_in_a_request_body_are_a_400(client: httpx.AsyncClient) -> None:
    # They are not JSON; refused at the door, they never reach a response either.
    for constant in ("NaN", "Infinity", "-Infinity"):
        body = '{"query": "{ __typename }", "variables": {"x": ' + constant + "}}"
        response = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, (constant, response.text)
        assert "data" not in response.text
    ok = await client.post(
        "/graphql",
        content=json.dumps({"query": "{ __typename }"}),
        headers={"content-type": "application/json"},
    )
    assert ok.json() == {"data": {"__typename": "Query"}}

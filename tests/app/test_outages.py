"""Redis and MongoDB outages: transparent reconnection, typed retryable refusals, JSON answers.

Each test runs the app against a private server of the part it takes away, on an
address that stays the same when the server comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from app.demo.people import LIU_JIANJUN
from app.main import create_app
from app.settings import Settings
from devstack.servers import ServerProcess, free_port, start_redis, start_secantus
from identity.adapters.sms import DevelopmentSms
from infra.outages import MONGODB_RETRY_AFTER_SECONDS, REDIS_RETRY_AFTER_SECONDS
from tests.conftest import _drop_test_data, graphql
from tests.identity.factories import (
    SignedInCaller,
    a_phone,
    as_caller,
    sent_code,
    sign_in,
)
from tests.identity.verification_factories import development_result
from tests.liferecord.documents import verified_caller

OUTCOME = """
    __typename
    ... on UserError { code message messageEn field }
    ... on ServiceUnavailable { retryAfterSeconds }
"""
REQUEST_CODE = f"""
mutation ($phone: String!) {{ requestSignInCode(phone: $phone) {{ {OUTCOME} }} }}
"""
PLAIN_REQUEST_CODE = """
mutation ($phone: String!) { requestSignInCode(phone: $phone) { __typename } }
"""
SIGN_IN = f"""
mutation ($phone: String!, $code: String!) {{
  signIn(phone: $phone, code: $code, device: {{ name: "Phone", platform: ANDROID }}) {{ {OUTCOME} }}
}}
"""
MINI_PROGRAM = f"""
mutation {{
  signInWithMiniProgram(platform: WECHAT, code: "dev-outage",
                        device: {{ name: "Phone", platform: ANDROID }}) {{ {OUTCOME} }}
}}
"""
REFRESH_TOKEN = f"""
mutation ($token: String!) {{ refreshToken(refreshToken: $token) {{ {OUTCOME} }} }}
"""
DISPUTE = f"""
mutation {{
  disputeRecord(section: PROVIDENT_FUND, field: "balance", reason: "余额未包含上月缴存") {{
    {OUTCOME}
  }}
}}
"""
REFRESH_LIFE_RECORD = f"mutation {{ refreshLifeRecord(sections: [INCOME]) {{ {OUTCOME} }} }}"
VERIFY_REAL_NAME = f"""
mutation {{ verifyRealName(name: "刘建军", idNumber: "430204198405122130") {{ {OUTCOME} }} }}"""
START_FACE = f"""
mutation {{ startFaceVerification(name: "刘建军", idNumber: "430204198405122130") {{
  {OUTCOME} }} }}"""
START_LIVENESS = f"mutation {{ startLivenessCheck {{ {OUTCOME} }} }}"
COMPLETE_LIVENESS = f"""
mutation {{ completeLivenessCheck(ticket: "lvt_x", result: "{{result}}") {{ {OUTCOME} }} }}"""
ME = "{ me { id } }"
DEPARTMENTS = "{ departments(first: 5) { edges { node { code } } } }"


@dataclass
class OwnServer:
    """The app, a client, and stop/start controls for its private server."""

    app: FastAPI
    http: httpx.AsyncClient
    process: ServerProcess
    port: int
    scratch: Path

    async def stop(self) -> None:
        """Take the server away."""
        await asyncio.to_thread(self.process.stop)


@pytest.fixture
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sz-outage-") as folder:
        yield Path(folder)


async def _own_server(
    settings: Settings, process: ServerProcess, scratch: Path, **changes: Any
) -> AsyncIterator[OwnServer]:
    app = create_app(Settings(_env_file=None, **(settings.model_dump() | changes)))
    port = int(process.url.rsplit(":", 1)[1].split("/")[0])
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                yield OwnServer(app, http, process, port, scratch)
    finally:
        process.stop()
        await _drop_test_data(settings)


@pytest.fixture
async def own_redis(settings: Settings, scratch: Path) -> AsyncIterator[OwnServer]:
    """The app on a Redis of its own (nothing persisted)."""
    # Started on this thread: servers are tied to the thread that spawns them.
    process = start_redis(None, scratch / "logs")
    async for server in _own_server(settings, process, scratch, redis_url=process.url):
        yield server


@pytest.fixture
async def own_mongodb(settings: Settings, scratch: Path) -> AsyncIterator[OwnServer]:
    """The app on a SecantusDB of its own (in memory), with short server-selection waits."""
    process = start_secantus(None, scratch / "logs")
    async for server in _own_server(
        settings, process, scratch, mongodb_url=process.url, mongodb_timeout_ms=500
    ):
        yield server


def restart_redis(server: OwnServer) -> None:
    server.process.stop()
    server.process = start_redis(None, server.scratch / "logs", port=server.port)


def start_mongodb(server: OwnServer) -> None:
    server.process = start_secantus(None, server.scratch / "logs", port=server.port)


async def wait_until_ready(http: httpx.AsyncClient) -> None:
    for _ in range(50):
        if (await http.get("/readyz")).status_code == 200:
            return
        await asyncio.sleep(0.2)
    pytest.fail("the app did not become ready again")


async def request_code(http: httpx.AsyncClient, phone: str) -> dict[str, Any]:
    body = await graphql(http, PLAIN_REQUEST_CODE, {"phone": phone})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["requestSignInCode"]
    return payload


async def payload_of(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    caller: SignedInCaller | None = None,
) -> dict[str, Any]:
    if caller is None:
        body = await graphql(http, query, variables)
    else:
        body = await as_caller(http, caller, query, variables)
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert isinstance(payload, dict)
    return payload


def service_unavailable(retry_after: int) -> dict[str, Any]:
    return {
        "__typename": "ServiceUnavailable",
        "code": "SERVICE_UNAVAILABLE",
        "message": "服务暂时不可用，请稍后重试",
        "messageEn": "The service is briefly unavailable, please try again shortly",
        "field": None,
        "retryAfterSeconds": retry_after,
    }


# --- Redis ---------------------------------------------------------------------------


async def test_a_redis_restart_costs_no_failed_request(own_redis: OwnServer) -> None:
    http = own_redis.http
    # given codes sent on several pooled connections at once
    before = await asyncio.gather(*(request_code(http, a_phone()) for _ in range(4)))
    assert {p["__typename"] for p in before} == {"SignInCodeSent"}
    # when Redis restarts on the same address (every pooled connection is now dead)
    await asyncio.to_thread(restart_redis, own_redis)
    # then the very next requests all succeed, scripts included
    phones = [a_phone() for _ in range(4)]
    after = await asyncio.gather(*(request_code(http, phone) for phone in phones))
    assert [p["__typename"] for p in after] == ["SignInCodeSent"] * 4
    signed_in = await payload_of(
        http, SIGN_IN, {"phone": phones[0], "code": sent_code(own_redis.app, phones[0])}
    )
    assert signed_in["__typename"] == "SignedIn", signed_in


async def test_with_redis_down_its_operations_answer_service_unavailable(
    own_redis: OwnServer,
) -> None:
    http, app = own_redis.http, own_redis.app
    # given a real-name caller, and a phone with a code on its way
    caller = await verified_caller(http, app, LIU_JIANJUN)
    phone = a_phone()
    assert (await request_code(http, phone))["__typename"] == "SignInCodeSent"
    code = sent_code(app, phone)
    # when Redis goes away
    await own_redis.stop()
    # then every operation that needs it refuses, typed and retryable
    refused = service_unavailable(REDIS_RETRY_AFTER_SECONDS)
    assert await payload_of(http, REQUEST_CODE, {"phone": a_phone()}) == refused
    assert await payload_of(http, SIGN_IN, {"phone": phone, "code": code}) == refused
    assert await payload_of(http, MINI_PROGRAM) == refused
    assert await payload_of(http, DISPUTE, caller=caller) == refused
    assert await payload_of(http, REFRESH_LIFE_RECORD, caller=caller) == refused
    assert await payload_of(http, VERIFY_REAL_NAME, caller=caller) == refused
    assert await payload_of(http, START_FACE, caller=caller) == refused
    assert await payload_of(http, START_LIVENESS, caller=caller) == refused
    result = development_result(app, "lvt_x")
    assert await payload_of(http, COMPLETE_LIVENESS.replace("{result}", result), caller=caller) == (
        refused
    )
    # and when it is back, so is sign-in
    own_redis.process = await asyncio.to_thread(
        start_redis, None, own_redis.scratch / "logs", port=own_redis.port
    )
    assert (await request_code(http, a_phone()))["__typename"] == "SignInCodeSent"


# --- MongoDB -------------------------------------------------------------------------


async def test_with_the_database_down_every_request_gets_a_graphql_json_answer(
    own_mongodb: OwnServer,
) -> None:
    http = own_mongodb.http
    # given a signed-in caller
    caller = await sign_in(http, own_mongodb.app)
    # when the database goes away
    await own_mongodb.stop()
    # then a request with a bearer token gets 503 JSON with Retry-After, not a 500 text
    response = await http.post("/graphql", json={"query": ME}, headers=caller.headers)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["retry-after"] == str(MONGODB_RETRY_AFTER_SECONDS)
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "服务暂时不可用，请稍后重试",
                "extensions": {
                    "code": "SERVICE_UNAVAILABLE",
                    "messageEn": "The service is briefly unavailable, please try again shortly",
                    "retryAfterSeconds": MONGODB_RETRY_AFTER_SECONDS,
                },
            }
        ],
    }
    # … a token refresh is refused typed and retryable (the session is kept)
    refreshed = await payload_of(http, REFRESH_TOKEN, {"token": caller.refresh_token})
    assert refreshed == service_unavailable(MONGODB_RETRY_AFTER_SECONDS)
    # … and an anonymous read is a masked GraphQL error, still JSON
    anonymous = await graphql(http, DEPARTMENTS)
    assert [e["message"] for e in anonymous["errors"]] == ["Unexpected error."]


async def test_with_the_database_down_a_signed_in_websocket_upgrade_gets_503_json(
    own_mongodb: OwnServer,
) -> None:
    # given a signed-in caller, and the app behind a real server (WebSockets)
    caller = await sign_in(own_mongodb.http, own_mongodb.app)
    port = free_port()
    config = uvicorn.Config(
        own_mongodb.app, port=port, lifespan="off", log_level="warning", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        # when the database is down and the caller opens a subscription socket
        await own_mongodb.stop()
        with pytest.raises(InvalidStatus) as refused:
            await connect(
                f"ws://127.0.0.1:{port}/graphql",
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                additional_headers=caller.headers,
            )
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
    # then the upgrade is answered 503 with the same JSON body, not "forbidden"
    response = refused.value.response
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(MONGODB_RETRY_AFTER_SECONDS)
    body = json.loads(response.body or b"{}")
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


async def test_with_the_database_down_no_sign_in_code_is_sent_or_counted(
    own_mongodb: OwnServer,
) -> None:
    http, app = own_mongodb.http, own_mongodb.app
    phone = a_phone()
    # given the database is down
    await own_mongodb.stop()
    # when a code is asked for, then it is refused before anything is sent
    refused = await payload_of(http, REQUEST_CODE, {"phone": phone})
    assert refused == service_unavailable(MONGODB_RETRY_AFTER_SECONDS)
    assert phone not in app.state.services.get(DevelopmentSms).last_code
    # and once it is back, a code goes out at once: the refusal counted against no limit
    await asyncio.to_thread(start_mongodb, own_mongodb)
    await wait_until_ready(http)
    assert (await request_code(http, phone))["__typename"] == "SignInCodeSent"


async def test_a_sign_in_refused_while_the_database_is_down_keeps_its_code(
    own_mongodb: OwnServer,
) -> None:
    http, app = own_mongodb.http, own_mongodb.app
    # given a code sent
    phone = a_phone()
    assert (await request_code(http, phone))["__typename"] == "SignInCodeSent"
    code = sent_code(app, phone)
    # when the database is down at sign-in
    await own_mongodb.stop()
    refused = await payload_of(http, SIGN_IN, {"phone": phone, "code": code})
    assert refused == service_unavailable(MONGODB_RETRY_AFTER_SECONDS)
    # then the same code still signs in once it is back
    await asyncio.to_thread(start_mongodb, own_mongodb)
    await wait_until_ready(http)
    signed_in = await payload_of(http, SIGN_IN, {"phone": phone, "code": code})
    assert signed_in["__typename"] == "SignedIn", signed_in

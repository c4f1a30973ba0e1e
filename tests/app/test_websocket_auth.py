"""Every operation over a WebSocket is the caller as they are now, not as they connected.

A real uvicorn serves the app; clients speak graphql-transport-ws over a real socket.
Sessions are revoked, signed out and stepped up through the real API meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from demo.data.people import LIU_JIANJUN
from identity.models import AssuranceLevel
from identity.services.sign_in import SignInService
from tests.conftest import CommandCounter
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.identity.verification_factories import (
    ME_IDENTITY,
    another_session,
    complete_liveness,
    development_result,
    marks_of,
    seed_register,
    sign_in_verified,
    start_liveness,
)

ME = "{ me { id assuranceLevel } }"
SIGN_OUT = "mutation { signOut { __typename } }"
REVOKE_SESSION = """
mutation ($id: String!) { revokeSession(sessionId: $id) {
  __typename ... on AuthenticationRequired { reason } } }
"""
MUTE_CASES = """
mutation { updateNotificationPreferences(mutedCategories: [CASES]) {
  __typename
  ... on NotificationPreferencesUpdated { preferences { mutedCategories } }
  ... on AuthenticationRequired { code reason }
} }
"""
PREFERENCES = "{ me { notificationPreferences { mutedCategories } } }"

LEEWAY_SECONDS = 5
"""How long past ``exp`` a token is still accepted (``identity.tokens``)."""


@contextlib.asynccontextmanager
async def socket(live_server: str, token: str) -> AsyncIterator[ClientConnection]:
    """A graphql-transport-ws connection signed in with ``token`` (connection_init)."""
    async with connect(
        live_server.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    ) as ws:
        payload = {"authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert (await _message(ws))["type"] == "connection_ack"
        yield ws


async def _message(ws: ClientConnection) -> dict[str, Any]:
    """The next message that is not a keep-alive ping."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] != "ping":
            return message


async def operate(
    ws: ClientConnection, op: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run one query or mutation over ``ws``; its one result (then ``complete``)."""
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": payload}))
    message = await _message(ws)
    assert (message["id"], message["type"]) == (op, "next"), message
    assert await _message(ws) == {"id": op, "type": "complete"}
    result: dict[str, Any] = message["payload"]
    return result


async def closed_with(ws: ClientConnection) -> int | None:
    """The close code of ``ws`` once the server has closed it (nothing else arrives)."""
    with contextlib.suppress(ConnectionClosed):
        message = await _message(ws)
        raise AssertionError(f"expected the connection to close, got {message}")
    return ws.close_code


def refusal_reason(result: dict[str, Any]) -> str:
    """The ``reason`` of an ``AUTHENTICATION_REQUIRED`` error on ``me`` (which is null)."""
    assert result["data"] == {"me": None}, result
    extensions = result["errors"][0]["extensions"]
    assert extensions["code"] == "AUTHENTICATION_REQUIRED", result
    reason: str = extensions["reason"]
    return reason


async def test_a_revoked_sessions_query_over_an_open_socket_is_refused(
    app: FastAPI, client: httpx.AsyncClient, live_server: str
) -> None:
    # given a signed-in socket, and the same citizen on a second phone
    caller = await sign_in(client, app, device="Phone A")
    other = await another_session(client, app, caller.phone, device="Phone B")
    async with socket(live_server, caller.access_token) as ws:
        assert (await operate(ws, "1", ME))["data"]["me"]["id"] == caller.account_id
        # when the second phone revokes the first phone's session, and the socket asks again
        revoked = await as_caller(client, other, REVOKE_SESSION, {"id": caller.session_id})
        assert revoked["data"]["revokeSession"]["__typename"] == "SignedOut"
        refused = await operate(ws, "2", ME)
        # then it is answered as a revoked token over HTTP is, and the socket is closed
        assert refusal_reason(refused) == "REVOKED"
        assert refusal_reason(await as_caller(client, caller, ME)) == "REVOKED"
        assert await closed_with(ws) == 4403


async def test_a_signed_out_sessions_mutation_is_refused_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, live_server: str
) -> None:
    # given a socket that signs itself out
    caller = await sign_in(client, app, device="Phone A")
    async with socket(live_server, caller.access_token) as ws:
        signed_out = await operate(ws, "1", SIGN_OUT)
        assert signed_out["data"]["signOut"]["__typename"] == "SignedOut"
        # when it sends a mutation afterwards
        refused = await operate(ws, "2", MUTE_CASES)
        # then the mutation is refused with a typed payload, and the socket is closed
        assert refused["data"]["updateNotificationPreferences"] == {
            "__typename": "AuthenticationRequired",
            "code": "AUTHENTICATION_REQUIRED",
            "reason": "REVOKED",
        }
        assert await closed_with(ws) == 4403
    # and nothing was muted (read through a new session of the same citizen)
    again = await another_session(client, app, caller.phone, device="Phone A")
    preferences = (await as_caller(client, again, PREFERENCES))["data"]["me"]
    assert preferences["notificationPreferences"]["mutedCategories"] == []


async def test_an_expired_access_tokens_operation_is_refused(
    app: FastAPI, client: httpx.AsyncClient, live_server: str
) -> None:
    # given a socket signed in with an access token about to expire (its session lives on)
    caller = await sign_in(client, app)
    tokens = app.state.services.get(SignInService).tokens
    issued_at = datetime.now(UTC) - tokens.ttl + timedelta(seconds=1)
    token, expires_at = tokens.issue(
        subject=caller.account_id,
        session_id=caller.session_id,
        level=AssuranceLevel.PHONE,
        methods=("sms",),
        now=issued_at,
    )
    async with socket(live_server, token) as ws:
        assert (await operate(ws, "1", ME))["data"]["me"]["id"] == caller.account_id
        # when the token has expired (leeway included) and the socket asks again
        await asyncio.sleep(expires_at.timestamp() + LEEWAY_SECONDS + 1 - time.time())
        refused = await operate(ws, "2", ME)
        # then it is refused as EXPIRED (the client refreshes and reconnects)
        assert refusal_reason(refused) == "EXPIRED"
        assert await closed_with(ws) == 4403
    # and the session itself is still signed in
    assert (await as_caller(client, caller, ME))["data"]["me"]["id"] == caller.account_id


async def test_a_live_session_keeps_working_after_another_session_of_its_user_is_revoked(
    app: FastAPI, client: httpx.AsyncClient, live_server: str
) -> None:
    # given two sockets of one citizen, on two phones
    first = await sign_in(client, app, device="Phone A")
    second = await another_session(client, app, first.phone, device="Phone B")
    async with (
        socket(live_server, first.access_token) as kept,
        socket(live_server, second.access_token) as dropped,
    ):
        # when the first socket revokes the second phone's session
        revoked = await operate(kept, "1", REVOKE_SESSION, {"id": second.session_id})
        assert revoked["data"]["revokeSession"]["__typename"] == "SignedOut"
        # then the first socket goes on, operation after operation, and the second is refused
        for op in ("2", "3"):
            assert (await operate(kept, op, ME))["data"]["me"]["id"] == first.account_id
        assert refusal_reason(await operate(dropped, "1", ME)) == "REVOKED"
        assert await closed_with(dropped) == 4403
        assert (await operate(kept, "4", ME))["data"]["me"]["id"] == first.account_id


async def test_a_step_up_done_after_connecting_counts_for_the_next_operation(
    app: FastAPI, client: httpx.AsyncClient, live_server: str
) -> None:
    # given a real-name citizen's socket, at level REAL_NAME
    await seed_register(app)
    caller = await sign_in_verified(client, app, LIU_JIANJUN)
    async with socket(live_server, caller.access_token) as ws:
        before = (await operate(ws, "1", ME_IDENTITY))["data"]["me"]
        assert before["assuranceLevel"] == "REAL_NAME"
        assert before["realName"]["idNumber"]["__typename"] == "StepUpRequired"
        # when the citizen passes a face check (over HTTP) after the socket connected
        await _pass_liveness(client, app, caller)
        after = (await operate(ws, "2", ME_IDENTITY))["data"]["me"]
        # then the socket's next operation has the session's new level
        assert after["assuranceLevel"] == "REAL_PERSON"
        assert after["realName"]["idNumber"] == {
            "__typename": "RevealedIdNumber",
            "value": LIU_JIANJUN.id_number,
        }


async def _pass_liveness(client: httpx.AsyncClient, app: FastAPI, caller: SignedInCaller) -> None:
    started = await start_liveness(client, caller)
    assert started["__typename"] == "LivenessCheckStarted", started
    ticket = started["ticket"]
    passed = await complete_liveness(client, caller, ticket, development_result(app, ticket))
    assert passed["__typename"] == "LivenessCheckPassed", passed


async def test_an_operation_over_a_socket_reads_the_session_as_an_http_request_does(
    app: FastAPI,
    client: httpx.AsyncClient,
    live_server: str,
    command_counter: CommandCounter,
) -> None:
    # given a signed-in socket
    caller = await sign_in(client, app)
    async with socket(live_server, caller.access_token) as ws:
        await operate(ws, "1", ME)
        # when the same query goes over the socket, then over HTTP, each just after the
        # session changed (what an instance remembers of it no longer counts)
        marks = marks_of(app)
        await marks.session_changed(caller.session_id)
        command_counter.reset()
        await operate(ws, "2", ME)
        over_socket = sorted(command_counter.commands)
        await marks.session_changed(caller.session_id)
        command_counter.reset()
        await as_caller(client, caller, ME)
        over_http = sorted(command_counter.commands)
        # and once more, nothing having changed
        command_counter.reset()
        await operate(ws, "3", ME)
        remembered = sorted(command_counter.commands)
    # then each reads the session (and account) once, and nothing more; unchanged, they
    # are not read again
    assert over_socket == over_http == ["find", "find"]
    assert remembered == []


@pytest.mark.parametrize("protocol", ["graphql-ws"])
async def test_the_legacy_protocol_is_not_served(live_server: str, protocol: str) -> None:
    # given a client that speaks only the legacy subscriptions-transport-ws protocol
    async with connect(
        live_server.replace("http", "ws") + "/graphql",
        subprotocols=[protocol],  # type: ignore[list-item]
    ) as ws:
        # then no operation runs over it (only graphql-transport-ws re-checks each one)
        assert await closed_with(ws) == 4406

"""WebSocket bounds: operations per connection, connections per address, heartbeat sign-in."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import pytest
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.settings import Settings
from tests.resolvers.test_subscriptions import open_session, receive, signed_in_token

CONNECTIONS_PER_ADDRESS = 3
SLOW_HEARTBEAT = "subscription { heartbeat(intervalSeconds: 60, count: 2) { sequence } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test settings, with few WebSockets allowed per address."""
    return Settings(
        _env_file=None,
        **(settings.model_dump() | {"ws_max_connections_per_address": CONNECTIONS_PER_ADDRESS}),
    )


async def subscribe(ws: ClientConnection, operation_id: str, query: str) -> None:
    await ws.send(
        json.dumps({"id": operation_id, "type": "subscribe", "payload": {"query": query}})
    )


async def next_message(ws: ClientConnection) -> dict[str, Any]:
    """The next message that is not a keep-alive ping."""
    message = await receive(ws)
    while message["type"] == "ping":
        message = await receive(ws)
    return message


async def test_heartbeat_needs_a_signed_in_caller_outside_development(live_server: str) -> None:
    # given an anonymous connection in the test environment
    ws = await open_session(live_server)
    try:
        # when
        await subscribe(ws, "1", SLOW_HEARTBEAT)
        message = await next_message(ws)
        # then
        assert message["type"] in {"next", "error"}, message
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert errors[0]["extensions"] == {"code": "AUTHENTICATION_REQUIRED", "reason": "MISSING"}
    finally:
        await ws.close()


async def test_a_connection_runs_at_most_ten_operations_at_once(
    app: FastAPI, live_server: str, settings: Settings
) -> None:
    # given a signed-in connection running as many heartbeats as allowed
    limit = settings.ws_max_operations_per_connection
    assert limit == 10
    ws = await open_session(live_server, await signed_in_token(app, live_server))
    try:
        for number in range(limit):
            await subscribe(ws, str(number), SLOW_HEARTBEAT)
        first_ticks = {(await next_message(ws))["id"] for _ in range(limit)}
        assert first_ticks == {str(number) for number in range(limit)}
        # when one more starts
        await subscribe(ws, "extra", SLOW_HEARTBEAT)
        refused = await next_message(ws)
        # then it is refused with a code, and a slot freed by `complete` can be used again
        assert (refused["id"], refused["type"]) == ("extra", "error")
        assert refused["payload"][0]["extensions"] == {"code": "TOO_MANY_OPERATIONS", "limit": 10}
        await ws.send(json.dumps({"id": "0", "type": "complete"}))
        await subscribe(ws, "again", SLOW_HEARTBEAT)
        accepted = await next_message(ws)
        assert (accepted["id"], accepted["type"]) == ("again", "next")
    finally:
        await ws.close()


async def test_connections_per_client_address_are_capped(live_server: str) -> None:
    # given as many connections from this address as allowed
    sessions = [await open_session(live_server) for _ in range(CONNECTIONS_PER_ADDRESS)]
    try:
        # when one more opens
        with pytest.raises(InvalidStatus) as refused:
            await open_session(live_server)
        # then the handshake is turned down with 429 and a JSON error
        assert refused.value.response.status_code == 429
        body = json.loads(refused.value.response.body or b"{}")
        assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_CONNECTIONS"
        # and a closed connection frees its place
        closing = sessions.pop()
        await closing.close()
        sessions.append(await _open_when_freed(live_server))
    finally:
        for ws in sessions:
            await ws.close()


async def _open_when_freed(live_server: str) -> ClientConnection:
    """A new session once the server has noticed a close (it counts it after the handler ends)."""
    for _ in range(100):
        try:
            return await open_session(live_server)
        except InvalidStatus:
            await asyncio.sleep(0.05)
    raise AssertionError("the closed connection was never released")


async def test_a_connection_init_payload_with_invalid_unicode_is_refused(
    live_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    caplog.set_level(logging.INFO)
    ws = await connect(
        live_server.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    )
    # when the token carries a lone surrogate
    payload = {"authorization": "Bearer a\ud800b"}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    # then the connection is refused (graphql-transport-ws 4403), and nothing crashed
    with contextlib.suppress(ConnectionClosed):
        while True:
            await receive(ws)
    assert ws.close_code == 4403
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

"""Live subscriptions over WebSocket with the graphql-transport-ws protocol."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.identity.factories import sign_in

HEARTBEAT = "subscription ($n: Int!) { heartbeat(intervalSeconds: 1, count: $n) { sequence at } }"


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return message


async def open_session(live_server: str, access_token: str | None = None) -> ClientConnection:
    """A graphql-transport-ws connection, signed in when given a token."""
    ws = await connect(
        live_server.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    )
    payload = {} if access_token is None else {"authorization": f"Bearer {access_token}"}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert (await receive(ws))["type"] == "connection_ack"
    return ws


async def signed_in_token(app: FastAPI, live_server: str) -> str:
    """The access token of a new signed-in caller."""
    async with httpx.AsyncClient(base_url=live_server) as http:
        return (await sign_in(http, app)).access_token


async def test_heartbeat_streams_the_requested_ticks_then_completes(
    app: FastAPI, live_server: str
) -> None:
    ws = await open_session(live_server, await signed_in_token(app, live_server))
    try:
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": HEARTBEAT, "variables": {"n": 2}},
                }
            )
        )
        ticks = []
        while True:
            message = await receive(ws)
            if message["type"] == "ping":
                continue
            if message["type"] == "complete":
                break
            assert message["type"] == "next", message
            ticks.append(message["payload"]["data"]["heartbeat"])
        assert [t["sequence"] for t in ticks] == [1, 2]
        assert all(datetime.fromisoformat(t["at"]).tzinfo is not None for t in ticks)
    finally:
        await ws.close()


async def test_heartbeat_more_often_than_once_a_second_is_a_typed_error(
    app: FastAPI, live_server: str
) -> None:
    ws = await open_session(live_server, await signed_in_token(app, live_server))
    try:
        query = "subscription { heartbeat(intervalSeconds: 0.01) { sequence } }"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        message = await receive(ws)
        while message["type"] == "ping":
            message = await receive(ws)
        assert message["type"] in {"next", "error"}
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert errors[0]["extensions"] == {"code": "INVALID_INTERVAL", "field": "intervalSeconds"}
    finally:
        await ws.close()


async def _me_over_websocket(live_server: str, payload: dict[str, Any]) -> dict[str, Any]:
    ws = await connect(
        live_server.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    )
    try:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ me { id } }"}})
        )
        message = await receive(ws)
        while message["type"] == "ping":
            message = await receive(ws)
        assert message["type"] == "next", message
        result: dict[str, Any] = message["payload"]
        return result
    finally:
        await ws.close()


async def test_websocket_signs_in_from_the_connection_init_payload(
    app: FastAPI, live_server: str
) -> None:
    # given a signed-in caller (browsers and mini-programs cannot set WebSocket headers)
    async with httpx.AsyncClient(base_url=live_server) as http:
        caller = await sign_in(http, app)
    # when the token comes in connection_init's payload
    signed_in = await _me_over_websocket(
        live_server, {"authorization": f"Bearer {caller.access_token}"}
    )
    forged = await _me_over_websocket(live_server, {"authorization": "Bearer not.a.token"})
    anonymous = await _me_over_websocket(live_server, {})
    # then the connection acts as that caller, and only with a valid token
    assert signed_in["data"]["me"]["id"] == caller.account_id
    assert forged["data"]["me"] is None
    assert forged["errors"][0]["extensions"]["reason"] == "INVALID"
    assert anonymous["errors"][0]["extensions"]["reason"] == "MISSING"


async def test_a_document_that_crashed_a_validation_hook_is_a_syntax_error_over_websocket(
    live_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given (`{ }` crashed the depth limiter, and over WebSocket nothing masked or caught it)
    caplog.set_level(logging.INFO)
    ws = await open_session(live_server)
    # when
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ }"}}))
    # then graphql-transport-ws closes on a syntax error, and nothing crashed
    with contextlib.suppress(ConnectionClosed):
        while True:
            await receive(ws)
    assert ws.close_code == 4400
    assert (ws.close_reason or "").startswith("Syntax Error")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

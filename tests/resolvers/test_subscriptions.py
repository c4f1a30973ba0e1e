"""Live subscriptions over WebSocket with the graphql-transport-ws protocol."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from tests.identity.factories import sign_in

HEARTBEAT = (
    "subscription ($n: Int!) { heartbeat(intervalSeconds: 0.01, count: $n) { sequence at } }"
)


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return message


async def open_session(live_server: str) -> ClientConnection:
    ws = await connect(
        live_server.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    )
    await ws.send(json.dumps({"type": "connection_init"}))
    assert (await receive(ws))["type"] == "connection_ack"
    return ws


async def test_heartbeat_streams_the_requested_ticks_then_completes(live_server: str) -> None:
    ws = await open_session(live_server)
    try:
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": HEARTBEAT, "variables": {"n": 3}},
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
        assert [t["sequence"] for t in ticks] == [1, 2, 3]
        assert all(datetime.fromisoformat(t["at"]).tzinfo is not None for t in ticks)
    finally:
        await ws.close()


async def test_heartbeat_with_a_bad_interval_is_a_typed_error(live_server: str) -> None:
    ws = await open_session(live_server)
    try:
        query = "subscription { heartbeat(intervalSeconds: 0) { sequence } }"
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

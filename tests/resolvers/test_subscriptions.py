"""Live subscriptions over WebSocket with the graphql-transport-ws protocol."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

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

"""What re-establishing the caller costs each operation sent over a WebSocket.

    .venv/bin/python -m bench.ws_operations [--operations 500]

Starts SecantusDB (in memory), redis-server and SeaweedFS on free loopback ports (or uses
``MONGODB_URL`` / ``REDIS_URL`` / ``S3_ENDPOINT_URL``), serves the app from
``create_app`` behind one uvicorn in this process (client and server share one event
loop, so the figures are comparable with each other, not absolute), and times
``--operations`` sequential ``{ __typename }`` operations, side by side:

- over an anonymous WebSocket (nothing to re-check: the transport alone);
- over a signed-in WebSocket (the caller established again: one read of the session
  and the account, together);
- as HTTP POSTs with the same bearer token (the same check, per request).

Prints p50/p90/p99 in milliseconds per row, then the figures as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from app.main import create_app
from bench.stack import bench_settings, database_label
from demo.providers import demo_providers
from devstack.servers import free_port
from identity.adapters.sms import DevelopmentSms
from identity.models import Device, DevicePlatform
from identity.services.sign_in import SignInService

PHONE = "+8613907300999"
QUERY = "{ __typename }"


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """``app`` behind uvicorn on a free loopback port; yields its URL."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


async def socket(url: str, token: str | None) -> ClientConnection:
    """A graphql-transport-ws connection, signed in when given a token."""
    ws = await connect(
        url.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    )
    payload = {} if token is None else {"authorization": f"Bearer {token}"}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    return ws


def over_socket(ws: ClientConnection) -> Callable[[int], Awaitable[None]]:
    """One operation over ``ws``: its result, then ``complete``."""

    async def run(number: int) -> None:
        op = str(number)
        await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": {"query": QUERY}}))
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "complete":
                return
            if message["type"] == "next" and "errors" in message["payload"]:
                raise RuntimeError(f"the operation failed: {message}")

    return run


def over_http(http: httpx.AsyncClient, token: str) -> Callable[[int], Awaitable[None]]:
    """One POST with the bearer token."""

    async def run(_: int) -> None:
        response = await http.post(
            "/graphql", json={"query": QUERY}, headers={"authorization": f"Bearer {token}"}
        )
        response.raise_for_status()

    return run


async def timed(run: Callable[[int], Awaitable[None]], operations: int) -> dict[str, float]:
    """p50/p90/p99 (ms) of ``operations`` sequential runs, after a short warm-up."""
    for number in range(20):
        await run(-1 - number)
    latencies = []
    for number in range(operations):
        started = time.perf_counter_ns()
        await run(number)
        latencies.append((time.perf_counter_ns() - started) / 1e6)
    latencies.sort()
    return {
        f"p{q}": round(latencies[min(len(latencies) - 1, len(latencies) * q // 100)], 3)
        for q in (50, 90, 99)
    }


async def measure(operations: int) -> dict[str, dict[str, float]]:
    """The three rows."""
    with bench_settings("ws_operations") as settings:
        app = create_app(settings, providers=demo_providers)
        async with app.router.lifespan_context(app), serving(app) as url:
            services = app.state.services
            sign_in = services.get(SignInService)
            await sign_in.request_code(PHONE, None)
            code = services.get(DevelopmentSms).last_code[PHONE]
            signed = await sign_in.sign_in(
                PHONE, code, Device("Bench phone", DevicePlatform.ANDROID), None
            )
            token = signed.tokens.access_token
            anonymous, signed_in = await socket(url, None), await socket(url, token)
            async with httpx.AsyncClient(base_url=url) as http:
                rows = {
                    "websocket, anonymous": await timed(over_socket(anonymous), operations),
                    "websocket, signed in": await timed(over_socket(signed_in), operations),
                    "http, signed in": await timed(over_http(http, token), operations),
                }
            await anonymous.close()
            await signed_in.close()
            await app.state.resources.mongo.drop_database(settings.mongodb_database)
            return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table, then one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.ws_operations", description=__doc__)
    parser.add_argument("--operations", type=int, default=500)
    args = parser.parse_args(argv)
    print("starting SecantusDB, redis-server and SeaweedFS on loopback …", flush=True)
    rows = asyncio.run(measure(args.operations))
    print(f"{args.operations} sequential `{QUERY}` operations each, on {database_label()}")
    print(f"{'':<24}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}")
    for name, row in rows.items():
        print(f"{name:<24}{row['p50']:>9}{row['p90']:>9}{row['p99']:>9}")
    print(json.dumps({"operations": args.operations, "rows": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

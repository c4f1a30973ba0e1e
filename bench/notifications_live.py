"""Latency of a live notification, from PUBLISH to a WebSocket subscriber, p50 and p99.

    .venv/bin/python -m bench.notifications_live                   # 1,000 messages, 1 instance
    .venv/bin/python -m bench.notifications_live --instances 2 --rate 500

What runs (loopback only):

1. SecantusDB (in memory), ``redis-server`` and SeaweedFS on free ports (the tests'
   ``devstack.servers.dev_stack``; ``MONGODB_URL``/``REDIS_URL``/``S3_ENDPOINT_URL`` use
   running servers instead).
2. ``--instances`` API servers, each its own process (``python -m bench.server``: the
   real ``create_app`` behind one uvicorn worker), sharing the database, Redis and the
   token signing key, as instances of one deployment do.
3. This process signs a citizen in (through the identity service, on the same
   database), opens one graphql-transport-ws connection per instance with a
   ``notificationReceived`` subscription, and waits until every instance has
   SUBSCRIBEd (``PUBSUB NUMSUB``).
4. It publishes ``--messages`` notifications with the worker's publisher
   (``notifications.live.RedisLivePublisher``) at ``--rate`` per second, each message
   timed from just before PUBLISH to its arrival on each WebSocket (one clock: the
   publisher and the subscribers are this process). Every message must arrive on
   every connection; a lost one fails the run.

The figure therefore holds: Redis pub/sub, the instance's relay (one pub/sub
connection, fan-out to its streams), the GraphQL subscription's execution and
serialisation, the WebSocket frame, and this process's own receive loop. It leaves
out the worker's outbox claim and template rendering (the worker's benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from app.resources import start_resources
from app.services import build_services
from app.settings import Settings
from bench.graphql_vs_rest import bench_server
from demo.providers import demo_providers
from devstack.servers import DEV_S3_ACCESS_KEY, DEV_S3_BUCKET, DEV_S3_SECRET_KEY, dev_stack
from identity.adapters.sms import DevelopmentSms
from identity.models import Device, DevicePlatform
from identity.services.sign_in import SignInService
from notifications.live import RedisLivePublisher, account_channel

SUBSCRIPTION = (
    "subscription { notificationReceived "
    "{ id kind category urgent title { zh en } body { zh en } deepLink createdAt } }"
)
PHONE = "+8613907399001"


class BenchmarkError(RuntimeError):
    """The run could not measure what it promises."""


@dataclass(frozen=True, slots=True)
class Figures:
    """Latencies of one run, in milliseconds."""

    count: int
    p50: float
    p90: float
    p99: float
    max: float
    mean: float


def figures(latencies_ms: Sequence[float]) -> Figures:
    """Percentiles (nearest rank) of ``latencies_ms``."""
    ordered = sorted(latencies_ms)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    return Figures(
        count=len(ordered),
        p50=rank(50),
        p90=rank(90),
        p99=rank(99),
        max=ordered[-1],
        mean=statistics.fmean(ordered),
    )


def _settings_values(urls: dict[str, str], folder: Path, *, started_s3: bool) -> dict[str, str]:
    values = {
        "environment": "development",
        "mongodb_url": urls["mongodb"],
        "mongodb_database": f"bench_live_{uuid.uuid4().hex[:8]}",
        "redis_url": urls["redis"],
        "redis_key_prefix": f"bench-live-{uuid.uuid4().hex[:6]}:",
        "s3_endpoint_url": urls["s3"],
        "data_dir": str(folder / "data"),
        "jwt_signing_key_file": str(folder / "jwt-ed25519.pem"),
    }
    if started_s3:
        values |= {
            "s3_access_key_id": DEV_S3_ACCESS_KEY,
            "s3_secret_access_key": DEV_S3_SECRET_KEY,
            "s3_bucket": DEV_S3_BUCKET,
        }
    return values


async def _next_result(ws: ClientConnection) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if message["type"] == "ping":
            continue
        if message["type"] != "next" or "errors" in message["payload"]:
            raise BenchmarkError(f"the subscription answered {message}")
        return message


async def _subscribe(url: str, token: str) -> ClientConnection:
    ws = await connect(
        url.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        max_queue=None,
    )
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
    if ack["type"] != "connection_ack":
        raise BenchmarkError(f"connection_init answered {ack}")
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
    return ws


async def measure(
    settings: Settings, urls: list[str], *, messages: int, rate: float
) -> list[Figures]:
    """Publish ``messages`` and time each one's arrival on every instance's subscriber."""
    resources = await start_resources(settings)
    try:
        services = build_services(resources, demo_providers(resources))
        sign_in = services.get(SignInService)
        await sign_in.request_code(PHONE, None)
        code = services.get(DevelopmentSms).last_code[PHONE]
        signed = await sign_in.sign_in(
            PHONE, code, Device("Bench phone", DevicePlatform.ANDROID), None
        )
        sockets = [await _subscribe(url, signed.tokens.access_token) for url in urls]
        channel = account_channel(settings.redis_key_prefix, signed.account.id)
        deadline = time.monotonic() + 30
        while True:
            [(_, listening)] = await resources.redis.pubsub_numsub(channel)
            if int(listening) == len(urls):
                break
            if time.monotonic() > deadline:
                raise BenchmarkError(f"{listening} of {len(urls)} instances subscribed in 30 s")
            await asyncio.sleep(0.02)
        publisher = RedisLivePublisher(resources.redis, prefix=settings.redis_key_prefix)
        sent_at: dict[str, int] = {}
        latencies: list[list[float]] = [[] for _ in sockets]

        async def receive(index: int, ws: ClientConnection) -> None:
            for _ in range(messages):
                message = await _next_result(ws)
                arrived = time.perf_counter_ns()
                item = message["payload"]["data"]["notificationReceived"]
                latencies[index].append((arrived - sent_at[item["id"]]) / 1e6)

        receivers = [asyncio.create_task(receive(i, ws)) for i, ws in enumerate(sockets)]
        created = datetime.now(UTC).isoformat()
        interval = 1 / rate
        started = time.perf_counter()
        for number in range(messages):
            pause = started + number * interval - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            notification_id = f"ntf_bench_{number}"
            message = {
                "type": "notification",
                "id": notification_id,
                "kind": "applications.case.approved",
                "category": "cases",
                "urgent": False,
                "title": {"zh": "办件已办结", "en": "Application approved"},
                "body": {
                    "zh": "您的办件 ZZ20261202-000123 已审批通过",
                    "en": "Your application ZZ20261202-000123 was approved",
                },
                "deepLink": "smartzhuzhou://cases/case_bench",
                "createdAt": created,
            }
            sent_at[notification_id] = time.perf_counter_ns()
            await publisher.to_account(signed.account.id, message)
        try:
            await asyncio.wait_for(asyncio.gather(*receivers), 60)
        except TimeoutError:
            got = [len(found) for found in latencies]
            raise BenchmarkError(f"messages lost: received {got} of {messages} each") from None
        for ws in sockets:
            await ws.close()
        await resources.mongo.drop_database(settings.mongodb_database)
        return [figures(found) for found in latencies]
    finally:
        await resources.close()


@contextlib.contextmanager
def servers(env: dict[str, str], count: int, log_dir: Path) -> Iterator[list[str]]:
    """``count`` API instances (processes), stopped on exit."""
    with contextlib.ExitStack() as stack:
        for index in range(count):
            (log_dir / str(index)).mkdir(parents=True, exist_ok=True)
        started = [
            stack.enter_context(bench_server(env, memory=False, log_dir=log_dir / str(index)))
            for index in range(count)
        ]
        yield [server.url for server in started]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print p50/p90/p99 per instance, then one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.notifications_live", description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0, help="messages per second")
    parser.add_argument("--instances", type=int, default=1, help="API instances (processes)")
    args = parser.parse_args(argv)
    # The development SMS provider logs the sign-in code; this run needs no reader for it.
    logging.getLogger("identity.sms").setLevel(logging.ERROR)
    given = {name: os.environ.get(name) for name in ("MONGODB_URL", "REDIS_URL", "S3_ENDPOINT_URL")}
    print("starting SecantusDB, redis-server and SeaweedFS on loopback …", flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="sz-bench-live-") as folder,
        dev_stack(
            None,
            mongodb_url=given["MONGODB_URL"],
            redis_url=given["REDIS_URL"],
            s3_endpoint_url=given["S3_ENDPOINT_URL"],
        ) as stack,
    ):
        urls = {"mongodb": stack.mongodb_url, "redis": stack.redis_url, "s3": stack.s3_endpoint_url}
        values = _settings_values(urls, Path(folder), started_s3=not given["S3_ENDPOINT_URL"])
        settings = Settings(_env_file=None, **values)  # type: ignore[arg-type]
        env = {**os.environ, **{f"SZ_{k.upper()}": v for k, v in values.items()}}
        with servers(env, args.instances, Path(folder)) as instance_urls:
            print(
                f"{args.messages} messages at {args.rate:g}/s to one subscriber on each of "
                f"{args.instances} instance(s) …",
                flush=True,
            )
            results = asyncio.run(
                measure(settings, instance_urls, messages=args.messages, rate=args.rate)
            )
    print(f"{'instance':<10}{'messages':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for index, found in enumerate(results, start=1):
        print(
            f"{index:<10}{found.count:>9}{found.p50:>9.2f}{found.p90:>9.2f}"
            f"{found.p99:>9.2f}{found.max:>9.2f}"
        )
    print(
        json.dumps(
            {
                "messages": args.messages,
                "rate": args.rate,
                "instances": [
                    {
                        "p50_ms": round(f.p50, 3),
                        "p90_ms": round(f.p90, 3),
                        "p99_ms": round(f.p99, 3),
                        "max_ms": round(f.max, 3),
                    }
                    for f in results
                ],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

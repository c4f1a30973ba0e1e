"""From an officer's approval to the citizen's live ``caseProgress`` subscription: p50/p99.

    .venv/bin/python -m bench.case_progress_latency [--cases 50]

Starts SecantusDB, redis-server and SeaweedFS on free loopback ports (or uses
``MONGODB_URL`` / ``REDIS_URL`` / ``S3_ENDPOINT_URL``), runs the app behind a real uvicorn
with the notifications worker's loops running in the same process (as ``python -m app
worker`` runs them), seeds the demo, and signs in 刘建军 (the applicant) and 王浩然 (clerk
of public security).

For each of ``--cases`` correction cases (opened through the applications service, one
sub-case at 430200-GA, accepted by the clerk), the citizen subscribes to the case's
progress over a WebSocket; the clock starts just before the clerk's ``approveSubCase``
request and stops when the subscription delivers ``approved``. The path: the mutation's
transaction appends the outbox event; the outbox's change stream wakes the idle worker
once it is committed (the 500 ms poll stays as a fallback), the worker claims it,
writes the inbox and publishes to Redis; the API instance's pub/sub connection passes
it to the socket. Prints p50, p90, p99 and max, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import connect

from app.main import create_app
from app.resources import StartupError
from app.settings import Settings
from applications.services.applying import ApplicationService
from applications.services.desk import OfficerDesk
from applications.workflow import Action
from bench.stack import bench_settings
from demo.data.people import LIU_JIANJUN, WANG_HAORAN
from demo.providers import demo_providers
from demo.seed import seed
from devstack.servers import (
    ServerStartError,
    free_port,
)
from identity.adapters.sms import DevelopmentSms
from identity.models import AssuranceLevel, Principal
from notifications.services.worker import NotificationWorker

SIGN_IN = """
mutation ($phone: String!, $code: String!) {
  signIn(phone: $phone, code: $code, device: {name: "bench", platform: ANDROID}) {
    __typename ... on SignedIn { accountId tokens { accessToken sessionId } } } }"""
REQUEST_CODE = "mutation ($phone: String!) { requestSignInCode(phone: $phone) { __typename } }"
VERIFY = """
mutation ($name: String!, $idNumber: String!) {
  verifyRealName(name: $name, idNumber: $idNumber) { __typename } }"""
APPROVE = """
mutation ($sub: String!) { approveSubCase(subCaseId: $sub) { __typename } }"""
PROGRESS = """
subscription ($caseId: ID!) { caseProgress(caseId: $caseId) { change } }"""


class BenchmarkError(RuntimeError):
    """The benchmark cannot give honest figures; the message says why."""


async def _post(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or "errors" in body:
        raise BenchmarkError(f"/graphql: {response.status_code} {str(body)[:300]}")
    return body["data"]  # type: ignore[no-any-return]


async def _sign_in(http: httpx.AsyncClient, app: FastAPI, phone: str) -> dict[str, Any]:
    await _post(http, REQUEST_CODE, {"phone": phone})
    code = app.state.services.get(DevelopmentSms).last_code[phone]
    signed = (await _post(http, SIGN_IN, {"phone": phone, "code": code}))["signIn"]
    if signed["__typename"] != "SignedIn":
        raise BenchmarkError(f"sign-in failed: {signed}")
    return {"account": signed["accountId"], **signed["tokens"]}


async def measure(app: FastAPI, url: str, cases: int) -> list[float]:
    """Milliseconds from the approval request to the subscription's ``approved``."""
    services = app.state.services
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        citizen = await _sign_in(http, app, f"+86{LIU_JIANJUN.phone}")
        await _post(
            http,
            VERIFY,
            {"name": LIU_JIANJUN.name, "idNumber": LIU_JIANJUN.id_number},
            citizen["accessToken"],
        )
        clerk = await _sign_in(http, app, f"+86{WANG_HAORAN.phone}")
        clerk_principal = Principal(clerk["account"], clerk["sessionId"], AssuranceLevel.REAL_NAME)
        samples: list[float] = []
        async with connect(
            url.replace("http", "ws") + "/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as ws:
            init = {"authorization": f"Bearer {citizen['accessToken']}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            if json.loads(await ws.recv())["type"] != "connection_ack":
                raise BenchmarkError("the WebSocket was not acknowledged")
            for number in range(cases):
                case = await services.get(ApplicationService).open_correction(
                    account_id=citizen["account"],
                    dispute_id=uuid.uuid4().hex,
                    department_code="430200-GA",
                    section="household",
                    field="name",
                )
                sub = case.sub_cases[0].id
                await services.get(OfficerDesk).act(clerk_principal, sub, Action.ACCEPT)
                op = str(number)
                payload = {"query": PROGRESS, "variables": {"caseId": case.id}}
                await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": payload}))
                await asyncio.sleep(0.2)  # the instance subscribes the channel
                started = time.perf_counter()
                await _post(http, APPROVE, {"sub": sub}, clerk["accessToken"])
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    if message.get("id") != op or message["type"] != "next":
                        continue
                    if message["payload"]["data"]["caseProgress"]["change"] == "approved":
                        samples.append((time.perf_counter() - started) * 1000)
                        break
                await ws.send(json.dumps({"id": op, "type": "complete"}))
        return samples


async def run(settings: Settings, cases: int) -> list[float]:
    """The app behind uvicorn with the worker's loops, seeded; the samples."""
    app = create_app(settings, providers=demo_providers)
    async with app.router.lifespan_context(app):
        await seed(app.state.resources)
        worker: NotificationWorker = app.state.services.get(NotificationWorker)
        working = asyncio.create_task(worker.run())
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                lifespan="off",
                log_level="warning",
                ws="websockets-sansio",
            )
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.02)
        try:
            return await measure(app, f"http://127.0.0.1:{port}", cases)
        finally:
            server.should_exit = True
            worker.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.gather(serving, working), 15)
            with contextlib.suppress(Exception):
                await app.state.resources.mongo.drop_database(settings.mongodb_database)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m bench.case_progress_latency``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.case_progress_latency",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--cases", type=int, default=50, help="approvals timed")
    args = parser.parse_args(argv)
    if args.cases < 2:
        parser.error("--cases must be at least 2")
    try:
        with bench_settings("progress") as settings:
            samples = asyncio.run(run(settings, args.cases))
    except (BenchmarkError, ServerStartError, StartupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    ordered = sorted(samples)
    figures = {
        "approvals": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1], 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
        "max_ms": round(ordered[-1], 1),
    }
    print(
        f"approval -> caseProgress over {figures['approvals']} approvals: p50 "
        f"{figures['p50_ms']} ms, p90 {figures['p90_ms']} ms, p99 {figures['p99_ms']} ms, "
        f"max {figures['max_ms']} ms (worker woken by the outbox's change stream; "
        "500 ms poll as fallback)"
    )
    print(json.dumps({"case_progress_latency": figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

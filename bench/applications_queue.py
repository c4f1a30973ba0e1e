"""An officer's queue and a department's statistics at 1,000 and at 100,000 cases.

    .venv/bin/python -m bench.applications_queue [--cases 100000] [--requests 30]

Starts SecantusDB (in memory), redis-server and SeaweedFS on free loopback ports (or uses
``MONGODB_URL`` / ``REDIS_URL`` / ``S3_ENDPOINT_URL``), runs the app in-process (its real
lifespan, ``/graphql`` through httpx's ASGI transport) with a PyMongo command listener,
seeds the demo (catalogue, departments, staff) and signs in 唐雅琴 (HEAD of the market
regulator, 430200-SCJG).

Cases are written straight into the collections, spread over the catalogue's items and
the past year, one sub-case per department of each case, with the statistics counters
the transitions would have kept. At the small size and again at the large one it
measures, side by side in one run:

- ``departmentQueue(first: 20)`` and ``(first: 50)`` of SCJG (open sub-cases by due date);
- ``departmentStatistics`` of SCJG over a year (counters, not cases).

It prints p50/p99 and the database commands per request for each, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from pymongo import UpdateOne, monitoring

from app.main import create_app
from app.resources import Resources, StartupError
from app.settings import Settings
from applications.calendar import city_date
from bench.stack import bench_settings, database_label
from demo.data.catalogue import BUNDLES, ITEMS
from demo.data.people import TANG_YAQIN
from demo.providers import demo_providers
from demo.seed import seed
from devstack.servers import (
    ServerStartError,
)
from identity.adapters.sms import DevelopmentSms

DEPARTMENT = "430200-SCJG"
QUEUE = """
query ($first: Int!) {
  departmentQueue(departmentCode: "430200-SCJG", states: [SUBMITTED, ACCEPTED], first: $first) {
    edges { cursor node { caseReference subCase { id state dueAt itemCodes } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
STATISTICS = """
query ($from: Date!, $to: Date!) {
  departmentStatistics(departmentCode: "430200-SCJG", from: $from, to: $to) {
    total { received completed onTimeRate averageWorkingDays supplementRate ratings }
    items { itemCode figures { received completed } }
  }
}
"""
SIGN_IN = """
mutation ($phone: String!, $code: String!) {
  signIn(phone: $phone, code: $code, device: {name: "bench", platform: ANDROID}) {
    __typename ... on SignedIn { tokens { accessToken refreshToken } } } }"""
REFRESH = """
mutation ($token: String!) { refreshToken(refreshToken: $token) {
  __typename ... on TokensRefreshed { tokens { accessToken refreshToken } } } }"""
REQUEST_CODE = "mutation ($phone: String!) { requestSignInCode(phone: $phone) { __typename } }"
IGNORED = frozenset({"hello", "ismaster", "isMaster", "ping", "endSessions", "createIndexes"})


class BenchmarkError(RuntimeError):
    """The benchmark cannot give honest figures; the message says why."""


class Commands(monitoring.CommandListener):
    """Counts database commands."""

    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        """One more command."""
        if event.command_name not in IGNORED:
            self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Nothing to do."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Nothing to do."""


async def _post(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    if response.status_code != 200:
        raise BenchmarkError(f"/graphql answered {response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    if "errors" in body:
        raise BenchmarkError(f"GraphQL errors: {body['errors']}")
    return body["data"]  # type: ignore[no-any-return]


def _departments_of(codes: Sequence[str]) -> dict[str, list[str]]:
    items = {item.code: item for item in ITEMS}
    parts: dict[str, list[str]] = {}
    for code in codes:
        parts.setdefault(items[code].department_code, []).append(code)
    return parts


def _subjects() -> list[tuple[str, str, dict[str, list[str]]]]:
    """Every item and bundle: (kind, code, department -> item codes)."""
    subjects = [("item", item.code, _departments_of([item.code])) for item in ITEMS]
    subjects += [("bundle", b.code, _departments_of(b.item_codes)) for b in BUNDLES]
    return subjects


async def seed_cases(resources: Resources, start: int, count: int, now: datetime) -> None:
    """Cases ``start`` … ``start + count - 1``, their sub-cases and counters."""
    database = resources.database
    rng = random.Random(start)
    subjects = _subjects()
    states = ["submitted", "accepted", "approved", "approved", "approved", "rejected"]
    batch = 5000
    for offset in range(start, start + count, batch):
        cases: list[dict[str, Any]] = []
        subs: list[dict[str, Any]] = []
        counters: dict[str, dict[str, Any]] = {}
        for number in range(offset, min(offset + batch, start + count)):
            kind, code, parts = rng.choice(subjects)
            submitted = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            case_id = f"case_bench{number:08d}"
            reference = f"ZZ{city_date(submitted):%Y%m%d}-B{number:07d}"
            cases.append(
                {
                    "_id": case_id,
                    "reference": reference,
                    "applicant": f"acct_bench{number % 5000:05d}",
                    "acting_for": None,
                    "kind": kind,
                    "code": code,
                    "title": {"zh": code, "en": code},
                    "form": "",
                    "materials": [],
                    "state": "in_progress",
                    "version": 1,
                    "submitted_at": submitted,
                    "due_at": submitted + timedelta(days=10),
                    "completed_at": None,
                    "client_key": f"bench-{number}",
                    "fingerprint": "bench",
                    "rating": None,
                    "dispute_id": None,
                }
            )
            for index, (department, items) in enumerate(parts.items(), start=1):
                state = rng.choice(states)
                decided = submitted + timedelta(days=rng.randrange(1, 9))
                subs.append(
                    {
                        "_id": f"sub_bench{number:08d}{index}",
                        "case_id": case_id,
                        "reference": f"{reference}-{index}",
                        "applicant": f"acct_bench{number % 5000:05d}",
                        "department": department,
                        "items": items,
                        "state": state,
                        "version": 1,
                        "limit_days": 5,
                        "received_at": submitted,
                        "due_at": submitted + timedelta(days=7),
                        "due_key": submitted + timedelta(days=7),
                        "suspensions": [],
                        "supplement": None,
                        "supplements": 0,
                        "decided_at": decided if state in ("approved", "rejected") else None,
                        "licence_uri": None,
                    }
                )
                for item in items:
                    day = city_date(submitted).isoformat()
                    key = f"{department}|{item}|{day}"
                    doc = counters.setdefault(
                        key,
                        {"_id": key, "department": department, "item": item, "day": day},
                    )
                    doc["received"] = doc.get("received", 0) + 1
                    if state in ("approved", "rejected"):
                        doc["completed"] = doc.get("completed", 0) + 1
                        doc["on_time"] = doc.get("on_time", 0) + 1
                        doc["working_days"] = doc.get("working_days", 0) + 4
        await database["cases"].insert_many(cases, ordered=False)
        await database["sub_cases"].insert_many(subs, ordered=False)
        await database["case_counters"].bulk_write(
            [
                UpdateOne(
                    {"_id": doc["_id"]},
                    {
                        "$inc": {k: v for k, v in doc.items() if k not in _COUNTER_KEYS},
                        "$setOnInsert": {k: doc[k] for k in _COUNTER_KEYS if k != "_id"},
                    },
                    upsert=True,
                )
                for doc in counters.values()
            ],
            ordered=False,
        )


_COUNTER_KEYS = ("_id", "department", "item", "day")


async def _signed_in(http: httpx.AsyncClient, app: FastAPI) -> dict[str, str]:
    """唐雅琴 signed in; her tokens."""
    phone = f"+86{TANG_YAQIN.phone}"
    await _post(http, REQUEST_CODE, {"phone": phone})
    code = app.state.services.get(DevelopmentSms).last_code[phone]
    signed = (await _post(http, SIGN_IN, {"phone": phone, "code": code}))["signIn"]
    if signed["__typename"] != "SignedIn":
        raise BenchmarkError(f"sign-in failed: {signed}")
    tokens: dict[str, str] = signed["tokens"]
    return tokens


async def _refreshed(http: httpx.AsyncClient, tokens: dict[str, str]) -> dict[str, str]:
    """Fresh tokens (seeding a size can outlast an access token)."""
    answer = (await _post(http, REFRESH, {"token": tokens["refreshToken"]}))["refreshToken"]
    if answer["__typename"] != "TokensRefreshed":
        raise BenchmarkError(f"refresh failed: {answer}")
    fresh: dict[str, str] = answer["tokens"]
    return fresh


async def timed(
    http: httpx.AsyncClient,
    token: str,
    commands: Commands,
    query: str,
    variables: dict[str, Any],
    requests: int,
) -> dict[str, float]:
    """p50/p99 in ms and commands per request of ``requests`` sequential requests."""
    await _post(http, query, variables, token)  # warm-up
    samples = []
    counts = []
    for _ in range(requests):
        before = commands.count
        started = time.perf_counter()
        await _post(http, query, variables, token)
        samples.append((time.perf_counter() - started) * 1000)
        counts.append(commands.count - before)
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "commands_per_request": max(counts),
    }


async def run(settings: Settings, *, sizes: Sequence[int], requests: int) -> dict[str, Any]:
    """Seed, sign in, and measure at each size."""
    commands = Commands()
    app = create_app(settings, providers=demo_providers, mongo_listeners=[commands])
    figures: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        resources: Resources = app.state.resources
        await seed(resources)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                now = datetime.now(UTC)
                year = {
                    "from": (city_date(now) - timedelta(days=364)).isoformat(),
                    "to": city_date(now).isoformat(),
                }
                seeded = 0
                tokens: dict[str, str] = {}
                for size in sizes:
                    started = time.perf_counter()
                    await seed_cases(resources, seeded, size - seeded, now)
                    seeding = time.perf_counter() - started
                    seeded = size
                    # Seeding can outlast an access token: fresh tokens for each size.
                    tokens = await (_refreshed(http, tokens) if tokens else _signed_in(http, app))
                    token = tokens["accessToken"]
                    subs = await resources.database["sub_cases"].count_documents(
                        {"department": DEPARTMENT}
                    )
                    figures[str(size)] = {
                        "seconds_to_seed": round(seeding, 1),
                        "scjg_sub_cases": subs,
                        "queue_20": await timed(
                            http, token, commands, QUEUE, {"first": 20}, requests
                        ),
                        "queue_50": await timed(
                            http, token, commands, QUEUE, {"first": 50}, requests
                        ),
                        "statistics_year": await timed(
                            http, token, commands, STATISTICS, year, requests
                        ),
                    }
                    print(f"  {size:>7} cases: {json.dumps(figures[str(size)])}", flush=True)
        finally:
            with contextlib.suppress(Exception):
                await resources.mongo.drop_database(settings.mongodb_database)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m bench.applications_queue``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.applications_queue",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--cases", type=int, default=100_000, help="the large size")
    parser.add_argument("--small", type=int, default=1_000, help="the small size")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per figure")
    args = parser.parse_args(argv)
    if not 0 < args.small < args.cases or args.requests < 1:
        parser.error("need 0 < --small < --cases and --requests >= 1")
    database = database_label()
    print(f"starting servers; database: {database} …", flush=True)
    try:
        with bench_settings("cases") as settings:
            figures = asyncio.run(
                run(settings, sizes=[args.small, args.cases], requests=args.requests)
            )
    except (BenchmarkError, ServerStartError, StartupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(json.dumps({"applications_queue": figures, "database": database}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

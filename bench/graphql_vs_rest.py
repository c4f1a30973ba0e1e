"""GraphQL against a plain FastAPI route serving the same page from the same service call.

The page is asked for four ways, side by side in one run: the plain route; GraphQL with
ad-hoc text (as clients sent it until trusted documents: Strawberry's parser and
validation caches are warm after the first request, and a compiled-plan cache, once it
exists, is warm too); the trusted document ``documents/Departments.graphql`` by
``documentId`` over POST; and the same by GET (what proxies may cache). Each GraphQL
row's ratio is against the plain route.

    .venv/bin/python -m bench.graphql_vs_rest [--duration 10]

Starts SecantusDB (in memory), redis-server and SeaweedFS on free loopback ports (or uses
``MONGODB_URL`` / ``REDIS_URL`` / ``S3_ENDPOINT_URL``), seeds the demo departments, and
measures twice, each time in one uvicorn process serving both endpoints:

(a) the data comes from the database, as in production;
(b) the services read an in-memory copy of the same departments: the GraphQL layer alone;
(c) as (b), with execution plans switched off (SZ_GRAPHQL_EXECUTION_PLANS=false): the
generic executor side by side with the plans.

Before measuring, both endpoints must return identical JSON. Load comes from ``wrk``
(or :mod:`bench.loadgen`) in another process, alternating the endpoints slice by slice
so drift hits both alike. Prints a table, then the figures as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import difflib
import http.client
import importlib.metadata
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.resources import StartupError, start_resources
from app.settings import Settings
from app.trusted_documents import document_hash, document_text
from bench.load import (
    Figures,
    LoadError,
    LoadGenerator,
    Target,
    pick_load_generator,
    process_cpu_seconds,
)
from bench.server import REST_PATH
from demo.data.departments import DEPARTMENTS
from devstack.servers import (
    DEV_S3_ACCESS_KEY,
    DEV_S3_BUCKET,
    DEV_S3_SECRET_KEY,
    ServerProcess,
    ServerStartError,
    dev_stack,
    free_port,
)
from directory.repository import DepartmentRepository

ROOT = Path(__file__).resolve().parent.parent
PAGE_SIZE = 14
QUERY = (
    f"query {{ departments(first: {PAGE_SIZE}) {{ edges {{ cursor node {{ code "
    "name { zh en } shortName { zh en } kind contact { phone address { zh en } "
    "officeHours { zh en } website } } } pageInfo { hasNextPage endCursor } } }"
)
TRUSTED_ID = "sha256:" + document_hash(document_text("Departments"))
TRUSTED_VARIABLES = json.dumps({"first": PAGE_SIZE}, separators=(",", ":"))
AD_HOC = Target("ad-hoc", "POST", "/graphql", json.dumps({"query": QUERY}).encode())
TRUSTED = Target(
    "trusted",
    "POST",
    "/graphql",
    json.dumps({"documentId": TRUSTED_ID, "variables": {"first": PAGE_SIZE}}).encode(),
)
TRUSTED_GET = Target(
    "trusted GET",
    "GET",
    "/graphql?"
    + urllib.parse.urlencode({"documentId": TRUSTED_ID, "variables": TRUSTED_VARIABLES}),
)
REST = Target("REST", "GET", f"{REST_PATH}?first={PAGE_SIZE}")
GRAPHQL_TARGETS = (AD_HOC, TRUSTED, TRUSTED_GET)
TARGETS = (*GRAPHQL_TARGETS, REST)
LABELS = {
    AD_HOC.name: "GraphQL ad-hoc text",
    TRUSTED.name: "trusted document, POST",
    TRUSTED_GET.name: "trusted document, GET",
    REST.name: "plain FastAPI route",
}


def _interrupt(signum: int, _frame: object) -> None:
    # As Ctrl-C does, so that every ``finally`` and context manager runs.
    raise KeyboardInterrupt(signum)


class BenchmarkError(RuntimeError):
    """The benchmark cannot give honest figures; the message says why."""


@dataclass(frozen=True, slots=True)
class Mode:
    """Where the directory's data comes from during one measurement."""

    key: str
    title: str
    subtitle: str
    memory: bool
    plans: bool = True


@dataclass
class ModeResult:
    """Both endpoints' figures in one mode, and their response sizes."""

    mode: Mode
    figures: dict[str, Figures]
    body_bytes: dict[str, int]


# ---------------------------------------------------------------- the server under test


def _fetch(port: int, target: Target) -> tuple[Any, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if target.body is not None else {}
        connection.request(target.method, target.path, body=target.body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise BenchmarkError(f"{target.name} answered {response.status}: {raw[:300]!r}")
    return json.loads(raw), len(raw)


@contextlib.contextmanager
def bench_server(env: dict[str, str], *, memory: bool, log_dir: Path) -> Iterator[ServerProcess]:
    """``python -m bench.server`` on a free port, ready to serve; stopped on exit."""
    port = free_port()
    log_path = log_dir / f"server-{'memory' if memory else 'database'}-{port}.log"
    argv = [sys.executable, "-m", "bench.server", "--port", str(port)]
    argv += ["--memory"] if memory else []
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
            start_new_session=True,  # so that stop() can signal its whole group
        )
    server = ServerProcess("bench.server", f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise BenchmarkError(f"the bench server exited:\n{server.log_tail()}")
            with contextlib.suppress(OSError, BenchmarkError):
                _fetch(port, Target("healthz", "GET", "/healthz"))
                break
            if time.monotonic() > deadline:
                raise BenchmarkError(f"the bench server did not start:\n{server.log_tail()}")
            time.sleep(0.1)
        yield server
    finally:
        server.stop()


def verify_same_answer(port: int) -> tuple[Any, dict[str, int]]:
    """Every endpoint's JSON for the page, which must be identical; and their sizes."""
    rest, rest_bytes = _fetch(port, REST)
    sizes = {REST.name: rest_bytes}
    for target in GRAPHQL_TARGETS:
        graphql, sizes[target.name] = _fetch(port, target)
        if "errors" in graphql:
            raise BenchmarkError(f"the {target.name} query failed: {graphql['errors']}")
        if graphql != rest:
            diff = difflib.unified_diff(
                json.dumps(graphql, indent=1, ensure_ascii=False).splitlines(),
                json.dumps(rest, indent=1, ensure_ascii=False).splitlines(),
                target.name,
                "REST",
                lineterm="",
            )
            raise BenchmarkError("the endpoints disagree:\n" + "\n".join(list(diff)[:30]))
    edges = rest["data"]["departments"]["edges"]
    if len(edges) != PAGE_SIZE:
        raise BenchmarkError(f"expected {PAGE_SIZE} departments, got {len(edges)}")
    return rest, sizes


# ---------------------------------------------------------------- the load


@dataclass(frozen=True, slots=True)
class Plan:
    """How long and how hard each endpoint is loaded in each mode."""

    connections: int
    warmup_seconds: int
    slice_seconds: int
    rounds: int


def measure(load: LoadGenerator, server: ServerProcess, plan: Plan) -> dict[str, Figures]:
    """Warm every endpoint up, then load them in alternating slices (A B C D, D C B A, ...)."""
    port = int(server.url.rsplit(":", 1)[1])
    pid = server.process.pid
    for target in TARGETS:
        if plan.warmup_seconds:
            load.run(target, port=port, connections=plan.connections, seconds=plan.warmup_seconds)
    totals = {target.name: Figures() for target in TARGETS}
    for round_ in range(plan.rounds):
        for target in TARGETS if round_ % 2 == 0 else tuple(reversed(TARGETS)):
            before = process_cpu_seconds(pid)
            figures = load.run(
                target, port=port, connections=plan.connections, seconds=plan.slice_seconds
            )
            after = process_cpu_seconds(pid)
            figures.server_cpu_seconds = (
                after - before if before is not None and after is not None else None
            )
            totals[target.name].add(figures)
    return totals


# ---------------------------------------------------------------- report


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def figures_json(figures: Figures) -> dict[str, Any]:
    """One endpoint's figures, rounded for the JSON line."""
    cpu = figures.cpu_us_per_request
    return {
        "requests_per_s": round(figures.requests_per_second, 1),
        "p50_ms": round(figures.percentile_ms(50), 3),
        "p99_ms": round(figures.percentile_ms(99), 3),
        "server_cpu_us_per_request": round(cpu, 1) if cpu is not None else None,
        "requests": figures.requests,
        "errors": figures.errors,
        "seconds": round(figures.seconds, 2),
    }


def ratios(graphql: Figures, rest: Figures) -> dict[str, float | None]:
    """GraphQL's figures divided by the plain route's."""
    values = {
        "requests_per_s": _ratio(graphql.requests_per_second, rest.requests_per_second),
        "p50_ms": _ratio(graphql.percentile_ms(50), rest.percentile_ms(50)),
        "p99_ms": _ratio(graphql.percentile_ms(99), rest.percentile_ms(99)),
        "server_cpu_us_per_request": _ratio(graphql.cpu_us_per_request, rest.cpu_us_per_request),
    }
    return {k: round(v, 3) if v is not None else None for k, v in values.items()}


def _cell(value: float | None, width: int, spec: str, unit: str = "") -> str:
    text = "n/a" if value is None else format(value, spec) + unit
    return f"{text:>{width}}"


def print_table(results: list[ModeResult]) -> None:
    """The figures of every mode: each endpoint, with its req/s and CPU against the route."""
    header = (
        f"{'mode':<24}{'endpoint':<26}{'req/s':>9}{'÷ route':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'CPU µs/req':>12}{'÷ route':>9}{'errors':>8}{'bytes':>8}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        rest = result.figures[REST.name]
        labels = iter([result.mode.title, result.mode.subtitle])
        for target in (REST, *GRAPHQL_TARGETS):
            figures = result.figures[target.name]
            ratio = ratios(figures, rest)
            print(
                f"{next(labels, ''):<24}{LABELS[target.name]:<26}"
                + _cell(figures.requests_per_second, 9, ".1f")
                + _cell(ratio["requests_per_s"], 9, ".2f", "×")
                + _cell(figures.percentile_ms(50), 9, ".2f")
                + _cell(figures.percentile_ms(99), 9, ".2f")
                + _cell(figures.cpu_us_per_request, 12, ".0f")
                + _cell(ratio["server_cpu_us_per_request"], 9, ".2f", "×")
                + f"{figures.errors:>8}{result.body_bytes[target.name]:>8}"
            )
        print()


# ---------------------------------------------------------------- the run


def _settings_values(stack_urls: dict[str, str], *, started_s3: bool) -> dict[str, str]:
    values = {
        "environment": "development",
        "mongodb_url": stack_urls["mongodb"],
        "mongodb_database": f"bench_{uuid.uuid4().hex[:8]}",
        "redis_url": stack_urls["redis"],
        "redis_key_prefix": "bench:",
        "s3_endpoint_url": stack_urls["s3"],
    }
    if started_s3:
        values |= {
            "s3_access_key_id": DEV_S3_ACCESS_KEY,
            "s3_secret_access_key": DEV_S3_SECRET_KEY,
            "s3_bucket": DEV_S3_BUCKET,
        }
    return values


async def _seed(settings: Settings) -> None:
    # Only the departments: the benchmark reads nothing else of the demo data.
    resources = await start_resources(settings)
    try:
        await DepartmentRepository(resources.database).upsert_many(DEPARTMENTS)
    finally:
        await resources.close()


async def _drop_database(settings: Settings) -> None:
    resources = await start_resources(settings)
    try:
        await resources.mongo.drop_database(settings.mongodb_database)
    finally:
        await resources.close()


def run(load: LoadGenerator, plan: Plan) -> tuple[list[ModeResult], str]:
    """Start the servers, seed, measure both modes; returns the results and the database."""
    given = {name: os.environ.get(name) for name in ("MONGODB_URL", "REDIS_URL", "S3_ENDPOINT_URL")}
    database = (
        "MONGODB_URL (as given)"
        if given["MONGODB_URL"]
        else f"SecantusDB {importlib.metadata.version('secantusdb')} (in memory)"
    )
    modes = [
        Mode("database", "(a) from the database", database.split(" (")[0], memory=False),
        Mode("memory", "(b) in memory", "no database", memory=True),
        Mode("generic", "(c) in memory, no plans", "graphql-core executor", True, plans=False),
    ]
    print("starting SecantusDB, redis-server and SeaweedFS on loopback …", flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="sz-bench-") as folder,
        dev_stack(
            None,
            mongodb_url=given["MONGODB_URL"],
            redis_url=given["REDIS_URL"],
            s3_endpoint_url=given["S3_ENDPOINT_URL"],
        ) as stack,
    ):
        urls = {"mongodb": stack.mongodb_url, "redis": stack.redis_url, "s3": stack.s3_endpoint_url}
        values = _settings_values(urls, started_s3=not given["S3_ENDPOINT_URL"])
        settings = Settings(_env_file=None, **values)  # type: ignore[arg-type]
        env = {**os.environ, **{f"SZ_{k.upper()}": v for k, v in values.items()}}
        asyncio.run(_seed(settings))
        results: list[ModeResult] = []
        first_answer: Any = None
        try:
            for mode in modes:
                print(f"measuring {mode.title} …", flush=True)
                mode_env = env | {"SZ_GRAPHQL_EXECUTION_PLANS": str(mode.plans).lower()}
                with bench_server(mode_env, memory=mode.memory, log_dir=Path(folder)) as server:
                    port = int(server.url.rsplit(":", 1)[1])
                    answer, sizes = verify_same_answer(port)
                    if first_answer is not None and answer != first_answer:
                        raise BenchmarkError("the in-memory directory differs from the database")
                    first_answer = answer
                    results.append(ModeResult(mode, measure(load, server, plan), sizes))
        finally:
            if given["MONGODB_URL"]:
                asyncio.run(_drop_database(settings))
    return results, database


def _describe_server() -> str:
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"one uvicorn worker ({loop}, {parser}), access log off"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m bench.graphql_vs_rest``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.graphql_vs_rest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--duration", type=int, default=10, help="seconds of load per endpoint per mode"
    )
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per endpoint")
    parser.add_argument("--rounds", type=int, default=2, help="alternating slices per endpoint")
    parser.add_argument("--connections", type=int, default=8, help="requests kept in flight")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.rounds < 1 or args.connections < 1 or args.warmup < 0:
        parser.error("--duration, --rounds and --connections must be positive")
    plan = Plan(
        connections=args.connections,
        warmup_seconds=args.warmup,
        slice_seconds=max(1, round(args.duration / args.rounds)),
        rounds=args.rounds,
    )
    # SIGTERM unwinds the context managers like Ctrl-C does, so every server is stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        load = pick_load_generator(args.loadgen)
        results, database = run(load, plan)
    except (BenchmarkError, LoadError, ServerStartError, StartupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

    seconds = plan.slice_seconds * plan.rounds
    print()
    print(f"GraphQL vs plain FastAPI: departments(first: {PAGE_SIZE}), one DirectoryService call")
    print(
        f"load: {load.name}, {plan.connections} connections, {seconds} s per endpoint and mode "
        f"in {plan.rounds} alternating slices, after {plan.warmup_seconds} s warm-up each"
    )
    print(f"server: {_describe_server()}; {os.cpu_count()} CPUs shared with the load and database")
    print()
    print_table(results)
    memory = next(r for r in results if r.mode.memory and r.mode.plans)
    extra = [
        (memory.figures[AD_HOC.name].cpu_us_per_request or 0)
        - (memory.figures[REST.name].cpu_us_per_request or 0),
        1e6 / memory.figures[AD_HOC.name].requests_per_second
        - 1e6 / memory.figures[REST.name].requests_per_second,
    ]
    print(
        "Every endpoint returned identical JSON for the page (checked in each mode).\n"
        "CPU µs/req: user+system CPU of the server process per request (the database's own\n"
        "CPU is not included). bytes: response body size (non-ASCII escaped, as json.dumps).\n"
        "Ad-hoc text is one fixed text here, so the parser, validation and plan caches are\n"
        "warm: the (b) ad-hoc row is 'ad-hoc with a warm plan cache'. (c) is the same server\n"
        "with SZ_GRAPHQL_EXECUTION_PLANS=false: graphql-core's generic executor, as before\n"
        "the plans.\n"
        f"(b) GraphQL layer alone (ad-hoc): about {extra[0]:.0f} µs more server CPU per request "
        f"({extra[1]:.0f} µs by throughput)."
    )
    if database.startswith("SecantusDB"):
        print(
            "(a) ran on SecantusDB, a slow development stand-in that answers one query at a\n"
            "time under its GIL: absolute numbers there are NOT MongoDB numbers; read the\n"
            "ratio, and (b) for what the GraphQL layer itself costs."
        )
    errors = sum(f.errors for r in results for f in r.figures.values())
    if errors:
        print(f"WARNING: {errors} requests failed or timed out; the figures are suspect.")
    report = {
        "benchmark": "graphql_vs_rest",
        "query": f"departments(first: {PAGE_SIZE})",
        "database": database,
        "load_generator": load.name,
        "connections": plan.connections,
        "seconds_per_endpoint": seconds,
        "rounds": plan.rounds,
        "warmup_seconds": plan.warmup_seconds,
        "cpus": os.cpu_count(),
        "modes": {
            r.mode.key: {
                "endpoints": {t.name: figures_json(r.figures[t.name]) for t in TARGETS},
                "over_rest": {
                    t.name: ratios(r.figures[t.name], r.figures[REST.name]) for t in GRAPHQL_TARGETS
                },
                "body_bytes": r.body_bytes,
            }
            for r in results
        },
    }
    print(json.dumps(report, ensure_ascii=False))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())

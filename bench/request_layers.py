"""CPU per request of each layer of an in-memory ``/graphql`` request, measured in process.

    .venv/bin/python -m bench.request_layers [--seconds 2]

The app from ``create_app`` (no lifespan: its services are the in-memory directory of
:mod:`bench.memory`, which is all the departments page reads) is called as an ASGI app,
and each layer on the way is timed on its own, without a profiler (cProfile slows
Python calls several times over, unevenly; see :mod:`bench.profile_graphql` for the
functions). Per request of the trusted document (POST, ``documentId``):

- the whole ASGI app (middleware, routing, FastAPI's dependencies, Strawberry's view,
  everything but uvicorn's HTTP parsing and socket writes), and for scale the plain
  route and ``/healthz`` (the middleware and routing floor);
- Strawberry's view (``run``) with the context built by hand, as the route does;
- building the context (``app.context.get_context``);
- reading the request and finding its document (``parse_request``);
- ``schema.execute`` (Strawberry: extensions, parser and validation caches, graphql-core's
  ``execute`` with the plan); graphql-core's ``execute`` alone; the executor alone;
- ``process_result`` and the encoding (``encode_response``);
- the whole ASGI app for a trusted POST, a trusted GET and an ad-hoc POST on the prepared
  path (``app/prepared_execution.py``) and, in alternating batches beside each, with that
  path off (through the view); the plain route likewise, as a control (no difference).

What the ASGI app costs beyond the sum of these is the web framework's share (Starlette,
FastAPI's dependency injection, Strawberry's view). uvicorn's share is what
``bench.graphql_vs_rest`` measures per request minus the whole ASGI app here.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from graphql import execute, parse
from starlette.background import BackgroundTasks
from starlette.requests import Request
from starlette.responses import Response
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.http import process_result

from app.context import get_context
from app.document_policy import parse_request
from app.execution import PlannedExecutor
from app.graphql import CitySchema, GuardedGraphQLRouter
from app.json_encoding import encode_response
from app.settings import Settings
from bench.graphql_vs_rest import AD_HOC, PAGE_SIZE, TRUSTED, TRUSTED_ID
from bench.memory import InMemoryDepartmentRepository
from bench.server import REST_PATH, bench_app
from demo.data.departments import DEPARTMENTS
from directory.service import DirectoryService
from kit.registry import ServiceRegistry

Step = Callable[[], Awaitable[Any]]


def _scope(method: str, path: str, query: bytes, body: bytes | None) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8000")]
    if body is not None:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


def asgi_call(app: Any, method: str, path: str, query: bytes, body: bytes | None) -> Step:
    """One request through the ASGI app; the response's status and body are kept."""
    answer: dict[str, Any] = {}

    async def call() -> Any:
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body or b"", "more_body": False}

        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(_scope(method, path, query, body), receive, send)
        answer["body"] = b"".join(chunks)
        return answer

    return call


async def per_call_us(step: Step, seconds: float) -> float:
    """CPU µs per call of ``step`` (process time), after a short warm-up."""
    for _ in range(20):
        await step()
    count = 0
    start = time.process_time()
    while time.process_time() - start < seconds:
        for _ in range(20):
            await step()
        count += 20
    return (time.process_time() - start) / count * 1e6


async def paired_us(first: Step, second: Step, seconds: float) -> tuple[float, float]:
    """CPU µs per call of two steps measured in alternating batches, so drift in the
    machine's load hits both alike (for an A/B comparison within one process)."""
    for _ in range(20):
        await first()
        await second()
    spent = [0.0, 0.0]
    count = 0
    while sum(spent) < seconds:
        for index, step in enumerate((first, second)):
            start = time.process_time()
            for _ in range(20):
                await step()
            spent[index] += time.process_time() - start
        count += 20
    return spent[0] / count * 1e6, spent[1] / count * 1e6


def without_prepared_path(view: GuardedGraphQLRouter, step: Step) -> Step:
    """``step`` with the router's prepared path off: every request through the view."""

    async def call() -> Any:
        prepared, view.prepared = view.prepared, None
        try:
            return await step()
        finally:
            view.prepared = prepared

    return call


async def run(seconds: float) -> list[tuple[str, float]]:
    """Every layer's µs per request."""
    app = bench_app(Settings(_env_file=None), memory=False)
    services = ServiceRegistry([DirectoryService(InMemoryDepartmentRepository(DEPARTMENTS))])
    app.state.services = services
    view = _view(app)
    schema = view.schema
    assert isinstance(schema, CitySchema)
    body = TRUSTED.body
    assert body is not None
    request = Request(_scope("POST", "/graphql", b"", body))
    request.scope["app"] = app
    document = view.documents.get(TRUSTED_ID.removeprefix("sha256:"))
    assert document is not None
    parsed = parse(document.text)
    variables = {"first": PAGE_SIZE}

    async def context() -> Any:
        return await get_context(request)

    async def lookup() -> Any:
        return parse_request(json.loads(body), view.documents)

    async def strawberry_execute() -> Any:
        ctx = await get_context(request)
        return await schema.execute(document.text, variables, ctx)

    async def core_execute() -> Any:
        ctx = await get_context(request)
        result = execute(
            schema._schema,
            parsed,
            context_value=ctx,
            variable_values=variables,
            executor_class=PlannedExecutor,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        if optimized_is_awaitable(result):
            result = await result  # type: ignore[misc]
        return result

    async def view_run() -> Any:
        # What the route does before the view: the context as Strawberry's dependency
        # builds it, a header-only sub-response; then the view itself.
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        scope = _scope("POST", "/graphql", b"", body)
        scope["app"] = app
        http = Request(scope, receive)
        ctx = await get_context(http)
        sub_response = Response()
        del sub_response.headers["content-length"]
        ctx.request, ctx.background_tasks, ctx.response = http, BackgroundTasks(), sub_response
        view.temporal_response = sub_response
        return await view.run(request=http, context=ctx, root_value=None)

    result = await strawberry_execute()

    async def encode() -> Any:
        return encode_response(process_result(result))

    whole = asgi_call(app, "POST", "/graphql", b"", body)
    answer = await whole()
    assert answer["status"] == 200, answer
    assert b'"errors"' not in answer["body"], answer["body"][:300]
    steps: list[tuple[str, Step]] = [
        ("whole ASGI app, trusted POST", whole),
        (
            "whole ASGI app, trusted GET",
            asgi_call(
                app,
                "GET",
                "/graphql",
                b"documentId=" + TRUSTED_ID.encode() + b"&variables=%7B%22first%22%3A14%7D",
                None,
            ),
        ),
        ("whole ASGI app, plain route", asgi_call(app, "GET", REST_PATH, b"first=14", None)),
        (
            "whole ASGI app, /healthz (middleware floor)",
            asgi_call(app, "GET", "/healthz", b"", None),
        ),
        ("view.run (Strawberry's view and all below)", view_run),
        ("context (get_context)", context),
        ("request + document lookup (parse_request)", lookup),
        ("context + schema.execute (Strawberry)", strawberry_execute),
        ("context + graphql-core execute (plan)", core_execute),
        ("process_result + encode_response", encode),
    ]
    rows = [(name, await per_call_us(step, seconds)) for name, step in steps]
    # The prepared path (app/prepared_execution.py) against the view, side by side.
    assert view.prepared is not None
    ad_hoc = asgi_call(app, "POST", "/graphql", b"", AD_HOC.body)
    for name, step in (
        ("trusted POST", whole),
        ("trusted GET", steps[1][1]),
        ("ad-hoc POST", ad_hoc),
        ("plain route", steps[2][1]),
    ):
        prepared, viewed = await paired_us(step, without_prepared_path(view, step), seconds)
        rows += [
            (f"A/B {name}: the prepared path", prepared),
            (f"A/B {name}: through the view (path off)", viewed),
        ]
    return rows


def _view(app: Any) -> GuardedGraphQLRouter:
    """The app's GraphQL router (FastAPI keeps included routers out of reach)."""
    del app  # one app per process here
    views = [o for o in gc.get_objects() if isinstance(o, GuardedGraphQLRouter)]
    if len(views) != 1:
        raise RuntimeError(f"expected one GraphQL router, found {len(views)}")
    return views[0]


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.request_layers", description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per layer")
    args = parser.parse_args(argv)
    rows = asyncio.run(run(args.seconds))
    for name, us in rows:
        print(f"{name:48}{us:10.0f} µs")
    print(json.dumps({name: round(us, 1) for name, us in rows}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

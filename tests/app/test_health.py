"""Liveness, readiness, and recovery when a server goes away and comes back."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from demo.providers import demo_providers
from devstack.servers import (
    ServerProcess,
    start_redis,
    start_seaweedfs,
    start_secantus,
)
from tests.conftest import graphql

DEPARTMENTS = "{ departments(first: 5) { edges { node { code } } } }"


async def test_healthz_answers_while_the_process_lives(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_every_part_ready(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "failing": [],
        "checks": {"mongodb": "ok", "redis": "ok", "s3": "ok"},
    }


@pytest.fixture
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sz-recovery-") as folder:
        yield Path(folder)


@pytest.fixture
async def own_server_app(
    request: pytest.FixtureRequest, settings: Settings, scratch: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Callable[[], Any], Callable[[], Any]]]:
    """An app wired to a private server of the requested part, with stop/start controls."""
    part: str = request.param
    holder: dict[str, ServerProcess] = {}

    def start_part(port: int | None = None) -> ServerProcess:
        if part == "mongodb":
            return start_secantus(None, scratch / "logs", port=port)
        if part == "redis":
            return start_redis(None, scratch / "logs", port=port)
        return start_seaweedfs(scratch / "s3", scratch / "logs", s3_port=port)

    # Started on this thread, not a worker thread: the servers are tied to the
    # lifetime of the thread that spawns them (PR_SET_PDEATHSIG).
    holder["server"] = start_part()
    url = holder["server"].url
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    field = {"mongodb": "mongodb_url", "redis": "redis_url", "s3": "s3_endpoint_url"}[part]
    app = create_app(
        Settings(_env_file=None, **(settings.model_dump() | {field: url})),
        providers=demo_providers,
    )

    async def stop() -> None:
        await asyncio.to_thread(holder["server"].stop)

    async def start() -> None:
        holder["server"] = start_part(port)

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            try:
                yield http, stop, start
            finally:
                holder["server"].stop()


@pytest.mark.parametrize("own_server_app", ["mongodb", "redis", "s3"], indirect=True)
async def test_readyz_names_a_lost_server_and_recovers_when_it_returns(
    own_server_app: tuple[httpx.AsyncClient, Callable[[], Any], Callable[[], Any]],
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    http, stop, start = own_server_app
    part = request.node.callspec.params["own_server_app"]
    assert (await http.get("/readyz")).status_code == 200
    # when the server goes away
    await stop()
    # then readiness fails naming it, liveness holds
    down = await http.get("/readyz")
    assert down.status_code == 503
    assert down.json()["failing"] == [part]
    assert (await http.get("/healthz")).status_code == 200
    if part == "mongodb":
        # a request that needs it fails with a masked error, not a crash or a trace
        body = await graphql(http, DEPARTMENTS)
        assert body["data"] is None
        assert [e["message"] for e in body["errors"]] == ["Unexpected error."]
        # … while the log keeps the real cause, with its trace, for the operators
        (logged,) = [r for r in caplog.records if "graphql.unexpected_error" in r.getMessage()]
        assert logged.exc_info is not None
        assert "ServerSelectionTimeoutError" in repr(logged.exc_info[1])
    # when it comes back on the same address
    await start()
    # then the same process serves again
    for _ in range(50):
        if (await http.get("/readyz")).status_code == 200:
            break
        await asyncio.sleep(0.2)
    assert (await http.get("/readyz")).json()["failing"] == []
    assert "errors" not in await graphql(http, DEPARTMENTS)

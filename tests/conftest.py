"""Test session: real MongoDB-wire, Redis and S3 servers, and per-test isolation.

The session starts SecantusDB (in memory), redis-server and SeaweedFS on free ports,
unless ``MONGODB_URL`` / ``REDIS_URL`` / ``S3_ENDPOINT_URL`` name servers to use instead.
Every test gets its own database and Redis key prefix, dropped afterwards, so tests
can run in any order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pymongo
import pytest
import uvicorn
from fastapi import FastAPI
from pymongo import AsyncMongoClient, monitoring

from app.main import create_app
from app.resources import Resources, start_resources
from app.settings import Environment, Settings
from demo.providers import demo_providers
from devstack.servers import (
    DEV_EXCHANGE_CLIENT_ID,
    DEV_S3_ACCESS_KEY,
    DEV_S3_BUCKET,
    DEV_S3_SECRET_KEY,
    PRODLIKE_S3_ACCESS_KEY,
    PRODLIKE_S3_SECRET_KEY,
    DevStack,
    ServerProcess,
    dev_stack,
    exchange_client_key,
    free_port,
    start_exchange,
)
from identity.tokens import load_or_create_signing_key
from wallet.models import SEALING_DEPARTMENTS
from wallet.seals import SealAlgorithm, write_new_key


@pytest.fixture(scope="session")
def servers() -> Iterator[DevStack]:
    """The three servers for the whole session (started here, or given by URL)."""
    with dev_stack(
        None,
        mongodb_url=os.environ.get("MONGODB_URL"),
        redis_url=os.environ.get("REDIS_URL"),
        s3_endpoint_url=os.environ.get("S3_ENDPOINT_URL"),
    ) as stack:
        yield stack


@dataclass(frozen=True)
class ExchangeProcess:
    """The demo exchange the session started: where it is and the keys it accepts."""

    server: ServerProcess
    database: str
    client_id: str
    key_file: Path
    admin_key: str

    @property
    def url(self) -> str:
        """Its base URL."""
        return self.server.url


@pytest.fixture(scope="session")
def exchange_process(
    servers: DevStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ExchangeProcess]:
    """The demo exchange as its own process, seeded with the demo data in its own database.

    Started on first use only (most tests keep ``SZ_EXCHANGE_PROVIDER=embedded``, whose
    data each test seeds into its own database). Its test-only fault injection is
    behind an admin key of its own.
    """
    keys = tmp_path_factory.mktemp("exchange")
    key_file = exchange_client_key(keys)
    admin_file = exchange_client_key(keys, "admin.key")
    database = f"exchange_{uuid.uuid4().hex[:8]}"
    server = start_exchange(
        servers.mongodb_url,
        keys / "logs",
        clients={DEV_EXCHANGE_CLIENT_ID: key_file},
        database=database,
        admin_key_file=admin_file,
    )
    try:
        yield ExchangeProcess(
            server, database, DEV_EXCHANGE_CLIENT_ID, key_file, admin_file.read_text().strip()
        )
    finally:
        server.stop()
        mongo: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            servers.mongodb_url, serverSelectionTimeoutMS=2000
        )
        with contextlib.suppress(Exception), mongo:
            mongo.drop_database(database)


@pytest.fixture
def settings(servers: DevStack) -> Settings:
    """Settings for one test: its own database and Redis key prefix."""
    suffix = uuid.uuid4().hex[:12]
    values: dict[str, Any] = {
        "environment": Environment.TEST,
        "mongodb_url": servers.mongodb_url,
        "mongodb_database": f"test_{suffix}",
        "redis_url": servers.redis_url,
        "redis_key_prefix": f"test:{suffix}:",
        "s3_endpoint_url": servers.s3_endpoint_url,
        "mongodb_timeout_ms": 2000,
    }
    if "S3_ENDPOINT_URL" not in os.environ:
        values |= {
            "s3_access_key_id": DEV_S3_ACCESS_KEY,
            "s3_secret_access_key": DEV_S3_SECRET_KEY,
            "s3_bucket": DEV_S3_BUCKET,
        }
    return Settings(_env_file=None, **values)


@pytest.fixture
def production_like(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Setting changes for a production-like (staging) app: real-looking secrets.

    Staging behaves as production (no GraphiQL, introspection or suggestions; secrets
    must not be placeholders; an existing signing key) and refuses the development
    providers, for which no real adapter exists yet: build its app with
    ``create_app(…, providers=tests.vendors.vendor_stand_ins)``.
    """
    keys = tmp_path_factory.mktemp("keys")
    key_file = keys / "jwt.pem"
    load_or_create_signing_key(key_file)
    # Staging seals with configured keys only (it never creates one).
    seal_files: dict[str, list[str]] = {}
    for department in sorted(SEALING_DEPARTMENTS):
        seal_file = keys / f"seal-{department}.hex"
        write_new_key(seal_file, SealAlgorithm.SM2_SM3)
        seal_files[department] = [str(seal_file)]
    return {
        "environment": Environment.STAGING,
        "s3_access_key_id": PRODLIKE_S3_ACCESS_KEY,
        "s3_secret_access_key": PRODLIKE_S3_SECRET_KEY,
        "secret_key": "staging-secret-key-for-tests-0123456789abcdef",
        "jwt_signing_key_file": key_file,
        # JSON text, as the environment spells it (some tests export these values).
        "seal_key_files": json.dumps(seal_files),
        # These tests send ad-hoc text, as production's enterprise API clients may;
        # trusted-only, production's default for everyone else, has its own tests
        # (tests/app/test_trusted_documents.py).
        "graphql_documents": "allow",
    }


async def _drop_test_data(settings: Settings) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongodb_url.get_secret_value(), serverSelectionTimeoutMS=2000
    )
    try:
        await client.drop_database(settings.mongodb_database)
    finally:
        await client.close()
    from infra.clients import redis_client

    redis = redis_client(
        settings.redis_url.get_secret_value(), max_connections=2, timeout_seconds=2
    )
    try:
        keys = [key async for key in redis.scan_iter(match=f"{settings.redis_key_prefix}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


class CommandCounter(monitoring.CommandListener):
    """Counts the database commands sent, by name (``find``, ``aggregate``, …)."""

    IGNORED = frozenset(
        {"hello", "ismaster", "isMaster", "ping", "endSessions", "createIndexes", "buildInfo"}
    )

    def __init__(self) -> None:
        self.commands: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        """Record a command as it is sent."""
        if event.command_name not in self.IGNORED:
            self.commands.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Nothing to record."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Nothing to record."""

    def reset(self) -> None:
        """Forget what was counted so far."""
        self.commands.clear()


@pytest.fixture
def command_counter() -> CommandCounter:
    """A listener attached to the app's MongoDB client by the ``app`` fixture."""
    return CommandCounter()


@pytest.fixture
async def resources(settings: Settings) -> AsyncIterator[Resources]:
    """Open clients on the test's own database; its data is dropped afterwards."""
    opened = await start_resources(settings)
    try:
        yield opened
    finally:
        await opened.close()
        await _drop_test_data(settings)


@pytest.fixture
async def app(settings: Settings, command_counter: CommandCounter) -> AsyncIterator[FastAPI]:
    """The application, wired with the demo's providers, with its lifespan running.

    Its data is dropped afterwards.
    """
    application = create_app(settings, mongo_listeners=[command_counter], providers=demo_providers)
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        await _drop_test_data(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def live_server(app: FastAPI) -> AsyncIterator[str]:
    """The app behind a real uvicorn on a free port (HTTP and WebSocket); yields its URL."""
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


async def graphql(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST one operation and return the decoded response (asserting HTTP 200)."""
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body

"""Fixtures of the notifications tests: the worker of an app, events, and an app whose
push goes through firebase-admin to the local fake Google server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from demo.providers import demo_providers
from kit.outbox import OutboxEvent
from kit.outbox_repository import OutboxRepository
from notifications.services.worker import NotificationWorker
from tests.conftest import _drop_test_data
from tests.notifications.fake_google import FakeGoogleServer, write_service_account


def worker_of(app: FastAPI) -> NotificationWorker:
    """The app's notifications worker (driven step by step by the tests)."""
    worker: NotificationWorker = app.state.services.get(NotificationWorker)
    return worker


async def append(app: FastAPI, event: OutboxEvent) -> None:
    """Append an event to the outbox, as a producer does."""
    await OutboxRepository(app.state.resources.database).append(event, session=None)


async def drain(app: FastAPI, *, rounds: int = 20) -> None:
    """Handle every pending outbox event and every due push batch."""
    worker = worker_of(app)
    for _ in range(rounds):
        events = await worker.handle_one_event()
        pushes = await worker.handle_push_batches()
        if not events and not pushes:
            return


def case_event(
    account_id: str, change: str = "approved", case_id: str = "case_3f2a", **payload: Any
) -> OutboxEvent:
    """An ``applications.case.<change>`` event as events.md defines it."""
    return OutboxEvent(
        kind=f"applications.case.{change}",
        subject=case_id,
        audience=(account_id,),
        payload={
            "case_id": case_id,
            "reference": "ZZ20261202-000123",
            "sub_case_id": None,
            "department": "SCJG",
            "item_code": None,
            "bundle_code": None,
            "state": change,
        }
        | payload,
    )


@pytest.fixture
def fake_google() -> Iterator[FakeGoogleServer]:
    """The fake OAuth + FCM server, listening."""
    server = FakeGoogleServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def push_changes() -> dict[str, Any]:
    """Setting changes of ``push_app`` (a test parametrizes it to change more)."""
    return {}


@pytest.fixture
async def push_app(
    settings: Settings, fake_google: FakeGoogleServer, tmp_path: Path, push_changes: dict[str, Any]
) -> AsyncIterator[FastAPI]:
    """An app with FCM configured against the fake, quick retries (3 attempts)."""
    credentials = write_service_account(tmp_path, f"{fake_google.url}/token")
    changed = Settings(
        _env_file=None,
        **settings.model_dump()
        | {
            "data_dir": tmp_path,
            "firebase_credentials_file": credentials,
            "fcm_endpoint_url": fake_google.url,
            "notification_retry_base_seconds": 0.05,
            "notification_max_attempts": 3,
            "notification_lease_seconds": 1.0,
        }
        | push_changes,
    )
    application = create_app(changed, providers=demo_providers)
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        await _drop_test_data(settings)


@pytest.fixture
async def push_client(push_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of ``push_app``."""
    transport = httpx.ASGITransport(app=push_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def drain_until(
    app: FastAPI, done: Callable[[], Awaitable[bool]], *, seconds: float = 10.0
) -> None:
    """Drain again and again (retries wait their backoff) until ``done()`` holds."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await done():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the worker did not get there in time")
        await drain(app)
        await asyncio.sleep(0.05)


async def delivery_statuses(app: FastAPI) -> list[tuple[str, str | None]]:
    """(status, reason) of every push delivery, sorted."""
    found = app.state.resources.database["notification_deliveries"].find()
    return sorted([(doc["status"], doc.get("reason")) async for doc in found], key=str)

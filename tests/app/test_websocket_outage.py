"""A WebSocket operation whose caller cannot be read (database down) is told to retry.

The app runs on a SecantusDB of its own, which the test stops while a signed-in socket
stays open.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.settings import Settings
from devstack.servers import ServerProcess, start_secantus
from infra.outages import MONGODB_RETRY_AFTER_SECONDS
from tests.app.test_websocket_auth import ME, _message, operate, socket
from tests.identity.factories import sign_in
from tests.identity.verification_factories import marks_of


@dataclass
class OwnDatabase:
    """A SecantusDB (in memory) that only this test uses, so it may stop it."""

    folder: Path
    process: ServerProcess
    url: str

    def stop(self) -> None:
        """Take the server away."""
        self.process.stop()

    def start_again(self) -> None:
        """A fresh (empty) server on the same port."""
        port = int(self.url.rsplit(":", 1)[1].split("/")[0])
        self.process = start_secantus(None, self.folder, port=port)


@pytest.fixture
def mongodb() -> Iterator[OwnDatabase]:
    """This test's own database server."""
    with tempfile.TemporaryDirectory(prefix="sz-ws-outage-") as folder:
        process = start_secantus(None, Path(folder))
        database = OwnDatabase(Path(folder), process, process.url)
        try:
            yield database
        finally:
            database.process.stop()


@pytest.fixture
def settings(settings: Settings, mongodb: OwnDatabase) -> Settings:
    """The test settings on that database, with short server-selection waits."""
    changes = {"mongodb_url": mongodb.url, "mongodb_timeout_ms": 500}
    return Settings(_env_file=None, **(settings.model_dump() | changes))


async def test_an_operation_during_a_database_outage_is_told_to_retry_and_the_socket_stays(
    app: FastAPI, client: httpx.AsyncClient, live_server: str, mongodb: OwnDatabase
) -> None:
    # given a signed-in socket
    caller = await sign_in(client, app)
    async with socket(live_server, caller.access_token) as ws:
        assert (await operate(ws, "1", ME))["data"]["me"]["id"] == caller.account_id
        # when the database goes away and the socket asks again, its session changed
        # meanwhile (so it must be read, not remembered: identity's sign-in marks)
        mongodb.stop()
        await marks_of(app).session_changed(caller.session_id)
        try:
            await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": ME}}))
            refused = await _message(ws)
            # then the operation gets a retryable error, never an anonymous answer
            assert refused["id"] == "2"
            assert refused["type"] == "error"
            assert refused["payload"][0]["extensions"] == {
                "code": "SERVICE_UNAVAILABLE",
                "messageEn": "The service is briefly unavailable, please try again shortly",
                "retryAfterSeconds": MONGODB_RETRY_AFTER_SECONDS,
            }
            # and the socket stays open for when the database is back
            await ws.send(json.dumps({"type": "ping"}))
            assert await _message(ws) == {"type": "pong"}
        finally:
            # Up again (empty), so that the app's teardown can drop the test's data.
            mongodb.start_again()

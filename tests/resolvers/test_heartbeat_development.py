"""In development, GraphiQL users may try the heartbeat without signing in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.settings import Environment, Settings
from tests.resolvers.test_subscriptions import HEARTBEAT, open_session, receive


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """Development settings (its signing key goes to a temporary data folder)."""
    changes = {"environment": Environment.DEVELOPMENT, "data_dir": tmp_path}
    return Settings(_env_file=None, **(settings.model_dump() | changes))


async def test_development_allows_an_anonymous_heartbeat(live_server: str) -> None:
    ws = await open_session(live_server)
    try:
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": HEARTBEAT, "variables": {"n": 1}},
                }
            )
        )
        message = await receive(ws)
        while message["type"] == "ping":
            message = await receive(ws)
        assert message["type"] == "next", message
        assert message["payload"]["data"]["heartbeat"]["sequence"] == 1
    finally:
        await ws.close()

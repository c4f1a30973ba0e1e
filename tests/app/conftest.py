"""Fixtures of the app tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings


@pytest.fixture
async def client_with(settings: Settings) -> AsyncIterator[object]:
    """Factory: a client for an app built with some settings changed."""
    opened: list[tuple[FastAPI, object]] = []

    async def make(**changes: object) -> httpx.AsyncClient:
        app = create_app(Settings(_env_file=None, **(settings.model_dump() | changes)))
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        opened.append((app, lifespan))
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )

    yield make
    for _, lifespan in reversed(opened):
        await lifespan.__aexit__(None, None, None)  # type: ignore[attr-defined]

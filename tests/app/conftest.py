"""Fixtures for tests that build apps with changed settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from demo.providers import demo_providers
from tests.vendors import vendor_stand_ins

MakeClient = Callable[..., Coroutine[Any, Any, httpx.AsyncClient]]
"""``await make(**setting_changes)``: an in-process client of a freshly started app."""


@pytest.fixture
async def client_with(settings: Settings, tmp_path: Path) -> AsyncIterator[MakeClient]:
    """Factory: a client for an app built with some settings changed (data under tmp).

    Staging and production apps get vendor stand-ins: the development providers would
    (rightly) stop them from starting.
    """
    opened: list[tuple[FastAPI, Any]] = []

    async def make(**changes: object) -> httpx.AsyncClient:
        values = settings.model_dump() | {"data_dir": tmp_path} | changes
        changed = Settings(_env_file=None, **values)
        if changed.is_production_like:
            app = create_app(changed, providers=vendor_stand_ins)
        else:
            app = create_app(changed, providers=demo_providers)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        opened.append((app, lifespan))
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )

    yield make
    for _, lifespan in reversed(opened):
        await lifespan.__aexit__(None, None, None)

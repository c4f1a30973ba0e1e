"""SZ_CORS_ORIGINS: which browser origins may call the API over HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from app.cors import OriginPolicy
from app.settings import Environment, Settings
from tests.app.conftest import MakeClient

VITE = "http://localhost:5173"
STRANGER = "https://evil.example"
TYPENAME = {"query": "{ __typename }"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test settings, with the development default list written out."""
    changes = {"cors_origins": ["http://localhost:*", "http://127.0.0.1:*"]}
    return Settings(_env_file=None, **(settings.model_dump() | changes))


def preflight(origin: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, x-acting-for",
    }


async def test_preflight_from_an_allowed_origin_is_answered_and_others_are_not(
    client: httpx.AsyncClient,
) -> None:
    allowed = await client.options("/graphql", headers=preflight(VITE))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == VITE
    assert "POST" in allowed.headers["access-control-allow-methods"]
    granted = allowed.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "x-acting-for"} <= set(
        granted.replace(" ", "").split(",")
    )
    assert "access-control-allow-credentials" not in allowed.headers

    refused = await client.options("/graphql", headers=preflight(STRANGER))
    assert "access-control-allow-origin" not in refused.headers


async def test_simple_request_carries_cors_headers_for_allowed_origins_only(
    client: httpx.AsyncClient,
) -> None:
    allowed = await client.post("/graphql", json=TYPENAME, headers={"origin": VITE})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == VITE
    assert "origin" in allowed.headers["vary"].lower()
    stranger = await client.post("/graphql", json=TYPENAME, headers={"origin": STRANGER})
    assert "access-control-allow-origin" not in stranger.headers
    # Look-alikes of an allowed pattern are strangers too.
    for origin in ("http://localhost.evil.example", "https://localhost:5173", "http://localhost:x"):
        response = await client.post("/graphql", json=TYPENAME, headers={"origin": origin})
        assert "access-control-allow-origin" not in response.headers, origin


async def test_defaults_are_localhost_in_development_and_none_in_staging(
    client_with: MakeClient, production_like: dict[str, Any]
) -> None:
    development = await client_with(environment=Environment.DEVELOPMENT, cors_origins=None)
    answered = await development.options("/graphql", headers=preflight("http://127.0.0.1:3000"))
    assert answered.headers["access-control-allow-origin"] == "http://127.0.0.1:3000"

    staging = await client_with(**production_like, cors_origins=None)
    refused = await staging.options("/graphql", headers=preflight(VITE))
    assert "access-control-allow-origin" not in refused.headers

    listed = await client_with(**production_like, cors_origins=["https://*.zhuzhou.gov.cn"])
    ok = await listed.options("/graphql", headers=preflight("https://app.zhuzhou.gov.cn"))
    assert ok.headers["access-control-allow-origin"] == "https://app.zhuzhou.gov.cn"
    local = await listed.options("/graphql", headers=preflight(VITE))
    assert "access-control-allow-origin" not in local.headers


async def _acknowledged(url: str, origin: str | None) -> bool:
    """Open a graphql-transport-ws session with ``origin``; True once acknowledged."""
    ws = await connect(
        url.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        origin=origin,  # type: ignore[arg-type]
    )
    try:
        await ws.send(json.dumps({"type": "connection_init"}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        return bool(message["type"] == "connection_ack")
    finally:
        await ws.close()


async def test_websocket_opens_for_allowed_origins_and_is_refused_for_others(
    live_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert await _acknowledged(live_server, VITE)
    assert await _acknowledged(live_server, None)  # not a browser: no Origin
    assert await _acknowledged(live_server, live_server)  # the API's own page
    for origin in (STRANGER, "null", "http://localhost.evil.example:5173"):
        with pytest.raises(InvalidStatus) as refused:
            await _acknowledged(live_server, origin)
        assert refused.value.response.status_code == 403, origin
    refusals = [r.getMessage() for r in caplog.records if r.name == "app.cors"]
    assert len(refusals) == 3
    assert all("SZ_CORS_ORIGINS" in message for message in refusals)


def test_origin_patterns_match_what_they_say() -> None:
    policy = OriginPolicy(["http://localhost:*", "https://*.zhuzhou.gov.cn", "https://a.cn:8443"])
    for origin in (
        "http://localhost",
        "http://localhost:5173",
        "HTTP://LOCALHOST:5173",
        "https://app.zhuzhou.gov.cn",
        "https://x.y.zhuzhou.gov.cn",
        "https://a.cn:8443",
    ):
        assert policy.allows(origin), origin
    for origin in (
        "https://localhost:5173",
        "http://localhost:5173/",
        "http://localhost.evil.example",
        "https://zhuzhou.gov.cn",
        "https://evilzhuzhou.gov.cn",
        "https://app.zhuzhou.gov.cn.evil.example",
        "https://a.cn",
        "https://a.cn:84430",
        "null",
        "",
    ):
        assert not policy.allows(origin), origin
    assert not OriginPolicy([]).allows("http://localhost:5173")


def test_setting_reads_a_comma_list_or_json_and_refuses_what_is_not_an_origin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SZ_CORS_ORIGINS", "https://app.zhuzhou.gov.cn, http://localhost:*")
    assert Settings(_env_file=None).allowed_origins == (
        "https://app.zhuzhou.gov.cn",
        "http://localhost:*",
    )
    monkeypatch.setenv("SZ_CORS_ORIGINS", '["https://*.zhuzhou.gov.cn"]')
    assert Settings(_env_file=None).allowed_origins == ("https://*.zhuzhou.gov.cn",)
    monkeypatch.setenv("SZ_CORS_ORIGINS", "")
    assert Settings(_env_file=None, environment=Environment.DEVELOPMENT).allowed_origins == ()
    for wrong in (
        "*",
        "localhost:5173",
        "http://localhost:5173/",
        "https://a.cn/app",
        "ftp://a.cn",
    ):
        monkeypatch.setenv("SZ_CORS_ORIGINS", wrong)
        with pytest.raises(ValidationError, match="is not an origin"):
            Settings(_env_file=None)

"""SZ_EXCHANGE_*: production reads the province's exchange over signed HTTP, or refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.exchange import exchange_adapters
from app.resources import StartupError, open_resources
from app.services import wire_providers
from app.settings import EXCHANGE_URL_PLACEHOLDER, Settings
from infra.exchange_signing import new_client_key


def staging(settings: Settings, production_like: dict[str, Any], **changes: Any) -> Settings:
    return Settings(_env_file=None, **(settings.model_dump() | production_like | changes))


def test_production_refuses_the_placeholder_exchange_url(
    settings: Settings, production_like: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError, match="SZ_EXCHANGE_URL is the placeholder"):
        staging(settings, production_like, exchange_provider="http")
    assert settings.exchange_url == EXCHANGE_URL_PLACEHOLDER


async def test_http_without_a_client_key_stops_the_start(
    settings: Settings, production_like: dict[str, Any]
) -> None:
    configured = staging(
        settings,
        production_like,
        exchange_provider="http",
        exchange_url="https://exchange.hunan.example",
    )
    resources = open_resources(configured)
    try:
        with pytest.raises(StartupError, match="SZ_EXCHANGE_CLIENT_KEY_FILE"):
            exchange_adapters(resources)
    finally:
        await resources.close()


async def test_with_the_exchange_over_http_its_slots_are_no_longer_refused(
    settings: Settings, production_like: dict[str, Any], tmp_path: Path
) -> None:
    # given production-like settings with the exchange's endpoint and our client key
    key_file = tmp_path / "exchange.key"
    key_file.write_text(new_client_key())
    configured = staging(
        settings,
        production_like,
        exchange_provider="http",
        exchange_url="https://exchange.hunan.example",
        exchange_client_key_file=key_file,
    )
    resources = open_resources(configured)
    try:
        # when the product wires its providers
        with pytest.raises(StartupError) as refused:
            wire_providers(resources)
    finally:
        await resources.close()
    # then the exchange's slots are real; only slots without a real adapter are named
    message = str(refused.value)
    assert "SZ_EXCHANGE_PROVIDER" not in message
    assert "SZ_CARRIER_CHECK_PROVIDER" in message
    assert "SZ_LICENCE_SOURCES" not in message  # optional: production may wire none

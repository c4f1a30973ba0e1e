"""``SZ_ENVIRONMENT=production`` through the app's real start (its lifespan): it starts with
every real adapter pointed at the local fakes and refuses any development provider,
naming it (``test_production_journey`` runs the citizen journey on it). The environment
is the one an operator sets (``tests.app.production``), the exchange the session's own
exchange process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.resources import StartupError, open_resources
from app.services import Providers, wire_notifications, wire_providers
from infra.providers import DevelopmentOnly, each_provider
from tests.app.production import (
    VENDOR_SETTINGS,
    ProductionFakes,
    configured,
    environment,
    fakes,
    started,
)

__all__ = ["environment", "fakes"]  # fixtures

EXPECTED_PROVIDERS = {
    "sms.tencent",
    "sms.aliyun",
    "faceid.liveness",
    "faceid.carrier_check",
    "mini_program.wechat",
    "mini_program.alipay",
    "exchange",
}


def http_clients(provider: object, depth: int = 3) -> list[httpx.AsyncClient]:
    """The HTTP clients a provider holds, however deep (FaceID's sit in its API object)."""
    if isinstance(provider, httpx.AsyncClient):
        return [provider]
    if depth == 0 or not hasattr(provider, "__dict__"):
        return []
    found: list[httpx.AsyncClient] = []
    for value in vars(provider).values():
        items = (
            value.values()
            if isinstance(value, dict)
            else value
            if isinstance(value, list | tuple)
            else [value]
        )
        for item in items:
            found += http_clients(item, depth - 1)
    return found


async def test_production_starts_with_every_real_adapter_against_the_fakes(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], fakes: ProductionFakes
) -> None:
    wired: list[Providers] = []

    def wiring(resources: Any) -> Providers:
        providers = wire_providers(resources)
        wired.append(providers)
        return providers

    with configured(monkeypatch, environment) as settings:
        assert settings.environment.value == "production"
        # when production starts
        async with started(settings, wiring) as app:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                ready = await client.get("/readyz")
        # then it is ready, reporting each real vendor and the exchange, none of them called
        assert ready.status_code == 200, ready.text
        providers = ready.json()["providers"]
        assert set(providers) == EXPECTED_PROVIDERS
        assert {p["outcome"] for p in providers.values()} == {"no call yet"}
        assert fakes.tencent_sms.calls == fakes.aliyun_sms.calls == 0
        assert fakes.faceid.calls == []
        # and no development stand-in is wired in any slot
        [providers_wired] = wired
        slots = [getattr(providers_wired, name) for name in Providers.__dataclass_fields__]
        assert not [p for s in slots for p in each_provider(s) if isinstance(p, DevelopmentOnly)]
    # and the stop closed every vendor's HTTP client
    clients = [c for s in slots for p in each_provider(s) for c in http_clients(p)]
    assert len({id(client) for client in clients}) == 7  # six vendors and the exchange
    assert all(client.is_closed for client in clients)


@pytest.mark.parametrize("setting", VENDOR_SETTINGS)
async def test_production_refuses_to_start_with_one_development_provider_naming_it(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], setting: str
) -> None:
    # given production with every vendor real but this one's development stand-in
    environment = environment | {setting: "development"}
    with configured(monkeypatch, environment) as settings:
        # when the product's own wiring starts it
        app = create_app(settings)
        with pytest.raises(StartupError) as refused:
            async with app.router.lifespan_context(app):
                pytest.fail("production started with a development provider")
    # then the one-line refusal names that setting, and no other vendor's
    message = str(refused.value)
    assert message.startswith("refusing to start in production: ")
    assert "\n" not in message
    assert setting in message
    assert not [other for other in VENDOR_SETTINGS if other != setting and other in message]


async def test_production_refuses_every_development_vendor_in_one_line(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    environment = environment | dict.fromkeys(VENDOR_SETTINGS, "development")
    with configured(monkeypatch, environment) as settings:
        app = create_app(settings)
        with pytest.raises(StartupError) as refused:
            async with app.router.lifespan_context(app):
                pytest.fail("production started with development providers")
    message = str(refused.value)
    for setting in VENDOR_SETTINGS:
        assert setting in message
    for label in (
        "development SMS (codes written to the log, never sent)",
        "development liveness",
        "development mini-program sign-in",
    ):
        assert label in message


async def test_the_one_wechat_secret_file_missing_stops_the_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], tmp_path: Path
) -> None:
    # Sign-in and subscription messages share the mini-program's AppSecret, in one file.
    missing = tmp_path / "secrets" / "wechat-typo"
    environment = environment | {"SZ_WECHAT_APP_SECRET_FILE": str(missing)}
    with configured(monkeypatch, environment) as settings:
        app = create_app(settings)
        with pytest.raises(StartupError) as refused:
            async with app.router.lifespan_context(app):
                pytest.fail("started without the WeChat secret")
        # … and messages alone (no mini-program sign-in) cannot do without it either
        resources = open_resources(settings)
        try:
            with pytest.raises(StartupError) as messages_alone:
                wire_notifications(resources)
        finally:
            await resources.close()
    expected = f"SZ_WECHAT_APP_SECRET_FILE {missing} cannot be read"
    assert expected in str(refused.value)
    assert expected in str(messages_alone.value)

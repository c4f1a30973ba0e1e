"""SZ_SMS_PROVIDER wires the real adapters: sign-in through /graphql against the fakes,
the typed refusals on the API, failover, /readyz's last outcome, and start-up checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.resources import StartupError, open_resources
from app.services import configured_sms, wire_providers
from app.settings import Settings
from demo.providers import demo_providers
from identity.adapters.sms_aliyun import AliyunSms
from identity.adapters.sms_failover import FailoverSms
from identity.adapters.sms_tencent import TencentSms
from tests.conftest import graphql
from tests.identity.factories import REQUEST_CODE, SIGN_IN, a_phone
from tests.identity.sms_fakes import FakeAliyunSms, FakeTencentSms, nowhere, serving
from tests.identity.test_sms_providers import ALIYUN_ID, ALIYUN_SECRET, TENCENT_ID, TENCENT_KEY

DEVICE = {"name": "Test phone", "platform": "IOS"}
MakeApp = Callable[..., Coroutine[Any, Any, tuple[FastAPI, httpx.AsyncClient]]]


def sms_settings(tmp_path: Path, *, tencent_url: str, aliyun_url: str) -> dict[str, Any]:
    """The SMS settings of both vendors, secrets in files, endpoints at the fakes."""
    tencent_key = tmp_path / "tencent-sms-secret-key"
    tencent_key.write_text(TENCENT_KEY + "\n")
    aliyun_secret = tmp_path / "aliyun-sms-secret"
    aliyun_secret.write_text(ALIYUN_SECRET)
    return {
        "sms_timeout_seconds": 0.5,
        "tencent_sms_endpoint": tencent_url,
        "tencent_sms_secret_id": TENCENT_ID,
        "tencent_sms_secret_key_file": tencent_key,
        "tencent_sms_sdk_app_id": "1400006666",
        "tencent_sms_sign_name": "智慧株洲",
        "tencent_sms_templates": {"sign_in_code": "1110", "identity_moved": "2220"},
        "aliyun_sms_endpoint": aliyun_url,
        "aliyun_sms_access_key_id": ALIYUN_ID,
        "aliyun_sms_access_key_secret_file": aliyun_secret,
        "aliyun_sms_sign_name": "智慧株洲",
        "aliyun_sms_templates": {"sign_in_code": "SMS_1110", "identity_moved": "SMS_2220"},
    }


@pytest.fixture
async def vendors() -> AsyncIterator[tuple[FakeTencentSms, str, FakeAliyunSms, str]]:
    fake_tencent = FakeTencentSms(TENCENT_ID, TENCENT_KEY)
    fake_aliyun = FakeAliyunSms(ALIYUN_ID, ALIYUN_SECRET)
    async with serving(fake_tencent) as tencent_url, serving(fake_aliyun) as aliyun_url:
        yield fake_tencent, tencent_url, fake_aliyun, aliyun_url


@pytest.fixture
async def make_app(
    settings: Settings, tmp_path: Path, vendors: tuple[FakeTencentSms, str, FakeAliyunSms, str]
) -> AsyncIterator[MakeApp]:
    """An app wired as the demo is, with SZ_SMS_PROVIDER as given and the SMS at the fakes."""
    opened: list[tuple[Any, httpx.AsyncClient]] = []
    _, tencent_url, _, aliyun_url = vendors

    async def make(provider: str, **changes: Any) -> tuple[FastAPI, httpx.AsyncClient]:
        values = (
            settings.model_dump()
            | {"data_dir": tmp_path, "sms_provider": provider}
            | sms_settings(tmp_path, tencent_url=tencent_url, aliyun_url=aliyun_url)
            | changes
        )
        app = create_app(Settings(_env_file=None, **values), providers=demo_providers)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        opened.append((lifespan, client))
        return app, client

    yield make
    for lifespan, client in reversed(opened):
        await client.aclose()
        await lifespan.__aexit__(None, None, None)


async def request_code(client: httpx.AsyncClient, phone: str) -> dict[str, Any]:
    body = await graphql(client, REQUEST_CODE, {"phone": phone})
    answer: dict[str, Any] = body["data"]["requestSignInCode"]
    return answer


async def test_sign_in_through_graphql_with_the_code_tencent_delivered(
    make_app: MakeApp, vendors: tuple[FakeTencentSms, str, FakeAliyunSms, str]
) -> None:
    fake_tencent, *_ = vendors
    _, client = await make_app("tencent")
    phone = a_phone()
    # when a code is requested
    sent = await request_code(client, phone)
    # then Tencent got one signed SendSms for the number in E.164, with the code
    assert sent["__typename"] == "SignInCodeSent", sent
    assert fake_tencent.refused_signatures == 0
    [request] = fake_tencent.accepted
    assert request["PhoneNumberSet"] == [phone]
    assert request["TemplateId"] == "1110"
    [code] = request["TemplateParamSet"]
    # and that code signs in
    body = await graphql(client, SIGN_IN, {"phone": phone, "code": code, "device": DEVICE})
    assert body["data"]["signIn"]["__typename"] == "SignedIn", body


async def test_a_number_tencent_calls_invalid_is_answered_as_invalid_input(
    make_app: MakeApp, vendors: tuple[FakeTencentSms, str, FakeAliyunSms, str]
) -> None:
    fake_tencent, *_ = vendors
    fake_tencent.answer = "code:InvalidParameterValue.IncorrectPhoneNumber"
    _, client = await make_app("tencent")
    sent = await request_code(client, a_phone())
    assert sent["__typename"] == "InvalidInput", sent
    assert (sent["code"], sent["field"]) == ("INVALID_PHONE", "phone")


async def test_the_carriers_limit_for_the_number_is_answered_as_rate_limited(
    make_app: MakeApp, vendors: tuple[FakeTencentSms, str, FakeAliyunSms, str]
) -> None:
    fake_tencent, _, fake_aliyun, _ = vendors
    fake_tencent.answer = "code:LimitExceeded.PhoneNumberOneHourLimit"
    _, client = await make_app("tencent+aliyun")
    phone = a_phone()
    sent = await request_code(client, phone)
    assert sent["__typename"] == "RateLimited", sent
    assert sent["retryAfterSeconds"] == 3600
    # the number's own limit is not dodged through the second vendor
    assert fake_aliyun.calls == 0
    # and the withdrawn code redeems nothing
    [request] = fake_tencent.accepted
    [code] = request["TemplateParamSet"]
    body = await graphql(client, SIGN_IN, {"phone": phone, "code": code, "device": DEVICE})
    assert body["data"]["signIn"]["code"] == "INVALID_CODE", body


async def test_insufficient_balance_at_tencent_fails_over_to_aliyun_and_its_code_signs_in(
    make_app: MakeApp, vendors: tuple[FakeTencentSms, str, FakeAliyunSms, str]
) -> None:
    fake_tencent, _, fake_aliyun, _ = vendors
    fake_tencent.answer = "code:FailedOperation.InsufficientBalanceInSmsPackage"
    _, client = await make_app("tencent+aliyun")
    phone = a_phone()
    sent = await request_code(client, phone)
    assert sent["__typename"] == "SignInCodeSent", sent
    [request] = fake_aliyun.accepted
    assert request["PhoneNumbers"] == phone.removeprefix("+86")
    code = request["TemplateParam"].split('"')[3]
    body = await graphql(client, SIGN_IN, {"phone": phone, "code": code, "device": DEVICE})
    assert body["data"]["signIn"]["__typename"] == "SignedIn", body


async def test_every_vendor_down_is_answered_as_service_unavailable(
    make_app: MakeApp,
) -> None:
    _, client = await make_app(
        "tencent+aliyun", tencent_sms_endpoint=nowhere(), aliyun_sms_endpoint=nowhere()
    )
    sent = await request_code(client, a_phone())
    assert sent["__typename"] == "ServiceUnavailable", sent
    assert sent["code"] == "SERVICE_UNAVAILABLE"


async def test_readyz_reports_each_vendors_last_outcome_without_calling_it(
    make_app: MakeApp, vendors: tuple[FakeTencentSms, str, FakeAliyunSms, str]
) -> None:
    fake_tencent, _, fake_aliyun, _ = vendors
    _, client = await make_app("tencent+aliyun")
    # before any message: known, not called
    ready = (await client.get("/readyz")).json()
    assert ready["status"] == "ready"
    assert ready["providers"] == {
        "sms.tencent": {"outcome": "no call yet"},
        "sms.aliyun": {"outcome": "no call yet"},
    }
    # after Tencent failed on its side and Aliyun delivered
    fake_tencent.answer = "code:FailedOperation.TemplateIncorrectOrUnapproved"
    assert (await request_code(client, a_phone()))["__typename"] == "SignInCodeSent"
    calls = (fake_tencent.calls, fake_aliyun.calls)
    ready = (await client.get("/readyz")).json()
    providers = ready["providers"]
    assert providers["sms.tencent"]["outcome"] == "template_not_approved"
    assert providers["sms.tencent"]["code"] == "FailedOperation.TemplateIncorrectOrUnapproved"
    assert providers["sms.aliyun"]["outcome"] == "ok"
    assert "at" in providers["sms.aliyun"]
    # a vendor's failure does not take the instance out of service; nothing was sent
    assert ready["status"] == "ready"
    assert (fake_tencent.calls, fake_aliyun.calls) == calls


async def test_the_development_sms_adds_nothing_to_readyz(make_app: MakeApp) -> None:
    _, client = await make_app("development")
    assert "providers" not in (await client.get("/readyz")).json()


# --- wiring ----------------------------------------------------------------------------


def with_changes(settings: Settings, changes: dict[str, Any]) -> Settings:
    return Settings(_env_file=None, **(settings.model_dump() | changes))


@pytest.mark.parametrize(
    ("provider", "kind"),
    [("tencent", TencentSms), ("aliyun", AliyunSms), ("tencent+aliyun", FailoverSms)],
)
def test_each_sms_provider_setting_wires_its_adapter(
    settings: Settings, tmp_path: Path, provider: str, kind: type
) -> None:
    values = sms_settings(tmp_path, tencent_url=nowhere(), aliyun_url=nowhere())
    configured = with_changes(settings, values | {"sms_provider": provider})
    assert isinstance(configured_sms(configured), kind)
    development = with_changes(settings, values)
    assert configured_sms(development) is None


def test_a_missing_or_empty_secret_file_or_template_stops_start_up_naming_the_setting(
    settings: Settings, tmp_path: Path
) -> None:
    values = sms_settings(tmp_path, tencent_url=nowhere(), aliyun_url=nowhere())
    (tmp_path / "aliyun-sms-secret").write_text("  \n")
    values |= {
        "tencent_sms_secret_key_file": tmp_path / "absent",
        "aliyun_sms_templates": {"identity_moved": "SMS_2220"},
    }
    broken = with_changes(settings, values | {"sms_provider": "tencent+aliyun"})
    with pytest.raises(StartupError) as refused:
        configured_sms(broken)
    message = str(refused.value)
    assert "SZ_TENCENT_SMS_SECRET_KEY_FILE (FileNotFoundError)" in message
    assert "SZ_ALIYUN_SMS_TEMPLATES (needs sign_in_code)" in message
    assert "SZ_ALIYUN_SMS_ACCESS_KEY_SECRET_FILE (empty)" in message
    assert TENCENT_KEY not in message
    unset = with_changes(settings, {"sms_provider": "aliyun"})
    with pytest.raises(StartupError) as refused:
        configured_sms(unset)
    assert str(refused.value) == (
        "SZ_SMS_PROVIDER=aliyun needs SZ_ALIYUN_SMS_ACCESS_KEY_ID, "
        "SZ_ALIYUN_SMS_ACCESS_KEY_SECRET_FILE, SZ_ALIYUN_SMS_SIGN_NAME, SZ_ALIYUN_SMS_TEMPLATES"
    )


async def test_production_with_real_sms_still_refuses_for_the_slots_only_the_demo_fills(
    settings: Settings, production_like: dict[str, Any], tmp_path: Path
) -> None:
    values = sms_settings(tmp_path, tencent_url=nowhere(), aliyun_url=nowhere())
    production = with_changes(
        settings,
        production_like | values | {"environment": "production", "sms_provider": "tencent+aliyun"},
    )
    resources = open_resources(production)
    try:
        with pytest.raises(StartupError) as refused:
            wire_providers(resources)
    finally:
        await resources.close()
    message = str(refused.value)
    # the SMS slot is real now: neither its stand-in nor its setting is named …
    assert "development SMS" not in message
    assert "SZ_SMS_PROVIDER" not in message
    # … while the slots with only demo adapters (and the other vendors) still are
    assert "SZ_EXCHANGE_PROVIDER" in message
    assert "SZ_LIVENESS_PROVIDER" in message

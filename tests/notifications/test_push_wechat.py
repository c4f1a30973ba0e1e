"""WeChat subscription messages as a second push channel, against a local fake of
WeChat's token and send APIs: message shape, an expired access token, a user who has
not subscribed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kit.outbox import OutboxEvent
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.notifications.conftest import append, case_event, delivery_statuses, drain
from tests.notifications.fake_google import FakeGoogleServer
from tests.notifications.fake_wechat import APP_ID, SECRET, FakeWeChat

REGISTER = """
mutation ($token: String!) {
  registerDevice(token: $token, platform: WECHAT_MINI_PROGRAM, appVersion: "mp-1.0") {
    __typename } }
"""


@pytest.fixture
def fake_wechat() -> Iterator[FakeGoogleServer]:
    """The fake WeChat API, listening (served like the fake Google)."""
    server = FakeGoogleServer(FakeWeChat())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def push_changes(fake_wechat: FakeGoogleServer, tmp_path: Path) -> dict[str, Any]:
    """``push_app`` with WeChat subscription messages configured against the fake."""
    secret_file = tmp_path / "wechat-app-secret"
    secret_file.write_text(SECRET + "\n")
    return {
        "wechat_app_id": APP_ID,
        "wechat_app_secret_file": secret_file,
        "wechat_endpoint": fake_wechat.url,
        "wechat_template_ids": json.dumps({"cases": "tmpl-case-progress"}),
    }


def _wechat(server: FakeGoogleServer) -> FakeWeChat:
    app: Any = server.app
    assert isinstance(app, FakeWeChat)
    return app


async def _mini_program_user(
    client: httpx.AsyncClient, app: FastAPI, openid: str
) -> SignedInCaller:
    citizen = await sign_in(client, app)
    body = await as_caller(client, citizen, REGISTER, {"token": openid})
    assert body["data"]["registerDevice"]["__typename"] == "DeviceRegistered", body
    return citizen


async def test_case_progress_reaches_a_mini_program_user_as_a_subscription_message(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_wechat: FakeGoogleServer
) -> None:
    citizen = await _mini_program_user(push_client, push_app, "openid-1")
    await append(push_app, case_event(citizen.account_id, "approved", case_id="case_7"))
    await drain(push_app)
    [message] = _wechat(fake_wechat).sent
    assert message["touser"] == "openid-1"
    assert message["template_id"] == "tmpl-case-progress"
    assert message["data"]["thing1"] == {"value": "办件已通过"}
    assert len(message["data"]["thing2"]["value"]) <= 20
    assert message["page"].endswith("smartzhuzhou://cases/case_7")
    assert await delivery_statuses(push_app) == [("accepted", None)]


async def test_an_expired_access_token_is_renewed_and_the_message_sent_once(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_wechat: FakeGoogleServer
) -> None:
    citizen = await _mini_program_user(push_client, push_app, "openid-2")
    await append(push_app, case_event(citizen.account_id, "accepted"))
    await drain(push_app)
    fake = _wechat(fake_wechat)
    assert fake.token_requests == 1
    # when the token expires before the next message
    fake.expire_token()
    await append(push_app, case_event(citizen.account_id, "approved"))
    await drain(push_app)
    # then a new token was fetched and the message went through, once
    assert fake.token_requests == 2
    assert len(fake.sent) == 2
    assert await delivery_statuses(push_app) == [("accepted", None)] * 2


async def test_a_user_who_has_not_subscribed_fails_without_retries(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_wechat: FakeGoogleServer
) -> None:
    citizen = await _mini_program_user(push_client, push_app, "openid-3")
    _wechat(fake_wechat).unsubscribed.add("openid-3")
    await append(push_app, case_event(citizen.account_id))
    for _ in range(3):
        await drain(push_app)
    assert await delivery_statuses(push_app) == [("failed", "NOT_SUBSCRIBED")]
    assert _wechat(fake_wechat).sent == []
    # the device stays: the user may subscribe again in the mini-program
    devices = push_app.state.resources.database["notification_devices"]
    assert await devices.count_documents({}) == 1


async def test_a_category_without_a_template_fails_with_its_reason(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_wechat: FakeGoogleServer
) -> None:
    citizen = await _mini_program_user(push_client, push_app, "openid-4")
    await append(
        push_app,
        OutboxEvent(
            kind="liferecord.dispute.resolved",
            subject="dsp_1",
            audience=(citizen.account_id,),
            payload={"dispute_id": "dsp_1", "outcome": "corrected", "section": "housing_fund"},
        ),
    )
    await drain(push_app)
    assert await delivery_statuses(push_app) == [("failed", "NO_TEMPLATE")]

"""Issue 12's "done": an officer approves a sub-case, and the citizen's live subscription,
inbox, phones (through firebase-admin to the fake FCM) and mini-program (the fake WeChat)
all get it, with delivery statuses that say so. Real servers, a real WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import connect

from devstack.servers import free_port
from tests.app.citizens import real_name_citizen
from tests.applications.cases_factories import ACCEPT, APPROVE, act, officers
from tests.applications.test_case_abuse import seal_case
from tests.identity.factories import as_caller
from tests.notifications.conftest import drain
from tests.notifications.fake_google import FakeGoogleServer
from tests.notifications.fake_wechat import APP_ID, SECRET, FakeWeChat

REGISTER = """
mutation ($token: String!, $platform: DevicePlatform!, $locale: String!) {
  registerDevice(token: $token, platform: $platform, appVersion: "3.2.1", locale: $locale) {
    __typename } }
"""
CASE_PROGRESS = """
subscription ($caseId: ID!) {
  caseProgress(caseId: $caseId) { caseId change reference state department eventId }
}
"""
INBOX = """
query { me { unreadNotificationCount notifications(first: 20) { edges { node {
  kind deepLink title { zh en } deliveries { channel status deviceId } } } } } }
"""


@pytest.fixture
def fake_wechat() -> Iterator[FakeGoogleServer]:
    """The fake WeChat API, listening."""
    server = FakeGoogleServer(FakeWeChat())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def push_changes(fake_wechat: FakeGoogleServer, tmp_path: Path) -> dict[str, Any]:
    """``push_app`` with WeChat subscription messages against the fake too."""
    secret_file = tmp_path / "wechat-app-secret"
    secret_file.write_text(SECRET + "\n")
    return {
        "wechat_app_id": APP_ID,
        "wechat_app_secret_file": secret_file,
        "wechat_endpoint": fake_wechat.url,
        "wechat_template_ids": json.dumps({"cases": "tmpl-case-progress"}),
    }


@contextlib.asynccontextmanager
async def behind_uvicorn(app: FastAPI) -> AsyncIterator[str]:
    """The app behind a real uvicorn (for the WebSocket); yields its URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            ws="websockets-sansio",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


async def test_an_approval_reaches_subscription_inbox_phones_and_mini_program(
    push_client: httpx.AsyncClient,
    push_app: FastAPI,
    fake_google: FakeGoogleServer,
    fake_wechat: FakeGoogleServer,
) -> None:
    # given a citizen with an Android phone, an iPhone and the WeChat mini-program
    citizen = await real_name_citizen(push_client, push_app)
    for token, platform, locale in (
        ("android-1", "ANDROID", "zh-CN"),
        ("iphone-1", "IOS", "en"),
        ("openid-1", "WECHAT_MINI_PROGRAM", "zh-CN"),
    ):
        body = await as_caller(
            push_client, citizen, REGISTER, {"token": token, "platform": platform, "locale": locale}
        )
        assert body["data"]["registerDevice"]["__typename"] == "DeviceRegistered", body
    # and a seal filing of theirs, accepted by the clerk, its earlier events delivered
    case = await seal_case(push_client, push_app, citizen)
    clerk, _head = await officers(push_client, push_app)
    sub = case["subCases"][0]
    await act(push_client, clerk, ACCEPT, sub=sub["id"])
    await drain(push_app)
    before_fcm = len(fake_google.app.messages)
    wechat: Any = fake_wechat.app
    before_wechat = len(wechat.sent)

    async with (
        behind_uvicorn(push_app) as url,
        connect(
            url.replace("http", "ws") + "/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as ws,
    ):
        await ws.send(
            json.dumps(
                {
                    "type": "connection_init",
                    "payload": {"authorization": f"Bearer {citizen.access_token}"},
                }
            )
        )
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": CASE_PROGRESS, "variables": {"caseId": case["id"]}},
                }
            )
        )
        redis = push_app.state.resources.redis
        channel = f"{push_app.state.resources.settings.redis_key_prefix}live:case:{case['id']}"
        for _ in range(250):
            [(_, listening)] = await redis.pubsub_numsub(channel)
            if listening:
                break
            await asyncio.sleep(0.02)

        # when the clerk approves and the worker runs
        approved = await act(push_client, clerk, APPROVE, sub=sub["id"])
        assert approved["__typename"] == "ApplicationChanged", approved
        await drain(push_app)

        # then the live subscription receives the approval (and the completion)
        changes = []
        while "completed" not in changes:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message["type"] == "next":
                progress = message["payload"]["data"]["caseProgress"]
                assert progress["caseId"] == case["id"]
                assert progress["reference"] == case["reference"]
                changes.append(progress["change"])
        assert changes[0] == "approved"

    # and the inbox holds the notification, read and delivered per channel
    inbox = await as_caller(push_client, citizen, INBOX)
    nodes = [e["node"] for e in inbox["data"]["me"]["notifications"]["edges"]]
    [approval] = [n for n in nodes if n["kind"] == "applications.case.approved"]
    assert approval["deepLink"] == f"smartzhuzhou://cases/{case['id']}"
    statuses = {(d["channel"], d["status"]) for d in approval["deliveries"]}
    assert ("INBOX", "ACCEPTED") in statuses
    assert {c for c, s in statuses if s == "ACCEPTED"} >= {"INBOX", "FCM", "WECHAT"}

    # and the fake FCM received one well-formed message per phone for the approval
    new = fake_google.app.messages[before_fcm:]
    approvals = [m for m in new if m["data"]["kind"] == "applications.case.approved"]
    assert sorted(m["token"] for m in approvals) == ["android-1", "iphone-1"]
    android = next(m for m in approvals if m["token"] == "android-1")
    assert android["android"]["collapse_key"] == case["id"]
    assert android["data"]["deep_link"] == f"smartzhuzhou://cases/{case['id']}"
    # and the fake WeChat one subscription message for it
    sent = wechat.sent[before_wechat:]
    assert any(m["touser"] == "openid-1" and m["template_id"] == "tmpl-case-progress" for m in sent)

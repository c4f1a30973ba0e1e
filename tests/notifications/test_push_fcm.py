"""Push through firebase-admin's real messaging code, against the local fake of Google's
OAuth and FCM v1 endpoints: message shape, provider errors, retries, outages, dead letters,
preferences and quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.cli import dead_letters_on
from demo.data.people import resident_id_number
from demo.exchange.models import Gender as DemoGender
from identity.models import Gender, OfficerRole, RealName
from identity.services.officers import OfficerService
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.identity.verification_factories import accounts_of
from tests.notifications.conftest import (
    append,
    case_event,
    delivery_statuses,
    drain,
    drain_until,
    worker_of,
)
from tests.notifications.fake_google import PROJECT, FakeGoogleServer

REGISTER = """
mutation ($token: String!, $platform: DevicePlatform!, $locale: String!) {
  registerDevice(token: $token, platform: $platform, appVersion: "3.2.1", locale: $locale) {
    __typename ... on DeviceRegistered { device { id platform locale } }
    ... on UserError { code field } } }
"""
DELIVERIES = """
query { me { notifications(first: 5) { edges { node { id deliveries {
  channel status reason deviceId } } } } } }
"""
PREFERENCES = """
mutation ($muted: [NotificationCategory!], $quiet: QuietHoursInput) {
  updateNotificationPreferences(mutedCategories: $muted, quietHours: $quiet) {
    __typename ... on UserError { code } } }
"""


async def _device(
    client: httpx.AsyncClient,
    caller: SignedInCaller,
    token: str,
    platform: str = "ANDROID",
    locale: str = "zh-CN",
) -> str:
    body = await as_caller(
        client, caller, REGISTER, {"token": token, "platform": platform, "locale": locale}
    )
    result = body["data"]["registerDevice"]
    assert result["__typename"] == "DeviceRegistered", body
    return str(result["device"]["id"])


async def test_a_case_event_reaches_each_device_as_a_well_formed_fcm_message(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_google: FakeGoogleServer
) -> None:
    # given a citizen with an Android phone (Chinese) and an iPhone (English)
    citizen = await sign_in(push_client, push_app)
    android = await _device(push_client, citizen, "android-token-1")
    iphone = await _device(push_client, citizen, "ios-token-1", "IOS", "en")
    # when their case is approved and the worker runs
    await append(push_app, case_event(citizen.account_id, "approved", case_id="case_42"))
    await drain(push_app)
    # then FCM got one message per device, authorised with the OAuth token of the fake
    fake = fake_google.app
    assert fake.token_requests == 1
    [to_android] = fake.sent_to("android-token-1")
    [to_iphone] = fake.sent_to("ios-token-1")
    assert "ZZ20261202-000123" in to_android["notification"]["body"]
    assert to_android["notification"]["title"] == "办件已通过"
    assert to_iphone["notification"]["title"] == "Application approved"
    assert to_android["android"]["collapse_key"] == "case_42"
    assert to_android["android"]["notification"]["tag"] == to_android["data"]["notification_id"]
    assert to_android["data"]["deep_link"] == "smartzhuzhou://cases/case_42"
    assert to_android["data"]["kind"] == "applications.case.approved"
    assert to_iphone["apns"]["headers"]["apns-collapse-id"] == "case_42"
    assert to_iphone["apns"]["payload"]["aps"]["alert"]["title"] == "Application approved"
    # and the delivery statuses say so, per channel and device
    body = await as_caller(push_client, citizen, DELIVERIES)
    [edge] = body["data"]["me"]["notifications"]["edges"]
    deliveries = edge["node"]["deliveries"]
    assert deliveries[0] == {
        "channel": "INBOX",
        "status": "ACCEPTED",
        "reason": None,
        "deviceId": None,
    }
    assert sorted((d["deviceId"], d["status"]) for d in deliveries[1:]) == sorted(
        [(android, "ACCEPTED"), (iphone, "ACCEPTED")]
    )


async def test_an_unregistered_token_fails_its_delivery_and_removes_the_device_at_once(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_google: FakeGoogleServer
) -> None:
    citizen = await sign_in(push_client, push_app)
    await _device(push_client, citizen, "gone-token")
    fake_google.app.always["gone-token"] = "UNREGISTERED"
    await append(push_app, case_event(citizen.account_id))
    await drain(push_app)
    assert await delivery_statuses(push_app) == [("failed", "UNREGISTERED")]
    devices = push_app.state.resources.database["notification_devices"]
    assert await devices.count_documents({}) == 0


async def test_quota_exceeded_is_retried_with_backoff_until_accepted(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_google: FakeGoogleServer
) -> None:
    citizen = await sign_in(push_client, push_app)
    await _device(push_client, citizen, "busy-token")
    fake_google.app.fail("busy-token", "QUOTA_EXCEEDED")
    await append(push_app, case_event(citizen.account_id))
    # the first attempt is refused: the delivery waits for a retry
    worker = worker_of(push_app)
    assert await worker.handle_one_event()
    assert await worker.handle_push_batches()
    assert await delivery_statuses(push_app) == [("retrying", "QUOTA_EXCEEDED")]
    # after the backoff it goes through, once
    await drain_until(push_app, lambda: _statuses_are(push_app, [("accepted", None)]), seconds=5)
    assert len(fake_google.app.sent_to("busy-token")) == 1
    assert fake_google.app.refused == [("busy-token", "QUOTA_EXCEEDED")]
    doc = await push_app.state.resources.database["notification_deliveries"].find_one()
    assert doc["attempts"] == 2


async def _statuses_are(app: FastAPI, expected: list[tuple[str, Any]]) -> bool:
    return await delivery_statuses(app) == expected


async def test_an_invalid_argument_fails_for_good_without_retries(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_google: FakeGoogleServer
) -> None:
    citizen = await sign_in(push_client, push_app)
    await _device(push_client, citizen, "bad-token")
    fake_google.app.always["bad-token"] = "INVALID_ARGUMENT"
    await append(push_app, case_event(citizen.account_id))
    await drain(push_app)
    for _ in range(5):
        await drain(push_app)
    assert await delivery_statuses(push_app) == [("failed", "INVALID_ARGUMENT")]
    assert fake_google.app.refused == [("bad-token", "INVALID_ARGUMENT")]
    stream = push_app.state.resources.settings.redis_key_prefix + "notifications:push"
    assert await push_app.state.resources.redis.xlen(stream) == 0


@pytest.mark.parametrize("push_changes", [{"notification_max_attempts": 12}])
async def test_fcm_down_for_a_while_loses_nothing(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_google: FakeGoogleServer
) -> None:
    # given two citizens' phones, and FCM (and Google's token endpoint) down
    citizens = [await sign_in(push_client, push_app) for _ in range(2)]
    for number, citizen in enumerate(citizens):
        await _device(push_client, citizen, f"phone-{number}")
    fake_google.stop()
    # when three events are handled meanwhile
    for citizen in citizens:
        await append(push_app, case_event(citizen.account_id, "accepted"))
    await append(push_app, case_event(citizens[0].account_id, "approved"))
    await drain(push_app)
    assert {status for status, _ in await delivery_statuses(push_app)} == {"retrying"}
    # then, once FCM is back, every notification reaches its phone exactly once
    fake_google.start()
    await drain_until(
        push_app,
        lambda: _statuses_are(push_app, [("accepted", None)] * 3),
        seconds=10,
    )
    assert len(fake_google.app.sent_to("phone-0")) == 2
    assert len(fake_google.app.sent_to("phone-1")) == 1


async def test_a_delivery_failing_every_retry_is_dead_lettered_and_an_operator_retries_it(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_google: FakeGoogleServer
) -> None:
    # given a phone whose pushes always hit the quota (3 attempts in this app)
    citizen = await sign_in(push_client, push_app)
    await _device(push_client, citizen, "stuck-token")
    fake_google.app.always["stuck-token"] = "QUOTA_EXCEEDED"
    await append(push_app, case_event(citizen.account_id))
    # when every attempt fails
    await drain_until(push_app, lambda: _statuses_are(push_app, [("dead", "QUOTA_EXCEEDED")]))
    assert len(fake_google.app.refused) == 3
    # then operators see it (CLI) and an administrator can queue it again
    [line] = await dead_letters_on(push_app.state.resources, [])
    assert "fcm" in line
    assert "QUOTA_EXCEEDED" in line
    admin = await sign_in(push_client, push_app)
    await _verify(push_app, admin)
    await push_app.state.services.get(OfficerService).grant_as_operator(
        admin.phone, OfficerRole.ADMINISTRATOR
    )
    listed = await as_caller(
        push_client,
        admin,
        "query { notificationDeadLetters { __typename ... on DeadLetterList { items { id } } } }",
    )
    [item] = listed["data"]["notificationDeadLetters"]["items"]
    del fake_google.app.always["stuck-token"]
    retried = await as_caller(
        push_client,
        admin,
        "mutation ($ids: [String!]!) { retryNotificationDeadLetters(ids: $ids) { __typename "
        "... on DeadLettersRequeued { requeued } } }",
        {"ids": [item["id"]]},
    )
    assert retried["data"]["retryNotificationDeadLetters"]["requeued"] == 1
    await drain_until(push_app, lambda: _statuses_are(push_app, [("accepted", None)]))
    assert len(fake_google.app.sent_to("stuck-token")) == 1


async def test_a_citizen_cannot_see_or_retry_dead_letters(
    push_client: httpx.AsyncClient, push_app: FastAPI
) -> None:
    citizen = await sign_in(push_client, push_app)
    listed = await as_caller(
        push_client, citizen, "query { notificationDeadLetters { __typename } }"
    )
    assert listed["data"]["notificationDeadLetters"]["__typename"] == "StepUpRequired"


async def _verify(app: FastAPI, caller: SignedInCaller) -> None:
    """Bind a fictional verified identity to the caller's account (as in test_officers)."""
    id_number = resident_id_number("430202", date(1990, 1, 1), 77, DemoGender.MALE)
    real_name = RealName(
        name="测试员",
        id_number=id_number,
        birth_date=date(1990, 1, 1),
        gender=Gender.MALE,
        verified_at=datetime.now(UTC),
    )
    resources = app.state.resources
    fields = accounts_of(app).document_fields_for_real_name(
        caller.account_id, real_name, resources.keys.lookup.digest(id_number)
    )
    await resources.database["accounts"].update_one(
        {"_id": caller.account_id}, {"$set": {"real_name": fields}}
    )


async def test_a_muted_category_gets_no_push_but_stays_in_the_inbox(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_google: FakeGoogleServer
) -> None:
    citizen = await sign_in(push_client, push_app)
    await _device(push_client, citizen, "quiet-phone")
    muted = await as_caller(push_client, citizen, PREFERENCES, {"muted": ["CASES"]})
    assert muted["data"]["updateNotificationPreferences"]["__typename"] == (
        "NotificationPreferencesUpdated"
    )
    await append(push_app, case_event(citizen.account_id))
    await drain(push_app)
    assert fake_google.app.messages == []
    body = await as_caller(push_client, citizen, DELIVERIES)
    [edge] = body["data"]["me"]["notifications"]["edges"]
    assert [d["channel"] for d in edge["node"]["deliveries"]] == ["INBOX"]


@pytest.mark.parametrize(("change", "held"), [("approved", True), ("supplement_requested", False)])
async def test_quiet_hours_hold_non_urgent_pushes_only(
    push_client: httpx.AsyncClient,
    push_app: FastAPI,
    fake_google: FakeGoogleServer,
    change: str,
    held: bool,
) -> None:
    # given quiet hours around the present moment (city time)
    citizen = await sign_in(push_client, push_app)
    await _device(push_client, citizen, "night-phone")
    now = datetime.now(UTC) + timedelta(hours=8)
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end = (now + timedelta(hours=1)).strftime("%H:%M")
    quiet = await as_caller(
        push_client, citizen, PREFERENCES, {"quiet": {"start": start, "end": end}}
    )
    assert quiet["data"]["updateNotificationPreferences"]["__typename"] == (
        "NotificationPreferencesUpdated"
    )
    # when a non-urgent (approved) or urgent (supplement requested) event comes
    await append(push_app, case_event(citizen.account_id, change))
    await drain(push_app)
    # then only the urgent one is pushed now; the inbox has both kinds either way
    if held:
        assert await delivery_statuses(push_app) == [("held", None)]
        assert fake_google.app.messages == []
    else:
        assert await delivery_statuses(push_app) == [("accepted", None)]
    body = await as_caller(push_client, citizen, DELIVERIES)
    assert len(body["data"]["me"]["notifications"]["edges"]) == 1


async def test_held_pushes_go_out_when_quiet_hours_end(
    push_client: httpx.AsyncClient, push_app: FastAPI, fake_google: FakeGoogleServer
) -> None:
    citizen = await sign_in(push_client, push_app)
    await _device(push_client, citizen, "morning-phone")
    await append(push_app, case_event(citizen.account_id))
    await drain(push_app)
    deliveries = push_app.state.resources.database["notification_deliveries"]
    # a delivery held until a moment now past
    fake_google.app.messages.clear()
    await deliveries.update_many(
        {},
        {"$set": {"status": "held", "not_before": datetime.now(UTC) - timedelta(seconds=1)}},
    )
    await worker_of(push_app).upkeep()
    await drain(push_app)
    assert await delivery_statuses(push_app) == [("accepted", None)]
    assert len(fake_google.app.sent_to("morning-phone")) == 1


def test_the_fake_answers_for_the_generated_project() -> None:
    assert PROJECT == "smart-zhuzhou-test"

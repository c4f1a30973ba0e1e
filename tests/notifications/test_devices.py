"""Device registration through /graphql: tokens at rest, refresh, moves, removal, pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from notifications.services.devices import DeviceService
from tests.identity.factories import as_caller, sign_in

REGISTER = """
mutation ($token: String!, $platform: DevicePlatform!) {
  registerDevice(token: $token, platform: $platform, appVersion: "3.2.1", locale: "en-GB") {
    __typename ... on DeviceRegistered { device { id platform appVersion locale lastSeenAt } }
    ... on UserError { code field } } }
"""
UNREGISTER = """
mutation ($token: String!) { unregisterDevice(token: $token) {
  __typename ... on DeviceUnregistered { removed } } }
"""
TOKEN = "fcm-registration-token-ABCDEFGHIJKLMNOP"


def _devices(app: FastAPI):  # type: ignore[no-untyped-def]
    return app.state.resources.database["notification_devices"]


async def test_a_device_is_registered_with_its_token_encrypted_and_hashed(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    citizen = await sign_in(client, app)
    body = await as_caller(client, citizen, REGISTER, {"token": TOKEN, "platform": "ANDROID"})
    device = body["data"]["registerDevice"]["device"]
    assert device["platform"] == "ANDROID"
    assert device["appVersion"] == "3.2.1"
    assert device["locale"] == "en"
    [doc] = await _devices(app).find().to_list()
    assert TOKEN not in str(doc)
    assert doc["token"].startswith("v1:")
    assert len(doc["token_hash"]) == 64
    assert doc["account_id"] == citizen.account_id


async def test_registering_again_refreshes_last_seen_and_a_token_moves_to_its_new_account(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    first = await sign_in(client, app)
    second = await sign_in(client, app)
    one = await as_caller(client, first, REGISTER, {"token": TOKEN, "platform": "IOS"})
    again = await as_caller(client, second, REGISTER, {"token": TOKEN, "platform": "IOS"})
    before = one["data"]["registerDevice"]["device"]
    after = again["data"]["registerDevice"]["device"]
    assert after["id"] == before["id"]
    assert after["lastSeenAt"] >= before["lastSeenAt"]
    [doc] = await _devices(app).find().to_list()
    assert doc["account_id"] == second.account_id


async def test_only_the_owner_unregisters_a_device(client: httpx.AsyncClient, app: FastAPI) -> None:
    owner = await sign_in(client, app)
    other = await sign_in(client, app)
    await as_caller(client, owner, REGISTER, {"token": TOKEN, "platform": "ANDROID"})
    refused = await as_caller(client, other, UNREGISTER, {"token": TOKEN})
    assert refused["data"]["unregisterDevice"]["removed"] is False
    assert await _devices(app).count_documents({}) == 1
    removed = await as_caller(client, owner, UNREGISTER, {"token": TOKEN})
    assert removed["data"]["unregisterDevice"]["removed"] is True
    assert await _devices(app).count_documents({}) == 0


async def test_bad_tokens_and_platforms_without_push_are_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    citizen = await sign_in(client, app)
    empty = await as_caller(client, citizen, REGISTER, {"token": "  ", "platform": "ANDROID"})
    assert empty["data"]["registerDevice"] == {
        "__typename": "InvalidInput",
        "code": "INVALID_DEVICE_TOKEN",
        "field": "token",
    }
    huge = await as_caller(client, citizen, REGISTER, {"token": "x" * 5000, "platform": "IOS"})
    assert huge["data"]["registerDevice"]["code"] == "INVALID_DEVICE_TOKEN"
    kiosk = await as_caller(client, citizen, REGISTER, {"token": TOKEN, "platform": "KIOSK"})
    assert kiosk["data"]["registerDevice"] == {
        "__typename": "InvalidInput",
        "code": "UNSUPPORTED_PLATFORM",
        "field": "platform",
    }
    assert await _devices(app).count_documents({}) == 0


async def test_anonymous_callers_cannot_register(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.post(
        "/graphql", json={"query": REGISTER, "variables": {"token": TOKEN, "platform": "IOS"}}
    )
    assert response.json()["data"]["registerDevice"]["__typename"] == "AuthenticationRequired"


async def test_devices_unseen_for_the_stale_period_are_pruned(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    citizen = await sign_in(client, app)
    await as_caller(client, citizen, REGISTER, {"token": TOKEN, "platform": "ANDROID"})
    await as_caller(client, citizen, REGISTER, {"token": TOKEN + "2", "platform": "ANDROID"})
    await _devices(app).update_one(
        {"platform": "android", "token_hash": {"$exists": True}},
        {"$set": {"last_seen_at": datetime.now(UTC) - timedelta(days=61)}},
    )
    assert await app.state.services.get(DeviceService).prune_stale() == 1
    assert await _devices(app).count_documents({}) == 1

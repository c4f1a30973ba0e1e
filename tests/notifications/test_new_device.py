"""A sign-in from a device the account never used alerts the citizen (security category)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.identity.factories import as_caller, lift_code_cooldown, sign_in
from tests.notifications.conftest import drain

INBOX = (
    "query { me { notifications(first: 5) { edges { node { kind category urgent deepLink } } } } }"
)


async def _new_device_events(app: FastAPI) -> int:
    outbox = app.state.resources.database["outbox"]
    return int(await outbox.count_documents({"kind": "identity.session.new_device"}))


async def test_a_sign_in_on_a_new_device_alerts_the_citizen_but_not_the_first_or_a_known_one(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # the first sign-in ever is no alert
    first = await sign_in(client, app, device="Mate 60")
    assert await _new_device_events(app) == 0
    # the same device again is no alert either
    await lift_code_cooldown(app)
    await sign_in(client, app, first.phone, device="Mate 60")
    assert await _new_device_events(app) == 0
    # another device is
    await lift_code_cooldown(app)
    other = await sign_in(client, app, first.phone, device="iPad")
    assert await _new_device_events(app) == 1
    await drain(app)
    body = await as_caller(client, other, INBOX)
    [edge] = body["data"]["me"]["notifications"]["edges"]
    node = edge["node"]
    assert node["kind"] == "identity.session.new_device"
    assert node["category"] == "SECURITY"
    assert node["urgent"] is True
    assert node["deepLink"] == f"smartzhuzhou://me/sessions/{other.session_id}"

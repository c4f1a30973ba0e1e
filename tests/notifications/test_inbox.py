"""The in-app inbox through /graphql: events become notifications, read marks, access,
announcements in one row, idempotency and encryption at rest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from app.trusted_documents import document_text
from kit.outbox import OutboxEvent
from notifications.models import BROADCAST
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.notifications.conftest import append, case_event, drain

INBOX = """
query { me { unreadNotificationCount notifications(first: 10) {
  edges { cursor node { id kind category urgent title { zh en } body { zh en } deepLink
    readAt deliveries { channel status } } }
  pageInfo { hasNextPage endCursor } } } }
"""
PAGE = """
query ($after: String) { me { notifications(first: 1, after: $after) {
  edges { node { id } } pageInfo { hasNextPage endCursor } } } }
"""
MARK = document_text("MarkNotificationsRead")  # the app's trusted document
MARK_ALL = """
mutation { markAllNotificationsRead { __typename
  ... on NotificationsMarkedRead { marked unreadCount } } }
"""


async def _inbox(client: httpx.AsyncClient, caller: SignedInCaller) -> dict[str, Any]:
    body = await as_caller(client, caller, INBOX)
    assert "errors" not in body, body
    me: dict[str, Any] = body["data"]["me"]
    return me


async def test_a_case_event_lands_in_the_applicants_inbox_in_both_languages(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a citizen and an approval of their case in the outbox
    citizen = await sign_in(client, app)
    await append(app, case_event(citizen.account_id, "approved", case_id="case_9"))
    # when the worker runs
    await drain(app)
    # then the inbox holds one unread notification with text and deep link
    me = await _inbox(client, citizen)
    assert me["unreadNotificationCount"] == 1
    [edge] = me["notifications"]["edges"]
    node = edge["node"]
    assert node["kind"] == "applications.case.approved"
    assert node["category"] == "CASES"
    assert "ZZ20261202-000123" in node["body"]["zh"]
    assert "approved" in node["title"]["en"].lower()
    assert node["deepLink"] == "smartzhuzhou://cases/case_9"
    assert node["readAt"] is None
    assert node["deliveries"] == [{"channel": "INBOX", "status": "ACCEPTED"}]


async def test_marking_read_counts_down_and_shows_read_as_the_inbox_status(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    citizen = await sign_in(client, app)
    for change in ("submitted", "accepted", "approved"):
        await append(app, case_event(citizen.account_id, change))
    await drain(app)
    me = await _inbox(client, citizen)
    ids = [e["node"]["id"] for e in me["notifications"]["edges"]]
    assert len(ids) == 3
    # when one is marked read
    marked = await as_caller(client, citizen, MARK, {"ids": [ids[0], ids[0]]})
    # then one is marked and two stay unread
    assert marked["data"]["markNotificationsRead"] == {
        "__typename": "NotificationsMarkedRead",
        "marked": 1,
        "unreadCount": 2,
    }
    me = await _inbox(client, citizen)
    read = next(e["node"] for e in me["notifications"]["edges"] if e["node"]["id"] == ids[0])
    assert read["readAt"] is not None
    assert read["deliveries"] == [{"channel": "INBOX", "status": "READ"}]
    # and mark-all clears the rest
    everything = await as_caller(client, citizen, MARK_ALL)
    assert everything["data"]["markAllNotificationsRead"]["unreadCount"] == 0
    assert everything["data"]["markAllNotificationsRead"]["marked"] == 2


async def test_a_citizen_can_neither_read_nor_mark_another_citizens_notifications(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await sign_in(client, app)
    other = await sign_in(client, app)
    await append(app, case_event(owner.account_id))
    await drain(app)
    [edge] = (await _inbox(client, owner))["notifications"]["edges"]
    # the other citizen's inbox is empty
    assert (await _inbox(client, other))["notifications"]["edges"] == []
    # and marking the owner's id changes nothing
    marked = await as_caller(client, other, MARK, {"ids": [edge["node"]["id"]]})
    assert marked["data"]["markNotificationsRead"]["marked"] == 0
    assert (await _inbox(client, owner))["unreadNotificationCount"] == 1


async def test_anonymous_callers_get_no_inbox_and_cannot_mark(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await client.post("/graphql", json={"query": INBOX})
    assert response.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_REQUIRED"
    marked = await client.post("/graphql", json={"query": MARK_ALL})
    assert marked.json()["data"]["markAllNotificationsRead"]["__typename"] == (
        "AuthenticationRequired"
    )


async def test_too_many_ids_are_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    citizen = await sign_in(client, app)
    marked = await as_caller(client, citizen, MARK, {"ids": [f"ntf_{i}" for i in range(51)]})
    assert marked["data"]["markNotificationsRead"] == {
        "__typename": "InvalidInput",
        "code": "TOO_MANY_IDS",
        "field": "ids",
    }


async def test_the_inbox_pages_with_cursors_and_refuses_a_bad_one(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    citizen = await sign_in(client, app)
    for change in ("submitted", "accepted"):
        await append(app, case_event(citizen.account_id, change))
    await drain(app)
    first = await as_caller(client, citizen, PAGE)
    page = first["data"]["me"]["notifications"]
    assert page["pageInfo"]["hasNextPage"] is True
    second = await as_caller(client, citizen, PAGE, {"after": page["pageInfo"]["endCursor"]})
    rest = second["data"]["me"]["notifications"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert rest["edges"][0]["node"]["id"] != page["edges"][0]["node"]["id"]
    bad = await as_caller(client, citizen, PAGE, {"after": "not-a-cursor"})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_the_same_event_handled_twice_notifies_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given an event whose worker died after notifying, before completing it
    citizen = await sign_in(client, app)
    event = case_event(citizen.account_id)
    await append(app, event)
    await drain(app)
    outbox = app.state.resources.database["outbox"]
    await outbox.update_one({"_id": event.id}, {"$set": {"status": "pending"}})
    # when it is handled again
    await drain(app)
    # then the inbox still holds one notification
    me = await _inbox(client, citizen)
    assert len(me["notifications"]["edges"]) == 1


async def test_an_announcement_is_one_row_that_every_inbox_shows_and_reads_apart(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    citizens = [await sign_in(client, app) for _ in range(3)]
    announcements = app.state.resources.database["announcements"]
    await announcements.insert_one(
        {
            "_id": "ann_1",
            "title": {"zh": "系统维护", "en": "Maintenance"},
            "body": {"zh": "今晚维护", "en": "Maintenance tonight"},
            "created_at": datetime.now(UTC),
        }
    )
    await append(
        app,
        OutboxEvent(
            kind="system.announcement", subject="ann_1", payload={"announcement_id": "ann_1"}
        ),
    )
    await drain(app)
    rows = app.state.resources.database["notifications"]
    assert await rows.count_documents({}) == 1
    assert await rows.count_documents({"account_id": BROADCAST}) == 1
    for citizen in citizens:
        me = await _inbox(client, citizen)
        [edge] = me["notifications"]["edges"]
        assert edge["node"]["title"] == {"zh": "系统维护", "en": "Maintenance"}
        assert edge["node"]["deepLink"] == "smartzhuzhou://announcements/ann_1"
        assert me["unreadNotificationCount"] == 1
    # one citizen reads it: the others still have it unread
    marked = await as_caller(client, citizens[0], MARK, {"ids": [edge["node"]["id"]]})
    assert marked["data"]["markNotificationsRead"]["unreadCount"] == 0
    assert (await _inbox(client, citizens[1]))["unreadNotificationCount"] == 1
    everything = await as_caller(client, citizens[2], MARK_ALL)
    assert everything["data"]["markAllNotificationsRead"]["unreadCount"] == 0
    assert (await _inbox(client, citizens[1]))["unreadNotificationCount"] == 1


async def test_notification_parameters_rest_encrypted(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    citizen = await sign_in(client, app)
    await append(app, case_event(citizen.account_id, reference="ZZ20991231-999999"))
    await drain(app)
    [doc] = await app.state.resources.database["notifications"].find().to_list()
    assert "ZZ20991231-999999" not in str(doc)
    assert str(doc["params"]).startswith("v1:")


async def test_an_event_kind_without_a_template_is_completed_without_a_notification(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    citizen = await sign_in(client, app)
    event = OutboxEvent(kind="something.else", subject="x", audience=(citizen.account_id,))
    await append(app, event)
    await drain(app)
    doc = await app.state.resources.database["outbox"].find_one({"_id": event.id})
    assert doc["status"] == "done"
    assert (await _inbox(client, citizen))["notifications"]["edges"] == []

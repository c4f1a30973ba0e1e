"""Live subscriptions over a real WebSocket, through real Redis, across two API instances.

Each test starts two apps on one database and one Redis (as two API instances of one
deployment: same key prefix, same token signing key), each behind its own uvicorn.
The worker's side is :class:`notifications.live.RedisLivePublisher`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from app.main import create_app
from app.resources import Resources
from app.services import Providers
from app.settings import Settings
from demo.providers import demo_providers
from devstack.servers import ServerProcess, free_port, start_redis
from notifications.live import (
    LiveUpdates,
    RedisLivePublisher,
    account_channel,
    broadcast_channel,
    case_channel,
)
from tests.app.citizens import real_name_citizen
from tests.applications.test_case_abuse import seal_case
from tests.conftest import _drop_test_data, graphql
from tests.identity.factories import SignedInCaller, lift_code_cooldown, sign_in

NOTIFICATIONS = """
subscription { notificationReceived {
  id kind category urgent title { zh en } body { zh en } deepLink createdAt } }
"""
CASE_PROGRESS = """
subscription ($caseId: ID!) {
  caseProgress(caseId: $caseId) {
    caseId change kind reference state subCaseId department itemCode bundleCode occurredAt eventId
  }
}
"""
SIGN_OUT = "mutation { signOut { __typename } }"

CHECK_SECONDS = 0.2


class CasesOfOwners:
    """Stand-in for the applications domain's rule: a case is seen by its applicant only."""

    def __init__(self) -> None:
        self.owner_of: dict[str, str] = {}

    async def may_see(self, account_id: str, case_id: str) -> bool:
        """True for the case's applicant."""
        return self.owner_of.get(case_id) == account_id


@dataclasses.dataclass
class Instance:
    """One API instance: the app and the URL of its uvicorn."""

    app: FastAPI
    url: str

    def http(self) -> httpx.AsyncClient:
        """An HTTP client of this instance."""
        return httpx.AsyncClient(base_url=self.url)

    @property
    def live(self) -> LiveUpdates:
        """This instance's live-update service."""
        live: LiveUpdates = self.app.state.services.get(LiveUpdates)
        return live

    @property
    def publisher(self) -> RedisLivePublisher:
        """The reference publisher, on this instance's Redis client."""
        publisher: RedisLivePublisher = self.app.state.services.get(RedisLivePublisher)
        return publisher


@contextlib.asynccontextmanager
async def serving(settings: Settings, cases: CasesOfOwners) -> AsyncIterator[Instance]:
    """An app following ``cases``, its lifespan running, behind a real uvicorn."""

    def providers(resources: Resources) -> Providers:
        # The case-visibility seam: the product wires the applications' own rule.
        return dataclasses.replace(demo_providers(resources), case_visibility=cases)

    app = create_app(settings, providers=providers)
    async with app.router.lifespan_context(app):
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
            yield Instance(app, f"http://127.0.0.1:{port}")
        finally:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 10)


def deployment_settings(settings: Settings, tmp_path: Path, **changes: object) -> Settings:
    """The test's settings for every instance: one signing key, fast session checks."""
    values = settings.model_dump() | {
        "data_dir": tmp_path,
        "jwt_signing_key_file": tmp_path / "jwt-ed25519.pem",
        "live_session_check_seconds": CHECK_SECONDS,
    }
    return Settings(_env_file=None, **(values | changes))


@pytest.fixture
def cases() -> CasesOfOwners:
    """Who may see which case (the test decides)."""
    return CasesOfOwners()


@pytest.fixture
async def two(
    settings: Settings, tmp_path: Path, cases: CasesOfOwners
) -> AsyncIterator[tuple[Instance, Instance]]:
    """Two API instances of one deployment."""
    shared = deployment_settings(settings, tmp_path)
    try:
        async with serving(shared, cases) as first, serving(shared, cases) as second:
            yield first, second
    finally:
        await _drop_test_data(shared)


async def receive(ws: ClientConnection, within: float = 10) -> dict[str, Any]:
    """The next result or error, pings and ``complete`` (which follows an error) skipped."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), within))
        if message["type"] not in {"ping", "complete"}:
            return message


@contextlib.asynccontextmanager
async def websocket(
    instance: Instance, caller: SignedInCaller | None
) -> AsyncIterator[ClientConnection]:
    """A graphql-transport-ws connection to ``instance``, signed in as ``caller``."""
    async with connect(
        instance.url.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    ) as ws:
        payload = {} if caller is None else {"authorization": f"Bearer {caller.access_token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ack["type"] == "connection_ack"
        yield ws


async def subscribe(
    ws: ClientConnection, query: str, variables: dict[str, Any] | None = None, op: str = "1"
) -> None:
    """Start an operation."""
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": payload}))


def errors_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The errors a subscription ended with (``error``, or ``next`` carrying errors)."""
    assert message["type"] in {"error", "next"}, message
    errors: list[dict[str, Any]] = (
        message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    )
    return errors


async def listeners(instance: Instance, channel: str) -> int:
    """How many Redis connections subscribe to ``channel`` (one per listening instance)."""
    redis = instance.app.state.resources.redis
    [(_, count)] = await redis.pubsub_numsub(channel)
    return int(count)


async def until_listening(
    instance: Instance, channel: str, count: int, within: float = 10.0
) -> None:
    """Wait until ``count`` instances subscribe to ``channel``."""
    deadline = asyncio.get_running_loop().time() + within
    while await listeners(instance, channel) != count:
        assert asyncio.get_running_loop().time() < deadline, f"not {count} listening in time"
        await asyncio.sleep(0.02)


async def until_serving(instance: Instance, streams: int, within: float = 10.0) -> None:
    """Wait until ``instance`` serves ``streams`` local streams.

    Redis counts one subscription per instance, so a second subscriber on an instance
    that already listens is only known to that instance: wait for it there too.
    """
    deadline = asyncio.get_running_loop().time() + within
    while instance.live.open_streams != streams:
        assert asyncio.get_running_loop().time() < deadline, f"not {streams} streams in time"
        await asyncio.sleep(0.02)


async def signed_in(instance: Instance) -> SignedInCaller:
    """A new citizen, signed in through ``instance``."""
    async with instance.http() as http:
        return await sign_in(http, instance.app)


def a_notification(number: int = 1) -> dict[str, Any]:
    """A notification message as the worker publishes it."""
    return {
        "type": "notification",
        "id": f"ntf_{number}",
        "kind": "applications.case.approved",
        "category": "cases",
        "urgent": False,
        "title": {"zh": "办件已办结", "en": "Application approved"},
        "body": {"zh": "您的办件 ZZ20261202-000123 已审批通过", "en": "ZZ20261202-000123 approved"},
        "deepLink": "smartzhuzhou://cases/case_1",
        "createdAt": datetime(2026, 12, 2, 13, 49, 4, tzinfo=UTC).isoformat(),
    }


def a_progress_event(case_id: str, change: str = "approved") -> dict[str, Any]:
    """A case progress message as the worker publishes it."""
    return {
        "type": "case_progress",
        "eventId": "evt_1",
        "kind": f"applications.case.{change}",
        "change": change,
        "caseId": case_id,
        "reference": "ZZ20261202-000123",
        "subCaseId": "sub_1",
        "department": "zz-market",
        "itemCode": "11430200MB1",
        "state": "approved",
        "occurredAt": "2026-12-02T13:49:04+00:00",
    }


def a_payload_event(case_id: str) -> dict[str, Any]:
    """The outbox event's own payload (snake_case) plus kind and occurredAt."""
    return {
        "kind": "applications.case.supplement_requested",
        "occurredAt": "2026-12-02T14:00:00+00:00",
        "case_id": case_id,
        "reference": "ZZ20261202-000123",
        "sub_case_id": None,
        "department": "zz-market",
        "item_code": None,
        "bundle_code": "YJS-QYKB",
        "state": "awaiting_supplement",
    }


async def test_subscribers_on_two_instances_all_receive_a_notification_once_per_instance(
    two: tuple[Instance, Instance],
) -> None:
    # given one citizen subscribed twice on the first instance and once on the second
    first, second = two
    citizen = await signed_in(first)
    channel = account_channel(first.app.state.settings.redis_key_prefix, citizen.account_id)
    async with (
        websocket(first, citizen) as a1,
        websocket(first, citizen) as a2,
        websocket(second, citizen) as b1,
    ):
        for ws in (a1, a2, b1):
            await subscribe(ws, NOTIFICATIONS)
        await until_serving(first, 2)
        await until_serving(second, 1)
        await until_listening(first, channel, 2)
        # when the worker publishes one notification
        reached = await first.publisher.to_account(citizen.account_id, a_notification())
        # then Redis sent it once per instance, and every subscriber got it
        assert reached == 2
        for ws in (a1, a2, b1):
            message = await receive(ws)
            assert message["type"] == "next", message
            assert message["payload"]["data"]["notificationReceived"] == {
                "id": "ntf_1",
                "kind": "applications.case.approved",
                "category": "cases",
                "urgent": False,
                "title": {"zh": "办件已办结", "en": "Application approved"},
                "body": {
                    "zh": "您的办件 ZZ20261202-000123 已审批通过",
                    "en": "ZZ20261202-000123 approved",
                },
                "deepLink": "smartzhuzhou://cases/case_1",
                "createdAt": "2026-12-02T13:49:04+00:00",
            }


async def test_another_accounts_notifications_never_reach_a_subscriber(
    two: tuple[Instance, Instance],
) -> None:
    # given two citizens, each subscribed on a different instance
    first, second = two
    alice, bob = await signed_in(first), await signed_in(second)
    prefix = first.app.state.settings.redis_key_prefix
    async with websocket(first, alice) as a, websocket(second, bob) as b:
        await subscribe(a, NOTIFICATIONS)
        await subscribe(b, NOTIFICATIONS)
        await until_listening(first, account_channel(prefix, bob.account_id), 1)
        await until_listening(first, account_channel(prefix, alice.account_id), 1)
        # when Bob gets a notification, then Alice's
        await first.publisher.to_account(bob.account_id, a_notification(1))
        await first.publisher.to_account(alice.account_id, a_notification(2))
        # then each sees only their own
        assert (await receive(b))["payload"]["data"]["notificationReceived"]["id"] == "ntf_1"
        assert (await receive(a))["payload"]["data"]["notificationReceived"]["id"] == "ntf_2"


async def test_an_announcement_reaches_every_signed_in_subscriber_on_every_instance(
    two: tuple[Instance, Instance],
) -> None:
    # given two citizens following their notifications on different instances
    first, second = two
    alice, bob = await signed_in(first), await signed_in(second)
    everyone = broadcast_channel(first.app.state.settings.redis_key_prefix)
    async with websocket(first, alice) as a, websocket(second, bob) as b:
        await subscribe(a, NOTIFICATIONS)
        await subscribe(b, NOTIFICATIONS)
        await until_listening(first, everyone, 2)
        # when the city announces something
        announcement = a_notification(5) | {
            "kind": "system.announcement",
            "category": "announcements",
            "urgent": True,
            "deepLink": "smartzhuzhou://announcements/ann_1",
        }
        assert await first.publisher.to_everyone(announcement) == 2
        # then both hear it
        for ws in (a, b):
            heard = (await receive(ws))["payload"]["data"]["notificationReceived"]
            assert (heard["id"], heard["kind"], heard["urgent"]) == (
                "ntf_5",
                "system.announcement",
                True,
            )


async def test_a_message_that_breaks_the_contract_is_dropped_and_the_next_one_arrives(
    two: tuple[Instance, Instance],
) -> None:
    # given
    first, _ = two
    citizen = await signed_in(first)
    prefix = first.app.state.settings.redis_key_prefix
    channel = account_channel(prefix, citizen.account_id)
    async with websocket(first, citizen) as ws:
        await subscribe(ws, NOTIFICATIONS)
        await until_listening(first, channel, 1)
        # when garbage, a message without a title, a naive timestamp, a message of another
        # type, then a good one arrive
        redis = first.app.state.resources.redis
        await redis.publish(channel, b"\xff not json")
        await first.publisher.to_account(citizen.account_id, a_notification(1) | {"title": ""})
        await first.publisher.to_account(
            citizen.account_id, a_notification(1) | {"type": "case_progress"}
        )
        await first.publisher.to_account(
            citizen.account_id, a_notification(2) | {"createdAt": "2026-12-02T13:49:04"}
        )
        await first.publisher.to_account(citizen.account_id, a_notification(3))
        # then only the good one is delivered, and the subscription is still open
        message = await receive(ws)
        assert message["payload"]["data"]["notificationReceived"]["id"] == "ntf_3"


async def test_case_progress_reaches_the_applicant_on_either_instance(
    two: tuple[Instance, Instance], cases: CasesOfOwners
) -> None:
    # given the citizen's own case, followed on the second instance
    first, second = two
    citizen = await signed_in(first)
    cases.owner_of["case_1"] = citizen.account_id
    channel = case_channel(first.app.state.settings.redis_key_prefix, "case_1")
    async with websocket(second, citizen) as ws:
        await subscribe(ws, CASE_PROGRESS, {"caseId": "case_1"})
        await until_listening(first, channel, 1)
        # when the worker publishes an approval, published from the first instance's client
        await first.publisher.to_case("case_1", a_progress_event("case_1"))
        # then
        message = await receive(ws)
        assert message["payload"]["data"]["caseProgress"] == {
            "caseId": "case_1",
            "change": "approved",
            "kind": "applications.case.approved",
            "reference": "ZZ20261202-000123",
            "state": "approved",
            "subCaseId": "sub_1",
            "department": "zz-market",
            "itemCode": "11430200MB1",
            "bundleCode": None,
            "occurredAt": "2026-12-02T13:49:04+00:00",
            "eventId": "evt_1",
        }
        # and the event payload's own snake_case form is read as well
        await first.publisher.to_case("case_1", a_payload_event("case_1"))
        payload = (await receive(ws))["payload"]["data"]["caseProgress"]
        assert payload["change"] == "supplement_requested"
        assert (payload["caseId"], payload["subCaseId"], payload["bundleCode"]) == (
            "case_1",
            None,
            "YJS-QYKB",
        )
        assert payload["eventId"] is None


async def test_another_users_case_and_an_unknown_case_are_refused_alike(
    two: tuple[Instance, Instance], cases: CasesOfOwners
) -> None:
    # given Bob's case
    first, _ = two
    alice, bob = await signed_in(first), await signed_in(first)
    cases.owner_of["case_bob"] = bob.account_id
    async with websocket(first, alice) as ws:
        # when Alice asks for Bob's case, for a case that does not exist, and for an
        # over-long id
        await subscribe(ws, CASE_PROGRESS, {"caseId": "case_bob"}, op="1")
        refused = await receive(ws)
        await subscribe(ws, CASE_PROGRESS, {"caseId": "case_nobody"}, op="2")
        unknown = await receive(ws)
        await subscribe(ws, CASE_PROGRESS, {"caseId": "c" * 65}, op="3")
        too_long = await receive(ws)
    # then each is refused with the same typed error, naming nothing about Bob's case
    for message in (refused, unknown, too_long):
        assert errors_of(message)[0]["extensions"] == {"code": "CASE_NOT_FOUND", "field": "caseId"}
    assert first.live.channels == set()


async def test_an_anonymous_caller_is_refused_both_subscriptions(
    two: tuple[Instance, Instance],
) -> None:
    first, _ = two
    async with websocket(first, None) as ws:
        await subscribe(ws, NOTIFICATIONS, op="1")
        notifications = await receive(ws)
        await subscribe(ws, CASE_PROGRESS, {"caseId": "case_1"}, op="2")
        progress = await receive(ws)
    for message in (notifications, progress):
        assert errors_of(message)[0]["extensions"] == {
            "code": "AUTHENTICATION_REQUIRED",
            "reason": "MISSING",
        }


async def test_a_signed_out_sessions_subscriptions_end_and_its_other_sessions_go_on(
    two: tuple[Instance, Instance], cases: CasesOfOwners
) -> None:
    # given one citizen on two phones, each following notifications and a case
    first, second = two
    async with first.http() as http:
        phone = await sign_in(http, first.app)
        await lift_code_cooldown(first.app)
        tablet = await sign_in(http, first.app, phone.phone, device="Tablet")
    cases.owner_of["case_1"] = phone.account_id
    async with websocket(first, phone) as on_phone, websocket(second, tablet) as on_tablet:
        for ws in (on_phone, on_tablet):
            await subscribe(ws, NOTIFICATIONS, op="n")
            await subscribe(ws, CASE_PROGRESS, {"caseId": "case_1"}, op="c")
        channel = case_channel(first.app.state.settings.redis_key_prefix, "case_1")
        await until_listening(first, channel, 2)
        # when the phone signs out (on the other instance)
        async with second.http() as http:
            http.headers["authorization"] = f"Bearer {phone.access_token}"
            assert (await graphql(http, SIGN_OUT))["data"]["signOut"]["__typename"] == "SignedOut"
        # then within a few checks both of the phone's subscriptions end with a typed error
        ended: dict[str, dict[str, Any]] = {}
        while len(ended) < 2:
            message = await receive(on_phone, within=20 * CHECK_SECONDS)
            ended[message["id"]] = errors_of(message)[0]["extensions"]
        assert ended == {
            op: {"code": "AUTHENTICATION_REQUIRED", "reason": "REVOKED"} for op in ("n", "c")
        }
        # and the stale connection cannot start a new one
        await subscribe(on_phone, NOTIFICATIONS, op="again")
        again = await receive(on_phone)
        assert errors_of(again)[0]["extensions"]["reason"] == "REVOKED"
        # while the tablet's session still receives
        await until_listening(first, channel, 1)
        await first.publisher.to_case("case_1", a_progress_event("case_1"))
        message = await receive(on_tablet)
        assert message["id"] == "c"
        assert message["payload"]["data"]["caseProgress"]["caseId"] == "case_1"


async def test_closing_the_last_subscription_unsubscribes_the_instance(
    two: tuple[Instance, Instance],
) -> None:
    # given
    first, _ = two
    citizen = await signed_in(first)
    channel = account_channel(first.app.state.settings.redis_key_prefix, citizen.account_id)
    async with websocket(first, citizen) as ws:
        await subscribe(ws, NOTIFICATIONS)
        await until_listening(first, channel, 1)
        # when the client completes its subscription
        await ws.send(json.dumps({"id": "1", "type": "complete"}))
        # then the instance leaves the channel
        await until_listening(first, channel, 0)
    assert first.live.open_streams == 0


async def test_a_killed_pubsub_connection_is_reopened_and_subscriptions_resume(
    two: tuple[Instance, Instance],
) -> None:
    # given subscribers on both instances
    first, second = two
    citizen = await signed_in(first)
    channel = account_channel(first.app.state.settings.redis_key_prefix, citizen.account_id)
    async with websocket(first, citizen) as a, websocket(second, citizen) as b:
        await subscribe(a, NOTIFICATIONS)
        await subscribe(b, NOTIFICATIONS)
        await until_listening(first, channel, 2)
        # when Redis drops every pub/sub connection (both instances')
        redis = first.app.state.resources.redis
        subscribers = [c for c in await redis.client_list() if int(c.get("sub", 0)) > 0]
        for client in subscribers:
            await redis.execute_command("CLIENT", "KILL", "ID", client["id"])
        assert len(subscribers) >= 2
        # then both instances subscribe again, and the next notification arrives
        await until_listening(first, channel, 2)
        await first.publisher.to_account(citizen.account_id, a_notification(7))
        for ws in (a, b):
            message = await receive(ws)
            assert message["payload"]["data"]["notificationReceived"]["id"] == "ntf_7"


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """A Redis for this test alone, which the test may stop and start again."""
    server = await asyncio.to_thread(start_redis, None, tmp_path / "redis-logs")
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


async def test_subscriptions_resume_after_redis_restarts(
    settings: Settings, tmp_path: Path, cases: CasesOfOwners, own_redis: ServerProcess
) -> None:
    # given two instances on a Redis of their own, a citizen subscribed on each
    shared = deployment_settings(settings, tmp_path, redis_url=own_redis.url)
    port = int(own_redis.url.rsplit(":", 1)[1].split("/")[0])
    restarted: list[ServerProcess] = []
    try:
        async with serving(shared, cases) as first, serving(shared, cases) as second:
            citizen = await signed_in(first)
            cases.owner_of["case_1"] = citizen.account_id
            channel = case_channel(shared.redis_key_prefix, "case_1")
            async with websocket(first, citizen) as a, websocket(second, citizen) as b:
                await subscribe(a, CASE_PROGRESS, {"caseId": "case_1"})
                await subscribe(b, NOTIFICATIONS)
                await until_listening(first, channel, 1)
                # when Redis stops, stays away a moment, and starts again on its port
                await asyncio.to_thread(own_redis.stop)
                await asyncio.sleep(1.0)
                restarted.append(
                    await asyncio.to_thread(start_redis, None, tmp_path / "redis-logs", port=port)
                )
                # then both instances subscribe again by themselves
                account = account_channel(shared.redis_key_prefix, citizen.account_id)
                await until_listening(first, channel, 1, within=15)
                await until_listening(first, account, 1, within=15)
                await first.publisher.to_case("case_1", a_progress_event("case_1", "completed"))
                await second.publisher.to_account(citizen.account_id, a_notification(9))
                progress = await receive(a)
                assert progress["payload"]["data"]["caseProgress"]["change"] == "completed"
                notification = await receive(b)
                assert notification["payload"]["data"]["notificationReceived"]["id"] == "ntf_9"
    finally:
        for server in restarted:
            await asyncio.to_thread(server.stop)
        await _drop_test_data(settings)


async def test_with_the_products_own_rule_a_case_not_yours_is_refused(
    app: FastAPI, live_server: str
) -> None:
    # given the product's own wiring (the applications' rule: the applicant follows the
    # case), and a signed-in citizen who applied for nothing
    instance = Instance(app, live_server)
    citizen = await signed_in(instance)
    async with websocket(instance, citizen) as ws:
        # when they follow a case id
        await subscribe(ws, CASE_PROGRESS, {"caseId": "case_1"})
        # then it is refused as not found
        refused = await receive(ws)
    assert errors_of(refused)[0]["extensions"] == {"code": "CASE_NOT_FOUND", "field": "caseId"}


async def test_with_the_products_own_rule_the_applicant_follows_their_case_and_no_one_else(
    app: FastAPI, client: httpx.AsyncClient, live_server: str
) -> None:
    # given a citizen's submitted application, and another citizen
    applicant = await real_name_citizen(client, app)
    case_id = (await seal_case(client, app, applicant))["id"]
    stranger = await sign_in(client, app)
    instance = Instance(app, live_server)
    channel = case_channel(app.state.settings.redis_key_prefix, case_id)
    async with websocket(instance, applicant) as mine, websocket(instance, stranger) as theirs:
        # when both follow the case
        await subscribe(theirs, CASE_PROGRESS, {"caseId": case_id})
        refused = await receive(theirs)
        await subscribe(mine, CASE_PROGRESS, {"caseId": case_id})
        await until_listening(instance, channel, 1)
        await instance.publisher.to_case(case_id, a_progress_event(case_id, "accepted"))
        # then the applicant hears its progress, and the stranger is refused
        heard = (await receive(mine))["payload"]["data"]["caseProgress"]
    assert (heard["caseId"], heard["change"]) == (case_id, "accepted")
    assert errors_of(refused)[0]["extensions"] == {"code": "CASE_NOT_FOUND", "field": "caseId"}

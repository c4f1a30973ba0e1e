"""The live relay and service on real Redis, below GraphQL: fan-out, slow subscribers,
session checks during an outage, and the message contract the worker publishes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from app.resources import Resources
from app.settings import Settings
from kit.text import Localized
from notifications.live import (
    EndReason,
    LiveNotification,
    LiveRelay,
    LiveStreamEnded,
    LiveUpdates,
    RedisLivePublisher,
    Refusal,
    account_channel,
    case_channel,
    notification_message,
)


class Sessions:
    """Stand-in for identity's session store: the active ids, or an outage."""

    def __init__(self, *active: str) -> None:
        self.active = set(active)
        self.down = False

    async def active_among(self, session_ids: Collection[str]) -> set[str]:
        """The active ones among ``session_ids``; raises while ``down``."""
        if self.down:
            raise ConnectionError("database down")
        return self.active & set(session_ids)


class EveryCase:
    """Stand-in for the cases' rule: every case may be seen."""

    async def may_see(self, account_id: str, case_id: str) -> bool:
        """True."""
        return True


def a_notification(number: int) -> dict[str, Any]:
    return notification_message(
        LiveNotification(
            id=f"ntf_{number}",
            kind="system.announcement",
            title=Localized("停水通知", "Water cut"),
            body=Localized("芦淞区明日停水", "No water in Lusong tomorrow"),
            category="announcements",
            deep_link="smartzhuzhou://inbox",
            created_at=datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
        )
    )


def updates(resources: Resources, sessions: Sessions, **options: Any) -> LiveUpdates:
    relay = LiveRelay(resources.redis)
    prefix = resources.settings.redis_key_prefix
    return LiveUpdates(relay, sessions, EveryCase(), prefix=prefix, **options)


async def wait_listening(resources: Resources, channels: list[str]) -> None:
    for _ in range(500):
        counts = dict(await resources.redis.pubsub_numsub(*channels))
        if all(counts.get(c.encode()) == 1 for c in channels):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the relay did not subscribe in time")


async def next_of(stream: Any) -> Any:
    return await asyncio.wait_for(anext(stream), 5)


async def test_one_pubsub_connection_serves_every_local_stream(resources: Resources) -> None:
    # given five streams of one instance on three channels
    live = updates(resources, Sessions("ses_1"), session_check_seconds=30)
    prefix = resources.settings.redis_key_prefix
    streams = [
        await live.open_notifications("acc_a", "ses_1"),
        await live.open_notifications("acc_a", "ses_1"),
        await live.open_notifications("acc_b", "ses_1"),
        await live.open_case_progress("acc_a", "ses_1", "case_1"),
        await live.open_case_progress("acc_b", "ses_1", "case_1"),
    ]
    channels = [
        account_channel(prefix, "acc_a"),
        account_channel(prefix, "acc_b"),
        case_channel(prefix, "case_1"),
    ]
    try:
        await wait_listening(resources, channels)
        # then Redis sees one subscribed connection, on the three channels
        subscribed = [c for c in await resources.redis.client_list() if int(c["sub"]) > 0]
        assert [int(c["sub"]) for c in subscribed] == [4]  # with announcements' channel
        # and a message to a channel reaches each stream of it
        publisher = RedisLivePublisher(resources.redis, prefix=prefix)
        assert await publisher.to_account("acc_a", a_notification(1)) == 1
        for stream in streams[:2]:
            assert (await next_of(stream)).id == "ntf_1"
    finally:
        for stream in streams:
            assert not isinstance(stream, Refusal)
            stream.close()
    assert live.open_streams == 0


async def test_a_subscriber_that_falls_behind_ends_too_slow_and_the_others_go_on(
    resources: Resources,
) -> None:
    # given two streams of one account, each holding at most three waiting messages
    live = updates(resources, Sessions("ses_1"), session_check_seconds=30, capacity=3)
    prefix = resources.settings.redis_key_prefix
    reader = await live.open_notifications("acc_a", "ses_1")
    idle = await live.open_notifications("acc_a", "ses_1")
    assert not isinstance(reader, Refusal)
    assert not isinstance(idle, Refusal)
    try:
        await wait_listening(resources, [account_channel(prefix, "acc_a")])
        publisher = RedisLivePublisher(resources.redis, prefix=prefix)
        # when five messages arrive while one stream reads and the other does not
        received = []
        for number in range(1, 6):
            await publisher.to_account("acc_a", a_notification(number))
            received.append((await next_of(reader)).id)
        # then the reader got all five, and the idle one is ended, not left to grow
        assert received == [f"ntf_{n}" for n in range(1, 6)]
        with pytest.raises(LiveStreamEnded) as ended:
            await next_of(idle)
        assert ended.value.reason is EndReason.TOO_SLOW
    finally:
        reader.close()
        idle.close()


async def test_an_outage_of_the_session_check_ends_nothing_and_a_revocation_then_does(
    resources: Resources,
) -> None:
    # given a stream, with the session store down
    sessions = Sessions("ses_1")
    live = updates(resources, sessions, session_check_seconds=0.05)
    stream = await live.open_notifications("acc_a", "ses_1")
    assert not isinstance(stream, Refusal)
    try:
        sessions.down = True
        await asyncio.sleep(0.3)
        # then the stream is still open
        assert stream.ended is None
        # when the store answers again, with the session revoked
        sessions.active.clear()
        sessions.down = False
        # then the stream ends at the next check
        with pytest.raises(LiveStreamEnded) as ended:
            await next_of(stream)
        assert ended.value.reason is EndReason.SESSION_ENDED
    finally:
        stream.close()


async def test_the_publisher_sends_the_documented_json(resources: Resources) -> None:
    # given a raw subscriber, as any instance is
    prefix = resources.settings.redis_key_prefix
    pubsub = resources.redis.pubsub()
    await pubsub.subscribe(account_channel(prefix, "acc_a"), case_channel(prefix, "case_1"))
    publisher = RedisLivePublisher(resources.redis, prefix=prefix)
    try:
        # when the worker publishes a notification and a case event (datetimes as objects)
        await publisher.to_account("acc_a", a_notification(1))
        await publisher.to_case(
            "case_1",
            {
                "kind": "applications.case.accepted",
                "occurredAt": datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
                "case_id": "case_1",
                "reference": "ZZ20261202-000123",
                "sub_case_id": None,
                "department": None,
                "item_code": "430200-SCJG-002",
                "bundle_code": None,
                "state": "accepted",
            },
        )
        # then each arrives as compact UTF-8 JSON, datetimes in ISO 8601 with offset
        messages: list[bytes] = []
        while len(messages) < 2:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
            if message is not None:
                messages.append(message["data"])
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
    assert json.loads(messages[0]) == {
        "type": "notification",
        "id": "ntf_1",
        "kind": "system.announcement",
        "category": "announcements",
        "urgent": False,
        "title": {"zh": "停水通知", "en": "Water cut"},
        "body": {"zh": "芦淞区明日停水", "en": "No water in Lusong tomorrow"},
        "deepLink": "smartzhuzhou://inbox",
        "createdAt": "2026-12-02T08:00:00+00:00",
    }
    assert "停水通知".encode() in messages[0]  # UTF-8, not \u escapes
    assert b": " not in messages[0]
    assert json.loads(messages[1])["occurredAt"] == "2026-12-02T08:00:00+00:00"
    # and a naive datetime is refused before anything is sent
    with pytest.raises(ValueError, match="timezone-aware"):
        await publisher.to_case("case_1", {"occurredAt": datetime(2026, 12, 2, 8, 0)})


@pytest.mark.parametrize("seconds", [0, -1, 60.5, 3600])
def test_sessions_are_checked_at_least_every_minute(seconds: float) -> None:
    with pytest.raises(ValidationError, match="live_session_check_seconds"):
        Settings(_env_file=None, live_session_check_seconds=seconds)

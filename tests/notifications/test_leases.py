"""Leases renewed while work outlives them: an outbox event whose handling lasts longer
than its lease, and a push batch whose sending lasts longer than its deliveries' lease,
stay with the worker at it; a second worker trying meanwhile gets nothing (real
SecantusDB, Redis, and firebase-admin against the fake FCM; the lease is 3 s here, so
that a loaded machine's pauses stay well within the time between two renewals)."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Mapping
from typing import Any

import pytest
from fastapi import FastAPI

from app.services import wire_notifications
from kit.text import Localized
from notifications.adapters.redis_live import RedisLivePublisher
from notifications.services.devices import DeviceService
from notifications.services.operations import OperationsService
from notifications.services.worker import NotificationWorker
from tests.notifications.conftest import append, case_event, delivery_statuses, worker_of
from tests.notifications.fake_google import FakeGoogleServer

LEASE = 3.0
ANSWER = 1.5
"""Seconds the fake FCM takes per answer in the batch test (one chunk each)."""
LEASES = [{"notification_lease_seconds": LEASE, "notification_max_attempts": 20}]


class SlowLive(RedisLivePublisher):
    """Live messages over Redis that take ``delay`` seconds to go out (a slow Redis): the
    fan-out publishes them last, so its event is handled for that long."""

    def __init__(self, app: FastAPI, delay: float) -> None:
        super().__init__(app.state.resources.redis, prefix=app.state.settings.redis_key_prefix)
        self._delay = delay

    async def to_accounts(self, messages: Mapping[str, Mapping[str, Any]]) -> None:
        await asyncio.sleep(self._delay)
        await super().to_accounts(messages)


def another_worker(
    app: FastAPI, name: str, *, live: RedisLivePublisher | None = None
) -> NotificationWorker:
    """A second worker over the same servers and settings, wired as another process
    wires its own (``live`` replaces its live publisher)."""
    wired = wire_notifications(app.state.resources, live=live)
    [worker] = [s for s in wired.services if isinstance(s, NotificationWorker)]
    worker.name = name
    return worker


@pytest.mark.parametrize("push_changes", LEASES)
async def test_an_event_handled_longer_than_its_lease_is_not_taken_by_a_second_worker(
    push_app: FastAPI,
) -> None:
    # given a worker whose handling of an event lasts twice its lease, and another worker
    slow = another_worker(push_app, "slow-worker", live=SlowLive(push_app, 2 * LEASE))
    other = another_worker(push_app, "other-worker")
    await append(push_app, case_event("acc_1"))
    outbox = push_app.state.resources.database["outbox"]
    loop = asyncio.get_running_loop()
    started = loop.time()
    handling = asyncio.create_task(slow.handle_one_event())
    # when the other worker tries again and again once the first lease has run out
    tries: list[bool] = []
    while not handling.done():
        if loop.time() - started > 1.25 * LEASE:
            tries.append(await other.handle_one_event())
        await asyncio.sleep(0.1)
    # then the slow worker finished the event, and the other never got it
    assert await handling is True
    assert tries, "the other worker never tried while the event was handled"
    assert not any(tries)
    [event] = [doc async for doc in outbox.find()]
    assert (event["status"], event["claimed_by"], event["attempts"]) == ("done", "slow-worker", 1)
    assert await push_app.state.resources.database["notifications"].count_documents({}) == 1


@pytest.mark.parametrize("push_changes", LEASES)
async def test_a_batch_sent_longer_than_its_lease_is_not_sent_again_by_a_second_worker(
    push_app: FastAPI, fake_google: FakeGoogleServer
) -> None:
    # given 150 phones (three chunks), an FCM that takes 1.5 s per answer (the batch takes
    # about 4.5 s, its deliveries' lease 3 s), and an announcement fanned out into one batch
    devices = push_app.state.services.get(DeviceService)
    tokens = [f"phone-{n:03d}" for n in range(150)]
    for n, token in enumerate(tokens):
        await devices.register(
            f"acc_{n:03d}", token=token, platform="android", app_version="1", locale="en"
        )
    await push_app.state.services.get(OperationsService).announce(
        Localized("停水通知", "Water outage"), Localized("明日停水", "No water tomorrow")
    )
    first = worker_of(push_app)
    assert await first.handle_one_event()
    fake_google.app.delay = ANSWER
    other = another_worker(push_app, "other-worker")
    loop = asyncio.get_running_loop()
    started = loop.time()
    sending = asyncio.create_task(first.handle_push_batches())
    # when the other worker, once the first lease has run out, takes the batch over
    # from the queue again and again (its entry idles past the retry backoff)
    taken: list[bool] = []
    while not sending.done():
        if loop.time() - started > 1.1 * LEASE:
            taken.append(await other.handle_push_batches())
        await asyncio.sleep(0.05)
    await sending
    # then it was handed the batch, but claimed none of its deliveries: the first
    # worker's chunk writes had renewed their lease
    assert any(taken), "the other worker was never handed the batch while it was sent"
    received = collections.Counter(m["token"] for m in fake_google.app.messages)
    assert received == dict.fromkeys(tokens, 1)
    assert await delivery_statuses(push_app) == [("accepted", None)] * len(tokens)

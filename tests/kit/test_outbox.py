"""The transactional outbox on a real MongoDB-wire server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession

from app.resources import Resources
from kit.outbox import OutboxEvent
from kit.outbox_repository import OutboxRepository

LEASE = timedelta(seconds=30)


class _Failed(Exception):
    """Raised on purpose inside a transaction."""


async def _outbox(resources: Resources) -> OutboxRepository:
    outbox = OutboxRepository(resources.database, max_attempts=3)
    await outbox.ensure_indexes()
    await resources.database["cases"].insert_one({"_id": "case-1", "state": "draft"})
    return outbox


async def _submit(resources: Resources, outbox: OutboxRepository, *, fail: bool) -> None:
    async def submit(session: AsyncClientSession) -> None:
        await resources.database["cases"].update_one(
            {"_id": "case-1"}, {"$set": {"state": "submitted"}}, session=session
        )
        await outbox.append(
            OutboxEvent(kind="applications.case.submitted", subject="case-1", audience=("acc_1",)),
            session=session,
        )
        if fail:
            raise _Failed

    async with resources.mongo.start_session() as session:
        await session.with_transaction(submit)


async def test_an_event_is_recorded_with_its_change_or_not_at_all(resources: Resources) -> None:
    # given
    outbox = await _outbox(resources)
    now = datetime.now(UTC)
    # when a change fails midway
    with pytest.raises(_Failed):
        await _submit(resources, outbox, fail=True)
    # then neither the change nor its event is there
    assert (await resources.database["cases"].find_one({"_id": "case-1"}) or {})["state"] == "draft"
    assert await outbox.claim("w1", now=now, lease=LEASE) is None
    # and when it succeeds, both are
    await _submit(resources, outbox, fail=False)
    claimed = await outbox.claim("w1", now=datetime.now(UTC), lease=LEASE)
    assert claimed is not None
    assert (claimed.event.kind, claimed.event.subject, claimed.event.audience) == (
        "applications.case.submitted",
        "case-1",
        ("acc_1",),
    )
    assert claimed.attempts == 1


async def test_concurrent_workers_claim_each_event_once(resources: Resources) -> None:
    # given five events
    outbox = OutboxRepository(resources.database)
    await outbox.ensure_indexes()
    for i in range(5):
        await outbox.append(OutboxEvent(kind="system.announcement", subject=f"a{i}"), session=None)
    now = datetime.now(UTC) + timedelta(seconds=1)
    # when ten workers claim at once
    claims = await asyncio.gather(*(outbox.claim(f"w{i}", now=now, lease=LEASE) for i in range(10)))
    # then each event went to exactly one worker
    subjects = sorted(c.event.subject for c in claims if c is not None)
    assert subjects == [f"a{i}" for i in range(5)]


async def test_an_expired_lease_is_claimed_again_and_the_old_worker_cannot_complete(
    resources: Resources,
) -> None:
    # given an event leased to a worker that then died
    outbox = OutboxRepository(resources.database)
    await outbox.append(OutboxEvent(kind="k", subject="s"), session=None)
    now = datetime.now(UTC) + timedelta(seconds=1)
    first = await outbox.claim("dead-worker", now=now, lease=LEASE)
    assert first is not None
    assert await outbox.claim("w2", now=now, lease=LEASE) is None
    # when the lease runs out
    later = now + LEASE + timedelta(seconds=1)
    second = await outbox.claim("w2", now=later, lease=LEASE)
    # then another worker gets it, and only that worker can complete it
    assert second is not None
    assert second.event.id == first.event.id
    assert second.attempts == 2
    assert not await outbox.complete(first.event.id, "dead-worker", now=later)
    assert await outbox.complete(first.event.id, "w2", now=later)
    assert await outbox.claim("w3", now=later + LEASE * 3, lease=LEASE) is None


async def test_a_failing_event_is_retried_later_then_given_up(resources: Resources) -> None:
    # given an event whose delivery keeps failing
    outbox = OutboxRepository(resources.database, max_attempts=2)
    await outbox.append(OutboxEvent(kind="k", subject="s"), session=None)
    now = datetime.now(UTC) + timedelta(seconds=1)
    claimed = await outbox.claim("w", now=now, lease=LEASE)
    assert claimed is not None
    # when it fails, it waits until its retry time
    retry_at = now + timedelta(minutes=1)
    assert await outbox.retry_later(claimed.event.id, "w", at=retry_at, error="fcm down") == (
        "pending"
    )
    assert await outbox.claim("w", now=now, lease=LEASE) is None
    again = await outbox.claim("w", now=retry_at, lease=LEASE)
    assert again is not None
    # then after the last attempt it is dead, not retried forever
    assert await outbox.retry_later(again.event.id, "w", at=retry_at, error="fcm down") == "dead"
    assert await outbox.claim("w", now=retry_at + timedelta(days=1), lease=LEASE) is None

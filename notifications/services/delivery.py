"""Sends one queued batch of deliveries through its push channels (the second half of
the worker), records each outcome, and decides whether the batch is done.

A batch is acknowledged when none of its deliveries waits any more; a delivery failed
for now (quota, outage) stays ``retrying`` and the batch unacknowledged, so the queue
hands it out again after an exponential backoff with jitter; after the last attempt
what still waits is dead-lettered. A device whose token the provider says is gone is
removed at once.

Kill -9 and duplicates: FCM's send API takes no idempotency key, so a message FCM
accepted whose answer the worker did not live to record is sent again by the worker
that takes the batch over. Delivery is therefore at-least-once, and what the user sees
is made exactly-once on the phone: every message carries its notification id as the
Android ``tag`` and the APNs collapse id, so a second copy replaces the first. The
window of such re-sends is kept small: messages go out in chunks of ``IN_FLIGHT``, and
each chunk's outcomes are written (one bulk write) as soon as its answers are in, while
the next chunk is on its way; at most two chunks are sent-but-unrecorded at any time.
A chunk write also renews the lease of the batch's unsent rest, once a third of the lease
has passed since it was last set (by the claim or a renewal): a batch sent for longer
than its lease stays with its worker (tests/notifications/test_leases.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    PushMessage,
    PushOutcome,
    PushResult,
)
from notifications.ports import PushChannel, PushQueue, QueuedBatch
from notifications.repositories.deliveries import DeliveryRepository, Outcome
from notifications.repositories.devices import DeviceRepository
from notifications.repositories.inbox import InboxRepository
from notifications.services import Clock, utc_now
from notifications.services.inbox import InboxService

logger = logging.getLogger("notifications.delivery")

IN_FLIGHT = 50
"""Messages sent at once per batch: the bound on re-sends when a worker dies (at most
twice this many: one chunk at the provider, the one before it being recorded)."""

STATUS_OF = {
    PushOutcome.ACCEPTED: DeliveryStatus.ACCEPTED,
    PushOutcome.RETRY: DeliveryStatus.RETRYING,
    PushOutcome.FAILED: DeliveryStatus.FAILED,
    PushOutcome.TOKEN_GONE: DeliveryStatus.FAILED,
}

FINAL = frozenset({DeliveryStatus.ACCEPTED, DeliveryStatus.FAILED})
"""Outcomes after which a delivery never waits again."""


class _Claim:
    """One batch's claim while it is sent: its token, the devices of its deliveries, those
    not recorded yet, and when their lease was last set."""

    def __init__(self, token: str, claimed: Sequence[Delivery], at: datetime) -> None:
        self.token = token
        self.targets = {d.id: d.target for d in claimed}
        self.unsent = set(self.targets)
        self.renewed_at = at
        self.settled = True
        """Every outcome written so far was recorded under this claim, and is final."""


class PushDelivery:
    """Processes batches from the push queue."""

    def __init__(
        self,
        deliveries: DeliveryRepository,
        devices: DeviceRepository,
        inbox: InboxRepository,
        inbox_service: InboxService,
        *,
        queue: PushQueue,
        channels: Sequence[PushChannel],
        lease: timedelta,
        max_attempts: int,
        in_flight: int = IN_FLIGHT,
        clock: Clock = utc_now,
    ) -> None:
        self._deliveries = deliveries
        self._devices = devices
        self._inbox = inbox
        self._inbox_service = inbox_service
        self._queue = queue
        self._channels = {c.channel: c for c in channels}
        self._lease = lease
        self._max_attempts = max_attempts
        self._in_flight = in_flight
        self._clock = clock

    async def process(self, batch: QueuedBatch) -> None:
        """Send what is due in ``batch``, record outcomes, then acknowledge it or leave it
        for a retry."""
        now = self._clock()
        claim, claimed = await self._deliveries.claim(
            batch.delivery_ids, now=now, lease=self._lease
        )
        if claimed:
            sent = _Claim(claim, claimed, now)
            await self._send(sent, claimed)
            if sent.settled and not sent.unsent and len(claimed) == len(set(batch.delivery_ids)):
                # Every delivery of the batch was ours and is recorded accepted or failed
                # for good (no other worker can claim those): nothing waits, no read.
                await self._queue.ack(batch)
                return
        waiting = await self._deliveries.unfinished(batch.delivery_ids)
        if not waiting:
            await self._queue.ack(batch)
            return
        in_flight = [d for d in waiting if d.status is DeliveryStatus.SENT]
        if batch.deliveries >= self._max_attempts:
            buried = await self._deliveries.bury([d.id for d in waiting], now=self._clock())
            if buried:
                logger.warning(
                    "notifications.delivery.dead_lettered count=%d entry=%s", buried, batch.entry_id
                )
            if not in_flight:
                await self._queue.ack(batch)

    async def _send(self, claim: _Claim, claimed: Sequence[Delivery]) -> None:
        """Send ``claimed`` chunk by chunk, recording each chunk's outcomes as they come."""
        devices = await self._devices.by_ids(sorted({d.target for d in claimed}))
        entries = await self._inbox.by_ids(sorted({d.notification_id for d in claimed}))
        texts = await self._inbox_service.rendered(list(entries.values()))
        outcomes: list[Outcome] = []
        messages: dict[Channel, list[PushMessage]] = defaultdict(list)
        for delivery in claimed:
            device = devices.get(delivery.target)
            entry = entries.get(delivery.notification_id)
            channel = self._channels.get(delivery.channel)
            if device is None or entry is None or channel is None:
                reason = "DEVICE_REMOVED" if device is None else "NOT_SENDABLE"
                outcomes.append(Outcome(delivery.id, DeliveryStatus.FAILED, reason))
                continue
            text = texts[entry.id]
            english = device.locale == "en"
            messages[delivery.channel].append(
                PushMessage(
                    delivery_id=delivery.id,
                    token=device.token,
                    platform=device.platform,
                    title=text.title.en if english else text.title.zh,
                    body=text.body.en if english else text.body.zh,
                    deep_link=text.deep_link,
                    notification_id=entry.id,
                    kind=entry.kind,
                    collapse_key=str(entry.params.get("case_id") or entry.id),
                    urgent=entry.urgent,
                    data={"category": entry.category.value},
                )
            )
        recording = asyncio.create_task(self._record(claim, outcomes))
        for channel_name, batch in messages.items():
            for start in range(0, len(batch), self._in_flight):
                chunk = batch[start : start + self._in_flight]
                results = await self._channels[channel_name].send(chunk)
                await recording  # the chunk before: written while this one was sent
                recording = asyncio.create_task(self._record(claim, results))
        await recording

    async def _record(self, claim: _Claim, results: Sequence[PushResult | Outcome]) -> None:
        """One bulk write of outcomes, renewing the lease of the claim's unsent rest once a
        third of it has passed; devices whose token is gone removed."""
        outcomes = [
            r
            if isinstance(r, Outcome)
            else Outcome(r.delivery_id, STATUS_OF[r.outcome], r.reason, r.provider_id)
            for r in results
        ]
        now = self._clock()
        claim.unsent.difference_update(o.id for o in outcomes)
        renew: list[str] = []
        if claim.unsent and now - claim.renewed_at >= self._lease / 3:
            renew, claim.renewed_at = sorted(claim.unsent), now
        recorded = await self._deliveries.finish(
            claim.token, outcomes, now=now, renew=renew, renew_until=now + self._lease
        )
        if recorded != len(outcomes) or any(o.status not in FINAL for o in outcomes):
            claim.settled = False
        gone = [
            claim.targets[r.delivery_id]
            for r in results
            if isinstance(r, PushResult) and r.outcome is PushOutcome.TOKEN_GONE
        ]
        if gone:
            removed = await self._devices.remove(gone)
            logger.info("notifications.push.token_unregistered removed=%d", removed)

"""Turns one outbox event into notifications: inbox entries, live messages and push
deliveries for its audience (the first half of the worker).

Everything is keyed by idempotency keys (the notification id is derived from the event
and the account, the delivery id from the notification, channel and device), so an event
handled twice (a worker died before completing it) creates nothing twice. An
announcement (audience: everyone) writes ONE inbox entry and walks the devices in pages,
never one row per citizen in the inbox.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kit.outbox import OutboxEvent
from notifications.models import (
    BROADCAST,
    CITY_TIMEZONE,
    Device,
    Notification,
    Preferences,
    Rendered,
    delivery_id,
    notification_id,
)
from notifications.ports import LivePublisher, PushChannel, PushQueue
from notifications.repositories.deliveries import DeliveryRepository, NewDelivery
from notifications.repositories.devices import DeviceRepository
from notifications.repositories.inbox import InboxRepository
from notifications.repositories.preferences import PreferenceRepository
from notifications.services import Clock, utc_now
from notifications.services.inbox import InboxService
from notifications.templates import Template, template_for

logger = logging.getLogger("notifications.fanout")

BATCH = 500
"""Deliveries per queued batch (FCM's per-call maximum)."""
CITY = ZoneInfo(CITY_TIMEZONE)


def held_until(preferences: Preferences, now: datetime, *, urgent: bool) -> datetime | None:
    """When a non-urgent push may go out, if ``now`` is within quiet hours; else ``None``."""
    quiet = preferences.quiet_hours
    if urgent or quiet is None:
        return None
    local = now.astimezone(CITY)
    if not quiet.contains(local.time()):
        return None
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(now.tzinfo)


def live_message(entry: Notification, text: Rendered) -> dict[str, Any]:
    """The JSON a live subscription receives for a new notification."""
    return {
        "type": "notification",
        "id": entry.id,
        "kind": entry.kind,
        "category": entry.category.value,
        "urgent": entry.urgent,
        "createdAt": entry.created_at.isoformat(),
        "title": {"zh": text.title.zh, "en": text.title.en},
        "body": {"zh": text.body.zh, "en": text.body.en},
        "deepLink": text.deep_link,
    }


class FanOut:
    """Handles one outbox event (shared by every worker loop)."""

    def __init__(
        self,
        inbox: InboxRepository,
        inbox_service: InboxService,
        devices: DeviceRepository,
        deliveries: DeliveryRepository,
        preferences: PreferenceRepository,
        *,
        live: LivePublisher,
        queue: PushQueue,
        channels: Sequence[PushChannel],
        clock: Clock = utc_now,
    ) -> None:
        self._inbox = inbox
        self._inbox_service = inbox_service
        self._devices = devices
        self._deliveries = deliveries
        self._preferences = preferences
        self._live = live
        self._queue = queue
        self._channels = {platform: c for c in channels for platform in c.platforms}
        self._clock = clock

    async def handle(self, event: OutboxEvent) -> int:
        """Notify the event's audience; returns the number of push deliveries queued."""
        template = template_for(event.kind)
        if template is None:
            logger.info("notifications.fanout.no_template kind=%s", event.kind)
            return 0
        if event.kind == "system.announcement":
            return await self._announce(event, template)
        if not event.audience:
            return 0
        entries = [
            Notification(
                id=notification_id(event.id, account_id),
                account_id=account_id,
                event_id=event.id,
                kind=event.kind,
                category=template.category,
                urgent=template.urgent,
                params=dict(event.payload),
                created_at=event.occurred_at,
            )
            for account_id in dict.fromkeys(event.audience)
        ]
        await self._inbox.add_all(entries)
        texts = await self._inbox_service.rendered(entries)
        by_account = {e.account_id: e for e in entries}
        queued = await self._push(
            await self._devices.of_accounts(list(by_account)), by_account, template
        )
        # Live last: a subscriber that hears of a notification finds it in the inbox.
        await self._live.to_accounts({e.account_id: live_message(e, texts[e.id]) for e in entries})
        if event.kind.startswith("applications.case.") and event.payload.get("case_id"):
            await self._live.to_case(str(event.payload["case_id"]), _case_message(event))
        return queued

    async def _announce(self, event: OutboxEvent, template: Template) -> int:
        entry = Notification(
            id=notification_id(event.id, BROADCAST),
            account_id=BROADCAST,
            event_id=event.id,
            kind=event.kind,
            category=template.category,
            urgent=template.urgent,
            params=dict(event.payload),
            created_at=event.occurred_at,
        )
        await self._inbox.add_all([entry])
        texts = await self._inbox_service.rendered([entry])
        queued, after = 0, None
        while True:
            devices = await self._devices.page(after=after, limit=BATCH)
            if not devices:
                break
            after = devices[-1].id
            queued += await self._push(devices, _Everyone(entry), template)
        await self._live.to_everyone(live_message(entry, texts[entry.id]))
        return queued

    async def _push(
        self, devices: Sequence[Device], entries: Mapping[str, Notification], template: Template
    ) -> int:
        """Create the deliveries of ``devices`` (muted categories skipped, quiet hours held)
        and queue them in batches."""
        reachable = [d for d in devices if d.platform in self._channels]
        if not reachable:
            return 0
        preferences = await self._preferences.of(sorted({d.account_id for d in reachable}))
        now = self._clock()
        new: list[NewDelivery] = []
        for device in reachable:
            wanted = preferences[device.account_id]
            if template.category in wanted.muted:
                continue
            entry = entries[device.account_id]
            channel = self._channels[device.platform].channel
            new.append(
                NewDelivery(
                    id=delivery_id(entry.id, channel, device.id),
                    notification_id=entry.id,
                    account_id=device.account_id,
                    channel=channel,
                    target=device.id,
                    not_before=held_until(wanted, now, urgent=template.urgent),
                )
            )
        await self._deliveries.add_all(new, now=now)
        due = [d.id for d in new if d.not_before is None]
        for start in range(0, len(due), BATCH):
            await self._queue.enqueue(due[start : start + BATCH])
        return len(due)


class _Everyone(Mapping[str, Notification]):
    """The one announcement entry, whoever the device's account."""

    def __init__(self, entry: Notification) -> None:
        self._entry = entry

    def __getitem__(self, key: str) -> Notification:
        return self._entry

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0


def _case_message(event: OutboxEvent) -> dict[str, Any]:
    payload = event.payload
    return {
        "type": "case_progress",
        "eventId": event.id,
        "kind": event.kind,
        "change": event.kind.rsplit(".", 1)[-1],
        "caseId": payload.get("case_id"),
        "reference": payload.get("reference"),
        "subCaseId": payload.get("sub_case_id"),
        "department": payload.get("department"),
        "state": payload.get("state"),
        "occurredAt": event.occurred_at.isoformat(),
    }

"""Domain records to GraphQL types (shared by the notifications resolvers)."""

from __future__ import annotations

from collections.abc import Sequence

from notifications import models
from notifications.services.inbox import InboxService
from resolvers.context import Info
from schema.common import LocalizedText
from schema.identity import DevicePlatform
from schema.notifications import (
    Notification,
    NotificationCategory,
    NotificationChannel,
    NotificationDelivery,
    NotificationDeliveryStatus,
    NotificationPreferences,
    PushDevice,
    QuietHours,
)


def delivery_type(delivery: models.Delivery) -> NotificationDelivery:
    """The GraphQL view of a delivery."""
    return NotificationDelivery(
        channel=NotificationChannel(delivery.channel.value),
        status=NotificationDeliveryStatus(delivery.status.value),
        reason=delivery.reason,
        attempts=delivery.attempts,
        device_id=None if delivery.channel is models.Channel.INBOX else delivery.target,
        updated_at=delivery.updated_at,
    )


async def notification_types(
    info: Info, account_id: str, entries: Sequence[models.Notification]
) -> list[Notification]:
    """GraphQL views of a page of entries: texts and deliveries in one query each."""
    service = info.context.service(InboxService)
    texts = await service.rendered(entries)
    deliveries = await service.deliveries_of(account_id, entries)
    return [
        Notification(
            id=entry.id,
            kind=entry.kind,
            category=NotificationCategory(entry.category.value),
            urgent=entry.urgent,
            title=LocalizedText(zh=texts[entry.id].title.zh, en=texts[entry.id].title.en),
            body=LocalizedText(zh=texts[entry.id].body.zh, en=texts[entry.id].body.en),
            deep_link=texts[entry.id].deep_link,
            created_at=entry.created_at,
            read_at=entry.read_at,
            deliveries=[delivery_type(d) for d in deliveries[entry.id]],
        )
        for entry in entries
    ]


def preferences_type(preferences: models.Preferences) -> NotificationPreferences:
    """The GraphQL view of preferences."""
    quiet = preferences.quiet_hours
    return NotificationPreferences(
        muted_categories=[
            NotificationCategory(c.value) for c in sorted(preferences.muted, key=str)
        ],
        quiet_hours=None
        if quiet is None
        else QuietHours(start=quiet.start.isoformat("minutes"), end=quiet.end.isoformat("minutes")),
    )


def device_type(device: models.Device) -> PushDevice:
    """The GraphQL view of a device (never its token)."""
    return PushDevice(
        id=device.id,
        platform=DevicePlatform(device.platform),
        app_version=device.app_version,
        locale=device.locale,
        last_seen_at=device.last_seen_at,
    )

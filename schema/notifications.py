"""GraphQL types of notifications: the inbox, delivery statuses, preferences, devices."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from schema.common import LocalizedText
from schema.identity import DevicePlatform
from schema.officers import RoleRequired
from schema.payloads import (
    AuthenticationRequired,
    InvalidInput,
    ServiceUnavailable,
    StepUpRequired,
)


@strawberry.enum(description="What a notification is about; push can be muted per category.")
class NotificationCategory(Enum):
    """Notification categories."""

    CASES = strawberry.enum_value("cases", description="Progress of your applications.")
    DISPUTES = strawberry.enum_value("disputes", description="Answers to correction requests.")
    LICENCES = strawberry.enum_value(
        "licences", description="Your electronic licences: issued, suspended, expiring …"
    )
    SECURITY = strawberry.enum_value(
        "security", description="Sign-ins from new devices (cannot be muted)."
    )
    ANNOUNCEMENTS = strawberry.enum_value(
        "announcements", description="Announcements of the city to everyone."
    )


@strawberry.enum(description="Where a notification is delivered.")
class NotificationChannel(Enum):
    """Delivery channels."""

    INBOX = strawberry.enum_value("inbox", description="The in-app inbox (`me.notifications`).")
    FCM = strawberry.enum_value("fcm", description="Push through Firebase Cloud Messaging.")
    WECHAT = strawberry.enum_value("wechat", description="WeChat subscription message.")


@strawberry.enum(description="Where one delivery stands.")
class NotificationDeliveryStatus(Enum):
    """Delivery statuses (after GOV.UK Notify's)."""

    QUEUED = strawberry.enum_value("queued", description="Waiting to be sent.")
    HELD = strawberry.enum_value("held", description="Waiting out your quiet hours.")
    SENT = strawberry.enum_value("sent", description="Handed to the provider; no answer yet.")
    ACCEPTED = strawberry.enum_value("accepted", description="Accepted by the provider.")
    RETRYING = strawberry.enum_value(
        "retrying", description="Failed for now (see `reason`); will be tried again."
    )
    FAILED = strawberry.enum_value("failed", description="Failed for good (see `reason`).")
    DEAD = strawberry.enum_value(
        "dead", description="Failed on every retry; waiting for an operator."
    )
    READ = strawberry.enum_value("read", description="Read in the inbox.")


@strawberry.type(description="One delivery of a notification on one channel (to one device).")
class NotificationDelivery:
    """A delivery and its status."""

    channel: NotificationChannel = strawberry.field(description="The channel.")
    status: NotificationDeliveryStatus = strawberry.field(description="Where it stands.")
    reason: str | None = strawberry.field(
        description="Why it failed or is retried (provider code, e.g. `UNREGISTERED`)."
    )
    attempts: int = strawberry.field(description="Sending attempts so far.")
    device_id: str | None = strawberry.field(description="The device (push channels).")
    updated_at: datetime = strawberry.field(description="When the status last changed (UTC).")


@strawberry.type(description="A notification in your inbox.")
class Notification:
    """One inbox entry."""

    id: str = strawberry.field(description="Notification id (the same on every channel).")
    kind: str = strawberry.field(
        description="The event it reports, e.g. `applications.case.approved`."
    )
    category: NotificationCategory = strawberry.field(description="Its category.")
    urgent: bool = strawberry.field(description="Urgent: pushed even in quiet hours.")
    title: LocalizedText = strawberry.field(description="Title, zh-CN and en.")
    body: LocalizedText = strawberry.field(description="Text, zh-CN and en.")
    deep_link: str = strawberry.field(
        description="Where the app opens it, e.g. `smartzhuzhou://cases/<caseId>`."
    )
    created_at: datetime = strawberry.field(description="When it happened (UTC).")
    read_at: datetime | None = strawberry.field(description="When you read it; null: unread.")
    deliveries: list[NotificationDelivery] = strawberry.field(
        description="Its deliveries to you: the inbox, then each push to each device."
    )


@strawberry.type(description="A daily window (city time, HH:MM) when non-urgent pushes wait.")
class QuietHours:
    """Quiet hours."""

    start: str = strawberry.field(description="Start, HH:MM (Asia/Shanghai).")
    end: str = strawberry.field(description="End, HH:MM (may be the next day).")


@strawberry.input(description="Quiet hours to set (city time, HH:MM).")
class QuietHoursInput:
    """Quiet hours input."""

    start: str = strawberry.field(description="Start, HH:MM.")
    end: str = strawberry.field(description="End, HH:MM (different from start).")


@strawberry.type(description="Your notification choices.")
class NotificationPreferences:
    """Preferences."""

    muted_categories: list[NotificationCategory] = strawberry.field(
        description="Categories you get no push for (the inbox still has them)."
    )
    quiet_hours: QuietHours | None = strawberry.field(
        description="When non-urgent pushes wait; null: none."
    )


@strawberry.type(description="A device registered for push notifications.")
class PushDevice:
    """A registered device."""

    id: str = strawberry.field(description="Device id.")
    platform: DevicePlatform = strawberry.field(description="Its platform.")
    app_version: str = strawberry.field(description="App version it reported.")
    locale: str = strawberry.field(description="Language of its pushes (`zh-CN` or `en`).")
    last_seen_at: datetime = strawberry.field(description="Last registration (UTC).")


@strawberry.type(description="The device receives push notifications.")
class DeviceRegistered:
    """`registerDevice` succeeded."""

    device: PushDevice = strawberry.field(description="The device.")


@strawberry.type(description="The device receives no more push notifications.")
class DeviceUnregistered:
    """`unregisterDevice` answered."""

    removed: bool = strawberry.field(description="False when you had no device with that token.")


@strawberry.type(description="Notifications marked read.")
class NotificationsMarkedRead:
    """Read marks set."""

    marked: int = strawberry.field(description="How many were unread and are now read.")
    unread_count: int = strawberry.field(description="Your unread notifications now.")


@strawberry.type(description="Your preferences are saved.")
class NotificationPreferencesUpdated:
    """`updateNotificationPreferences` succeeded."""

    preferences: NotificationPreferences = strawberry.field(description="Your preferences now.")


@strawberry.type(description="The announcement is queued for everyone.")
class AnnouncementPublished:
    """`publishAnnouncement` succeeded."""

    id: str = strawberry.field(description="Announcement id.")


@strawberry.type(description="Dead-lettered deliveries are queued again.")
class DeadLettersRequeued:
    """`retryNotificationDeadLetters` answered."""

    requeued: int = strawberry.field(description="How many were dead-lettered and are queued.")


@strawberry.type(description="A dead-lettered delivery (operators' view).")
class DeadLetter:
    """A delivery that failed on every retry."""

    id: str = strawberry.field(description="Delivery id (its idempotency key).")
    notification_id: str = strawberry.field(description="The notification.")
    channel: NotificationChannel = strawberry.field(description="The channel.")
    reason: str | None = strawberry.field(description="The last failure.")
    attempts: int = strawberry.field(description="Attempts made.")
    updated_at: datetime = strawberry.field(description="When it was dead-lettered (UTC).")


_SIGNED_IN = AuthenticationRequired | StepUpRequired | ServiceUnavailable

RegisterDevicePayload = Annotated[
    DeviceRegistered | InvalidInput | _SIGNED_IN,
    strawberry.union(
        "RegisterDevicePayload",
        description="Result of `registerDevice`: `InvalidInput` with code "
        "`INVALID_DEVICE_TOKEN` or `UNSUPPORTED_PLATFORM`.",
    ),
]
UnregisterDevicePayload = Annotated[
    DeviceUnregistered | InvalidInput | _SIGNED_IN,
    strawberry.union("UnregisterDevicePayload", description="Result of `unregisterDevice`."),
]
MarkNotificationsReadPayload = Annotated[
    NotificationsMarkedRead | InvalidInput | _SIGNED_IN,
    strawberry.union(
        "MarkNotificationsReadPayload",
        description="Result of `markNotificationsRead` and `markAllNotificationsRead`.",
    ),
]
UpdateNotificationPreferencesPayload = Annotated[
    NotificationPreferencesUpdated | InvalidInput | _SIGNED_IN,
    strawberry.union(
        "UpdateNotificationPreferencesPayload",
        description="Result of `updateNotificationPreferences`: `InvalidInput` with code "
        "`CATEGORY_NOT_MUTABLE` or `INVALID_QUIET_HOURS`.",
    ),
]
PublishAnnouncementPayload = Annotated[
    AnnouncementPublished | InvalidInput | RoleRequired | StepUpRequired | AuthenticationRequired,
    strawberry.union("PublishAnnouncementPayload", description="Result of `publishAnnouncement`."),
]
DeadLettersPayload = Annotated[
    DeadLettersRequeued | InvalidInput | RoleRequired | StepUpRequired | AuthenticationRequired,
    strawberry.union(
        "RetryNotificationDeadLettersPayload",
        description="Result of `retryNotificationDeadLetters`.",
    ),
]


@strawberry.type(description="Dead-lettered deliveries, oldest first.")
class DeadLetterList:
    """The operators' dead-letter list."""

    items: list[DeadLetter] = strawberry.field(description="At most 100.")


NotificationDeadLettersPayload = Annotated[
    DeadLetterList | RoleRequired | StepUpRequired | AuthenticationRequired | InvalidInput,
    strawberry.union(
        "NotificationDeadLettersPayload", description="Result of `notificationDeadLetters`."
    ),
]

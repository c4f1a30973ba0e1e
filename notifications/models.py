"""Records of the notifications domain: inbox entries, devices, deliveries, preferences."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from kit.text import Localized

MAX_PAGE_SIZE = 50
BROADCAST = "*"
"""The ``account_id`` of an entry every citizen's inbox shows (one row, not one per citizen)."""
CITY_TIMEZONE = "Asia/Shanghai"
"""Quiet hours are read on the city's clock."""


class Category(StrEnum):
    """What a notification is about; preferences mute push per category."""

    CASES = "cases"
    DISPUTES = "disputes"
    LICENCES = "licences"
    SECURITY = "security"
    ANNOUNCEMENTS = "announcements"


UNMUTABLE = frozenset({Category.SECURITY})
"""Sign-in alerts protect the account: they are never muted."""


class Channel(StrEnum):
    """Where a notification goes. The inbox always; push channels when a device has them."""

    INBOX = "inbox"
    FCM = "fcm"
    WECHAT = "wechat"


class DeliveryStatus(StrEnum):
    """Where one delivery stands (after GOV.UK Notify's statuses)."""

    QUEUED = "queued"
    """Waiting for a worker."""
    HELD = "held"
    """Waiting out the recipient's quiet hours."""
    SENT = "sent"
    """Handed to the provider; no answer yet."""
    ACCEPTED = "accepted"
    """The provider accepted it (FCM message id, WeChat errcode 0)."""
    RETRYING = "retrying"
    """Failed for now (quota, outage); ``reason`` says why; tried again after a backoff."""
    FAILED = "failed"
    """Failed for good (token gone, invalid message, not subscribed); ``reason`` says why."""
    DEAD = "dead"
    """Failed on every retry: dead-lettered, waiting for an operator."""
    READ = "read"
    """Opened in the inbox."""


TERMINAL = frozenset({DeliveryStatus.ACCEPTED, DeliveryStatus.FAILED, DeliveryStatus.DEAD})


def notification_id(event_id: str, account_id: str) -> str:
    """The idempotency key of one event's notification to one account (same event, same id)."""
    digest = hashlib.sha256(f"{event_id}|{account_id}".encode()).hexdigest()[:32]
    return f"ntf_{digest}"


def delivery_id(notification: str, channel: Channel, target: str) -> str:
    """The idempotency key of one notification on one channel to one device."""
    return f"{notification}:{channel.value}:{target}"


def new_device_id() -> str:
    """A random device id."""
    return f"dev_{uuid.uuid4().hex}"


@dataclass(frozen=True, slots=True)
class Notification:
    """One inbox entry. Its text is rendered from the template and ``params`` when read."""

    id: str
    account_id: str
    """The recipient, or :data:`BROADCAST` for everyone."""
    event_id: str
    kind: str
    category: Category
    urgent: bool
    params: dict[str, Any]
    created_at: datetime
    read_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Rendered:
    """A notification's text in both languages and the deep link the app opens."""

    title: Localized
    body: Localized
    deep_link: str


@dataclass(frozen=True, slots=True)
class Device:
    """A registered push target (app install or mini-program user) of one account."""

    id: str
    account_id: str
    platform: str
    token: str
    app_version: str
    locale: str
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notification on one channel to one device, and where it stands."""

    id: str
    notification_id: str
    account_id: str
    channel: Channel
    target: str
    status: DeliveryStatus
    attempts: int
    updated_at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window on the city's clock when non-urgent pushes wait (may cross midnight)."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """Whether ``moment`` (local time of day) falls in the window."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True, slots=True)
class Preferences:
    """A citizen's notification choices: muted categories (push only) and quiet hours."""

    muted: frozenset[Category] = frozenset()
    quiet_hours: QuietHours | None = None


@dataclass(frozen=True, slots=True)
class PushMessage:
    """What a push channel sends to one device."""

    delivery_id: str
    token: str
    platform: str
    title: str
    body: str
    deep_link: str
    notification_id: str
    kind: str
    collapse_key: str
    urgent: bool
    data: dict[str, str] = field(default_factory=dict)


class PushOutcome(StrEnum):
    """How a provider answered one message."""

    ACCEPTED = "accepted"
    RETRY = "retry"
    FAILED = "failed"
    TOKEN_GONE = "token_gone"  # noqa: S105 (an outcome, not a secret)


@dataclass(frozen=True, slots=True)
class PushResult:
    """A provider's answer for one message."""

    delivery_id: str
    outcome: PushOutcome
    reason: str | None = None
    provider_id: str | None = None


@dataclass(frozen=True, slots=True)
class Announcement:
    """A system announcement's text, stored with it (zh and en)."""

    id: str
    title: Localized
    body: Localized
    created_at: datetime


def backoff(attempt: int, key: str, *, base: float, cap: float) -> timedelta:
    """Exponential backoff with jitter before retry number ``attempt`` (1 = first retry).

    The jitter (half to all of the exponential delay) is drawn from ``key`` and
    ``attempt``, so every worker computes the same delay for the same retry.
    """
    exponential = min(cap, base * 2 ** max(attempt - 1, 0))
    draw = int(hashlib.sha256(f"{key}|{attempt}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return timedelta(seconds=exponential * (0.5 + draw / 2))

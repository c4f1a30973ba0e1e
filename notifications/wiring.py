"""The notifications domain's one wiring point: repositories, services, channels and the
worker over the open clients."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from infra.crypto import FieldCipher, KeyedHash
from kit.outbox_repository import OutboxRepository
from kit.wiring import Wired
from notifications.adapters.fcm import FcmChannel
from notifications.adapters.push_queue import RedisPushQueue
from notifications.adapters.redis_live import RedisLivePublisher
from notifications.ports import LivePublisher, PushChannel, PushQueue
from notifications.repositories import Database, Redis
from notifications.repositories.announcements import AnnouncementRepository
from notifications.repositories.deliveries import DeliveryRepository
from notifications.repositories.devices import DeviceRepository
from notifications.repositories.inbox import InboxRepository
from notifications.repositories.preferences import PreferenceRepository
from notifications.services.delivery import PushDelivery
from notifications.services.devices import DeviceService
from notifications.services.fanout import FanOut
from notifications.services.inbox import InboxService
from notifications.services.operations import OperationsService
from notifications.services.worker import NotificationWorker

logger = logging.getLogger("notifications")


@dataclass(frozen=True, slots=True)
class NotificationsClients:
    """The open clients and keys the notifications domain uses."""

    database: Database
    redis: Redis
    redis_prefix: str
    content_cipher: FieldCipher
    """Encrypts notification parameters and device tokens at rest."""
    token_lookup: KeyedHash
    """Keyed hash of device tokens, for look-ups."""
    firebase: Any | None = None
    """The firebase-admin app; ``None``: no FCM push (inbox and live only)."""


@dataclass(frozen=True, slots=True)
class NotificationsConfig:
    """The domain's settings."""

    device_stale_after: timedelta = timedelta(days=60)
    lease: timedelta = timedelta(seconds=60)
    retry_base: timedelta = timedelta(seconds=2)
    retry_cap: timedelta = timedelta(minutes=10)
    max_attempts: int = 8
    fcm_endpoint: str | None = None
    """Another FCM host (tests and benchmark fakes); ``None``: Google's."""


@dataclass(frozen=True, slots=True)
class NotificationsProviders:
    """Adapter slots: extra push channels (WeChat, vendor push) beside FCM; the live
    publisher and push queue (Redis by default)."""

    channels: tuple[PushChannel, ...] = ()
    live: LivePublisher | None = None
    queue: PushQueue | None = None


def push_channels(
    clients: NotificationsClients, config: NotificationsConfig, providers: NotificationsProviders
) -> list[PushChannel]:
    """FCM when firebase is configured, then the providers' channels."""
    channels: list[PushChannel] = list(providers.channels)
    if clients.firebase is not None:
        channels.insert(0, FcmChannel(clients.firebase, endpoint=config.fcm_endpoint))
    return channels


def wire(
    clients: NotificationsClients, config: NotificationsConfig, providers: NotificationsProviders
) -> Wired:
    """Repositories (for indexes) and services, the worker among them."""
    database = clients.database
    inbox = InboxRepository(database, clients.content_cipher)
    announcements = AnnouncementRepository(database)
    deliveries = DeliveryRepository(database)
    preferences = PreferenceRepository(database)
    devices = DeviceRepository(database, clients.content_cipher, clients.token_lookup)
    outbox = OutboxRepository(database, max_attempts=config.max_attempts)
    live = providers.live or RedisLivePublisher(clients.redis, prefix=clients.redis_prefix)
    queue = providers.queue or RedisPushQueue(
        clients.redis,
        prefix=clients.redis_prefix,
        retry_base=config.retry_base,
        retry_cap=config.retry_cap,
    )
    channels = push_channels(clients, config, providers)
    logger.info("notifications.channels %s", describe_channels(channels))
    inbox_service = InboxService(inbox, announcements, deliveries, preferences)
    device_service = DeviceService(devices, stale_after=config.device_stale_after)
    fanout = FanOut(
        inbox,
        inbox_service,
        devices,
        deliveries,
        preferences,
        live=live,
        queue=queue,
        channels=channels,
    )
    delivery = PushDelivery(
        deliveries,
        devices,
        inbox,
        inbox_service,
        queue=queue,
        channels=channels,
        lease=config.lease,
        max_attempts=config.max_attempts,
    )
    worker = NotificationWorker(
        outbox,
        fanout,
        delivery,
        deliveries,
        device_service,
        queue,
        lease=config.lease,
        retry_base=config.retry_base,
        retry_cap=config.retry_cap,
    )
    return Wired(
        repositories=[inbox, announcements, deliveries, preferences, devices, outbox],
        services=[
            inbox_service,
            device_service,
            OperationsService(announcements, outbox, deliveries, queue),
            worker,
        ],
    )


def describe_channels(channels: list[PushChannel]) -> str:
    """One line for the start-up log: which push channels run."""
    if not channels:
        return "push is off (no SZ_FIREBASE_CREDENTIALS_FILE): inbox and live subscriptions only"
    return "push channels: " + ", ".join(c.channel.value for c in channels)

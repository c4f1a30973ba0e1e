"""What administrators and operators do: announce to everyone, and see and retry the
dead-letter list."""

from __future__ import annotations

import uuid

from kit.errors import InvalidInput
from kit.outbox import OutboxEvent
from kit.outbox_repository import OutboxRepository
from kit.text import Localized
from notifications.models import Announcement, Delivery
from notifications.ports import PushQueue
from notifications.repositories.announcements import AnnouncementRepository
from notifications.repositories.deliveries import DeliveryRepository
from notifications.services import Clock, utc_now
from notifications.services.fanout import BATCH

MAX_TITLE = 60
MAX_BODY = 1000


class OperationsService:
    """Announcements and the dead-letter list."""

    def __init__(
        self,
        announcements: AnnouncementRepository,
        outbox: OutboxRepository,
        deliveries: DeliveryRepository,
        queue: PushQueue,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self._announcements = announcements
        self._outbox = outbox
        self._deliveries = deliveries
        self._queue = queue
        self._clock = clock

    async def announce(self, title: Localized, body: Localized) -> Announcement:
        """Store an announcement and its ``system.announcement`` event for everyone."""
        for name, text, limit in (
            ("title", title, MAX_TITLE),
            ("body", body, MAX_BODY),
        ):
            if not (0 < len(text.zh.strip()) <= limit and 0 < len(text.en.strip()) <= limit):
                raise InvalidInput(field=name)
        announcement = Announcement(
            id=f"ann_{uuid.uuid4().hex}", title=title, body=body, created_at=self._clock()
        )
        await self._announcements.add(announcement)
        # The announcement is its own record: no other change to report atomically.
        await self._outbox.append(
            OutboxEvent(
                kind="system.announcement",
                subject=announcement.id,
                payload={"announcement_id": announcement.id},
                occurred_at=announcement.created_at,
            ),
            session=None,
        )
        return announcement

    async def dead_letters(self, *, limit: int = 100) -> list[Delivery]:
        """Dead-lettered deliveries, oldest first."""
        return await self._deliveries.dead(limit=limit)

    async def retry_dead(self, ids: list[str]) -> int:
        """Queue dead-lettered deliveries again (a fresh round of retries)."""
        moved = await self._deliveries.requeue(ids, now=self._clock())
        for start in range(0, len(moved), BATCH):
            await self._queue.enqueue(moved[start : start + BATCH])
        return len(moved)

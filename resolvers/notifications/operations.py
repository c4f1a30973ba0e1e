"""Administrators: ``publishAnnouncement``, ``notificationDeadLetters`` and
``retryNotificationDeadLetters``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.models import OfficerRole as DomainRole
from kit.text import Localized
from notifications.services.operations import OperationsService
from resolvers.context import Info
from resolvers.errors import ExpectedErrors
from resolvers.permissions import RequireRole
from schema.notifications import (
    AnnouncementPublished,
    DeadLetter,
    DeadLetterList,
    DeadLettersPayload,
    DeadLettersRequeued,
    NotificationChannel,
    NotificationDeadLettersPayload,
    PublishAnnouncementPayload,
)


@strawberry.type
class NotificationOperationsQuery:
    """The dead-letter list."""

    @strawberry.field(
        description="Deliveries that failed on every retry, oldest first (at most 100). "
        "Administrators only.",
        extensions=[RequireRole(DomainRole.ADMINISTRATOR), ExpectedErrors()],
    )
    async def notification_dead_letters(self, info: Info) -> NotificationDeadLettersPayload:
        """Dead letters."""
        dead = await info.context.service(OperationsService).dead_letters()
        return DeadLetterList(
            items=[
                DeadLetter(
                    id=d.id,
                    notification_id=d.notification_id,
                    channel=NotificationChannel(d.channel.value),
                    reason=d.reason,
                    attempts=d.attempts,
                    updated_at=d.updated_at,
                )
                for d in dead
            ]
        )


@strawberry.type
class NotificationOperationsMutation:
    """Announcements and dead-letter retries."""

    @strawberry.mutation(
        description="Announce to every citizen (inbox, live, push) in zh-CN and en: titles up "
        "to 60 characters, texts up to 1000. Administrators only.",
        extensions=[RequireRole(DomainRole.ADMINISTRATOR), ExpectedErrors()],
    )
    async def publish_announcement(
        self,
        info: Info,
        title_zh: Annotated[str, strawberry.argument(description="Title, zh-CN.")],
        title_en: Annotated[str, strawberry.argument(description="Title, English.")],
        body_zh: Annotated[str, strawberry.argument(description="Text, zh-CN.")],
        body_en: Annotated[str, strawberry.argument(description="Text, English.")],
    ) -> PublishAnnouncementPayload:
        """Publish an announcement."""
        announcement = await info.context.service(OperationsService).announce(
            Localized(zh=title_zh, en=title_en), Localized(zh=body_zh, en=body_en)
        )
        return AnnouncementPublished(id=announcement.id)

    @strawberry.mutation(
        description="Queue dead-lettered deliveries again, by id (at most 500). "
        "Administrators only.",
        extensions=[RequireRole(DomainRole.ADMINISTRATOR), ExpectedErrors()],
    )
    async def retry_notification_dead_letters(
        self,
        info: Info,
        ids: Annotated[list[str], strawberry.argument(description="Delivery ids.")],
    ) -> DeadLettersPayload:
        """Retry dead letters."""
        requeued = await info.context.service(OperationsService).retry_dead(ids[:500])
        return DeadLettersRequeued(requeued=requeued)

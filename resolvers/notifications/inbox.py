"""``markNotificationsRead``, ``markAllNotificationsRead``, ``updateNotificationPreferences``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from notifications.models import Category
from notifications.services.inbox import InboxService
from resolvers.context import Info
from resolvers.errors import ExpectedErrors
from resolvers.notifications.views import preferences_type
from resolvers.permissions import RequireLevel
from schema.notifications import (
    MarkNotificationsReadPayload,
    NotificationCategory,
    NotificationPreferencesUpdated,
    NotificationsMarkedRead,
    QuietHoursInput,
    UpdateNotificationPreferencesPayload,
)


@strawberry.type
class InboxMutation:
    """Read marks and preferences."""

    @strawberry.mutation(
        description="Mark some of your notifications read (at most 50 ids); ids that are not "
        "yours, or already read, change nothing.",
        extensions=[RequireLevel(), ExpectedErrors()],
    )
    async def mark_notifications_read(
        self,
        info: Info,
        ids: Annotated[list[str], strawberry.argument(description="Notification ids.")],
    ) -> MarkNotificationsReadPayload:
        """Mark read."""
        account = await info.context.require_account()
        service = info.context.service(InboxService)
        marked = await service.mark_read(account.id, ids)
        unread = await service.unread_count(account.id, since=account.created_at)
        return NotificationsMarkedRead(marked=marked, unread_count=unread)

    @strawberry.mutation(
        description="Mark every notification in your inbox read.",
        extensions=[RequireLevel(), ExpectedErrors()],
    )
    async def mark_all_notifications_read(self, info: Info) -> MarkNotificationsReadPayload:
        """Mark all read."""
        account = await info.context.require_account()
        service = info.context.service(InboxService)
        marked = await service.mark_all_read(account.id)
        unread = await service.unread_count(account.id, since=account.created_at)
        return NotificationsMarkedRead(marked=marked, unread_count=unread)

    @strawberry.mutation(
        description="Change your notification choices. `mutedCategories` replaces the muted "
        "set (push only: the inbox still gets everything; SECURITY cannot be muted); "
        "`quietHours` sets the window when non-urgent pushes wait (city time, HH:MM), "
        "`clearQuietHours` removes it. Arguments left out keep their value.",
        extensions=[RequireLevel(), ExpectedErrors()],
    )
    async def update_notification_preferences(
        self,
        info: Info,
        muted_categories: Annotated[
            list[NotificationCategory] | None,
            strawberry.argument(description="Categories to mute (replaces the set)."),
        ] = None,
        quiet_hours: Annotated[
            QuietHoursInput | None, strawberry.argument(description="Quiet hours to set.")
        ] = None,
        clear_quiet_hours: Annotated[
            bool, strawberry.argument(description="Remove quiet hours.")
        ] = False,
    ) -> UpdateNotificationPreferencesPayload:
        """Save preferences."""
        account = await info.context.require_account()
        preferences = await info.context.service(InboxService).update_preferences(
            account.id,
            muted=None
            if muted_categories is None
            else [Category(str(c.value)) for c in muted_categories],
            quiet_hours=None if quiet_hours is None else (quiet_hours.start, quiet_hours.end),
            clear_quiet_hours=clear_quiet_hours,
        )
        return NotificationPreferencesUpdated(preferences=preferences_type(preferences))

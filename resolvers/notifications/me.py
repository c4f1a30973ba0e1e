"""The notifications' fields of ``me``: the inbox, its unread count and preferences."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.models import Account
from identity.models import Principal as DomainPrincipal
from notifications.errors import NotificationsError
from notifications.models import MAX_PAGE_SIZE
from notifications.services.inbox import InboxService
from resolvers.context import Info
from resolvers.errors import public_error
from resolvers.notifications.views import notification_types, preferences_type
from schema.common import Connection, Edge, connection, decode_time_cursor, encode_time_cursor
from schema.notifications import Notification, NotificationPreferences

CURSOR_KIND = "notification"


@strawberry.type
class NotificationsMe:
    """The ``me`` fields notifications answer (mixed into ``Me`` by :mod:`resolvers.me`)."""

    principal: strawberry.Private[DomainPrincipal]
    account: strawberry.Private[Account]

    @strawberry.field(
        description="Your inbox, newest first, at most "
        f"{MAX_PAGE_SIZE} a page: your notifications and the city's announcements since "
        "you joined, each with its deliveries (inbox, push per device)."
    )
    async def notifications(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description=f"Page size, 1 to {MAX_PAGE_SIZE}.")
        ] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="`endCursor` of the previous page.")
        ] = None,
    ) -> Connection[Notification]:
        """One page of the caller's inbox."""
        cursor = decode_time_cursor(CURSOR_KIND, after, argument="after") if after else None
        try:
            page = await info.context.service(InboxService).page_of(
                self.account.id, since=self.account.created_at, first=first, after=cursor
            )
        except NotificationsError as error:
            raise public_error(error) from error
        nodes = await notification_types(info, self.account.id, page.items)
        edges = [
            Edge(cursor=encode_time_cursor(CURSOR_KIND, item.created_at, item.id), node=node)
            for item, node in zip(page.items, nodes, strict=True)
        ]
        return connection(edges, has_next_page=page.has_next_page)

    @strawberry.field(description="How many notifications in your inbox are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        """Unread count."""
        return await info.context.service(InboxService).unread_count(
            self.account.id, since=self.account.created_at
        )

    @strawberry.field(description="Your notification choices: muted categories, quiet hours.")
    async def notification_preferences(self, info: Info) -> NotificationPreferences:
        """Preferences."""
        preferences = await info.context.service(InboxService).preferences_of(self.account.id)
        return preferences_type(preferences)

"""The citizen's inbox: pages, unread count, read marks, texts, delivery statuses and
preferences (the rules behind ``me.notifications`` and its mutations)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

from kit.errors import NotFound
from kit.paging import Page
from kit.text import Localized
from notifications.errors import (
    CategoryNotMutable,
    InvalidPageSize,
    InvalidQuietHours,
    TooManyIds,
)
from notifications.models import (
    BROADCAST,
    MAX_PAGE_SIZE,
    UNMUTABLE,
    Category,
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    Preferences,
    QuietHours,
    Rendered,
)
from notifications.repositories.announcements import AnnouncementRepository
from notifications.repositories.deliveries import DeliveryRepository
from notifications.repositories.inbox import InboxRepository
from notifications.repositories.preferences import PreferenceRepository
from notifications.services import Clock, utc_now
from notifications.templates import template_for


class InboxService:
    """One shared instance: the inbox rules over its repositories."""

    def __init__(
        self,
        inbox: InboxRepository,
        announcements: AnnouncementRepository,
        deliveries: DeliveryRepository,
        preferences: PreferenceRepository,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self._inbox = inbox
        self._announcements = announcements
        self._deliveries = deliveries
        self._preferences = preferences
        self._clock = clock

    async def page_of(
        self,
        account_id: str,
        *,
        since: datetime,
        first: int,
        after: tuple[datetime, str] | None,
    ) -> Page[Notification]:
        """The account's notifications (and announcements since ``since``), newest first,
        with read state applied to announcements."""
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise InvalidPageSize(field="first")
        rows = await self._inbox.newest_of(account_id, since=since, limit=first + 1, after=after)
        if any(row.account_id == BROADCAST for row in rows):
            read_all_at, read = await self._inbox.read_state(account_id)
            rows = [
                _broadcast_read(row, read_all_at, read) if row.account_id == BROADCAST else row
                for row in rows
            ]
        return Page.of(rows, first)

    async def unread_count(self, account_id: str, *, since: datetime) -> int:
        """Unread notifications and announcements."""
        return await self._inbox.unread_count(account_id, since=since)

    async def mark_read(self, account_id: str, ids: Sequence[str]) -> int:
        """Mark the caller's notifications read (other people's ids change nothing)."""
        if len(ids) > MAX_PAGE_SIZE:
            raise TooManyIds(field="ids")
        return await self._inbox.mark_read(account_id, list(dict.fromkeys(ids)), now=self._clock())

    async def mark_all_read(self, account_id: str) -> int:
        """Mark everything in the caller's inbox read."""
        return await self._inbox.mark_all_read(account_id, now=self._clock())

    async def rendered(self, entries: Sequence[Notification]) -> dict[str, Rendered]:
        """The texts and deep links of ``entries`` (announcements' texts in one query)."""
        announcement_ids = [
            str(e.params.get("announcement_id")) for e in entries if e.kind == "system.announcement"
        ]
        announcements = (
            await self._announcements.by_ids(announcement_ids) if announcement_ids else {}
        )
        texts: dict[str, Rendered] = {}
        for entry in entries:
            template = template_for(entry.kind)
            params = dict(entry.params)
            announcement = announcements.get(str(params.get("announcement_id")))
            if announcement is not None:
                params |= {
                    "title_zh": announcement.title.zh,
                    "title_en": announcement.title.en,
                    "body_zh": announcement.body.zh,
                    "body_en": announcement.body.en,
                }
            if template is None:
                texts[entry.id] = Rendered(Localized(entry.kind, entry.kind), Localized("", ""), "")
            else:
                texts[entry.id] = template.render(params)
        return texts

    async def deliveries_of(
        self, account_id: str, entries: Sequence[Notification]
    ) -> dict[str, list[Delivery]]:
        """Each entry's deliveries to the caller: the inbox's own, then the push ones."""
        found: dict[str, list[Delivery]] = {
            e.id: [
                Delivery(
                    id=f"{e.id}:inbox",
                    notification_id=e.id,
                    account_id=account_id,
                    channel=Channel.INBOX,
                    target=account_id,
                    status=DeliveryStatus.READ if e.read_at else DeliveryStatus.ACCEPTED,
                    attempts=1,
                    updated_at=e.read_at or e.created_at,
                )
            ]
            for e in entries
        }
        if entries:
            for delivery in await self._deliveries.of_notifications(
                [e.id for e in entries], account_id
            ):
                found[delivery.notification_id].append(delivery)
        return found

    async def preferences_of(self, account_id: str) -> Preferences:
        """The account's preferences (defaults: nothing muted, no quiet hours)."""
        return (await self._preferences.of([account_id]))[account_id]

    async def update_preferences(
        self,
        account_id: str,
        *,
        muted: Sequence[Category] | None,
        quiet_hours: tuple[str, str] | None,
        clear_quiet_hours: bool = False,
    ) -> Preferences:
        """Change muted categories and/or quiet hours (``HH:MM`` on the city's clock)."""
        current = await self.preferences_of(account_id)
        new_muted = current.muted
        if muted is not None:
            if UNMUTABLE & set(muted):
                raise CategoryNotMutable(field="muted")
            new_muted = frozenset(muted)
        quiet = current.quiet_hours
        if clear_quiet_hours:
            quiet = None
        elif quiet_hours is not None:
            quiet = _quiet_hours(*quiet_hours)
        updated = Preferences(muted=new_muted, quiet_hours=quiet)
        await self._preferences.save(account_id, updated)
        return updated

    async def require_own(self, account_id: str, notification_id: str) -> Notification:
        """The caller's notification, or :class:`NotFound` (also for other people's)."""
        found = (await self._inbox.by_ids([notification_id])).get(notification_id)
        if found is None or found.account_id not in {account_id, BROADCAST}:
            raise NotFound(field="id")
        return found


def _quiet_hours(start: str, end: str) -> QuietHours:
    try:
        begins, ends = time.fromisoformat(start), time.fromisoformat(end)
    except ValueError:
        raise InvalidQuietHours(field="quietHours") from None
    if begins == ends or len(start) != 5 or len(end) != 5:
        raise InvalidQuietHours(field="quietHours")
    return QuietHours(start=begins, end=ends)


def _broadcast_read(
    entry: Notification, read_all_at: datetime | None, read: set[str]
) -> Notification:
    if entry.id in read:
        return _with_read(entry, entry.created_at)
    if read_all_at is not None and entry.created_at <= read_all_at:
        return _with_read(entry, read_all_at)
    return entry


def _with_read(entry: Notification, at: datetime) -> Notification:
    return Notification(
        id=entry.id,
        account_id=entry.account_id,
        event_id=entry.event_id,
        kind=entry.kind,
        category=entry.category,
        urgent=entry.urgent,
        params=entry.params,
        created_at=entry.created_at,
        read_at=at,
    )

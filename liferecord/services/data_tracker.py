"""Who looked at my data: the citizen's own view of their access log (cf. Estonia's Data Tracker).

Entries are written by ``LifeRecordService`` whenever someone other than the citizen
reads their record (``read`` or ``read_as``); the citizen's own reads are not logged.
An entry names the reader, the purpose and the sections read, never the citizen's
ID number.
"""

from __future__ import annotations

from datetime import datetime

from liferecord.errors import InvalidPage
from liferecord.models import AccessPage, Reader
from liferecord.repositories.access_log import AccessLogRepository

MAX_PAGE_SIZE = 50


class DataTracker:
    """Reads a citizen's access log for that citizen only."""

    def __init__(self, log: AccessLogRepository) -> None:
        self._log = log

    async def record_read(self, account_id: str, reader: Reader, at: datetime) -> None:
        """Log a read of the citizen's data by someone else (a failure fails the read)."""
        await self._log.record_read(account_id, reader, at)

    async def page_of(
        self, account_id: str, *, first: int, before: tuple[datetime, str] | None = None
    ) -> AccessPage:
        """Entries about ``account_id`` older than the ``(at, id)`` cursor, newest first."""
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise InvalidPage(field="first")
        at, entry_id = before if before is not None else (None, None)
        found = await self._log.recent(account_id, limit=first + 1, before=at, before_id=entry_id)
        return AccessPage.of(found, first)

"""The scheduled notice to applicants that a part of their case is due soon.

Run daily (``python -m app cases-due-scan``) on any number of instances: each open
sub-case due within :data:`DUE_SOON_WORKING_DAYS` working days gets one
``applications.case.due_soon`` event, appended in the same transaction that marks it
noticed, so a sub-case is never announced twice and never silently skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from applications.calendar import WorkingDayCalendar
from applications.errors import CalendarUnknown
from applications.repositories.cases import CaseRepository
from kit.outbox import OutboxEvent

DUE_SOON_WORKING_DAYS = 1
BATCH = 500


class DueSoonScan:
    """Appends one due-soon event per open sub-case approaching its due instant."""

    def __init__(
        self,
        cases: CaseRepository,
        calendar: WorkingDayCalendar,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._cases = cases
        self._calendar = calendar
        self._clock = clock

    async def run(self) -> int:
        """Scan once; returns how many events were appended."""
        now = self._clock()
        try:
            horizon = self._calendar.add_working_days(now, DUE_SOON_WORKING_DAYS)
        except CalendarUnknown:
            return 0
        appended = 0
        while True:
            found = await self._cases.due_soon_unnoticed(now, horizon, limit=BATCH)
            if not found:
                return appended
            for sub in found:
                reference = sub.reference.rsplit("-", 1)[0]
                event = OutboxEvent(
                    kind="applications.case.due_soon",
                    subject=sub.case_id,
                    audience=(sub.applicant_account_id,),
                    payload={
                        "case_id": sub.case_id,
                        "reference": reference,
                        "sub_case_id": sub.id,
                        "department": sub.department_code,
                        "item_code": None,
                        "bundle_code": None,
                        "state": sub.state.value,
                    },
                )
                if await self._cases.notice_due_soon(sub.id, event, now):
                    appended += 1
            if len(found) < BATCH:
                return appended

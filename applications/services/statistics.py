"""Department statistics, served from counters kept in the same write as each transition.

A counter is one (department, item, day) document; a query for a date range reads at
most (items × days) of them through one index, whatever the number of cases. The
rebuild recomputes every counter of a department from the cases themselves and must
agree with what the transitions kept (a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from applications.calendar import WorkingDayCalendar, city_date
from applications.case_models import Figures, Statistics, SubCase
from applications.errors import CalendarUnknown, InvalidDateRange
from applications.repositories import Document
from applications.repositories.cases import COUNTER_FIELDS, RATING_FIELDS, CaseRepository
from applications.workflow import SubCaseState
from identity.models import OfficerRole, Principal
from identity.services.officers import OfficerService

MAX_RANGE_DAYS = 366
READERS = frozenset({OfficerRole.HEAD})


def _figures(doc: Document) -> Figures:
    return Figures(
        received=doc.get("received", 0),
        completed=doc.get("completed", 0),
        on_time=doc.get("on_time", 0),
        working_days=doc.get("working_days", 0),
        supplemented=doc.get("supplemented", 0),
        ratings=(
            doc.get("r1", 0),
            doc.get("r2", 0),
            doc.get("r3", 0),
            doc.get("r4", 0),
            doc.get("r5", 0),
        ),
    )


class StatisticsService:
    """Figures per department and item, for heads of department and administrators."""

    def __init__(
        self,
        cases: CaseRepository,
        officers: OfficerService,
        calendar: WorkingDayCalendar,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._cases = cases
        self._officers = officers
        self._calendar = calendar
        self._clock = clock

    async def department(
        self, principal: Principal, department_code: str, start: date, end: date
    ) -> Statistics:
        """The department's figures from ``start`` to ``end`` (city dates, inclusive)."""
        if end < start or (end - start).days >= MAX_RANGE_DAYS:
            raise InvalidDateRange(field="to")
        if not await self._officers.holds_role(principal, OfficerRole.ADMINISTRATOR):
            await self._officers.require_role(principal, department_code, READERS)
        return await self.figures(department_code, start, end)

    async def figures(self, department_code: str, start: date, end: date) -> Statistics:
        """The figures, without the role check (benchmarks and the rebuild test use it)."""
        items: dict[str, Figures] = {}
        for doc in await self._cases.counters(department_code, start, end):
            items[doc["item"]] = items.get(doc["item"], Figures()).plus(_figures(doc))
        total = Figures()
        for figures in items.values():
            total = total.plus(figures)
        return Statistics(department_code, start, end, total, dict(sorted(items.items())))

    async def rebuild(self, department_code: str) -> int:
        """Recompute the department's counters from its sub-cases; returns how many."""
        subs = await self._cases.sub_cases_of_department(department_code)
        ratings = await self._cases.ratings_of(list({s.case_id for s in subs}))
        counters: dict[tuple[str, str], Document] = {}

        def bump(item: str, day: date, field: str, by: int = 1) -> None:
            key = (item, day.isoformat())
            doc = counters.setdefault(
                key,
                {
                    "_id": f"{department_code}|{item}|{day.isoformat()}",
                    "department": department_code,
                    "item": item,
                    "day": day.isoformat(),
                },
            )
            doc[field] = doc.get(field, 0) + by

        for sub in subs:
            for item in sub.item_codes:
                bump(item, city_date(sub.received_at), "received")
                if sub.supplements:
                    bump(item, city_date(sub.received_at), "supplemented")
                if sub.state in (SubCaseState.APPROVED, SubCaseState.REJECTED):
                    assert sub.decided_at is not None
                    day = city_date(sub.decided_at)
                    bump(item, day, "completed")
                    bump(item, day, "on_time", int(self._on_time(sub)))
                    bump(item, day, "working_days", self._elapsed(sub) or 0)
                rating = ratings.get(sub.case_id)
                if rating is not None:
                    level, at = rating
                    bump(item, city_date(at), f"r{level}")
        docs = list(counters.values())
        for doc in docs:
            for name in (*COUNTER_FIELDS, *RATING_FIELDS):
                doc.setdefault(name, 0)
        await self._cases.replace_counters(department_code, docs)
        return len(docs)

    def _elapsed(self, sub: SubCase) -> int | None:
        assert sub.decided_at is not None
        try:
            spent = self._calendar.working_days_between(sub.received_at, sub.decided_at)
            stopped = self._calendar.suspended_working_days(sub.suspensions, now=sub.decided_at)
        except CalendarUnknown:
            return None
        return max(0, spent - stopped)

    def _on_time(self, sub: SubCase) -> bool:
        assert sub.decided_at is not None
        if sub.due_at is not None:
            return sub.decided_at <= sub.due_at
        elapsed = self._elapsed(sub)
        return elapsed is not None and elapsed <= sub.limit_days

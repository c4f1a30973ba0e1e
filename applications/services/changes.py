"""Turning one row of the transition table into one transaction.

A change of a sub-case is computed from the case as read: the sub-case's new state and
clock, the case's derived state and due date, the timeline entries, the statistics
counters and the outbox events. It is written only over the versions it was computed
from; a sub-case changed meanwhile loses (:class:`ConcurrentChange`), a sibling
changed meanwhile makes the whole computation run again on fresh data.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from applications.calendar import Suspension, WorkingDayCalendar, city_date
from applications.case_models import Case, SubCase, TimelineEntry
from applications.errors import CalendarUnknown, CaseNotFound, ConcurrentChange
from applications.repositories import Document
from applications.repositories.cases import (
    CaseRepository,
    Change,
    CounterChange,
    LostRace,
    due_key,
)
from applications.workflow import (
    FINAL_CASE_STATES,
    Action,
    Actor,
    CaseState,
    SubCaseState,
    Transition,
    case_state,
)
from kit.outbox import OutboxEvent

RETRIES = 5
"""How often a change is computed again when a sibling sub-case changed meanwhile."""

EVENT_OF_ACTION = {
    Action.ACCEPT: "accepted",
    Action.REQUEST_SUPPLEMENT: "supplement_requested",
    Action.SUPPLY: "supplied",
    Action.SUSPEND: "suspended",
    Action.RESUME: "resumed",
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.WITHDRAW: "withdrawn",
}
"""The timeline event and outbox kind suffix of each action."""


def new_id(prefix: str) -> str:
    """A unique, unguessable id with a readable prefix."""
    return f"{prefix}_{uuid.uuid4().hex}"


_sequence = itertools.count()


def timeline_id() -> str:
    """A unique id that sorts after every earlier one of this process (timeline entries
    written in the same millisecond keep the order they were made in)."""
    return f"tl_{time.time_ns():016x}{next(_sequence) % 0xFFFF:04x}{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Step:
    """One sub-case's move: the row taken and the extra fields it sets."""

    sub_case: SubCase
    row: Transition
    extra: Document = dataclasses.field(default_factory=dict)


class CaseWriter:
    """Computes and writes transitions (shared by the applicant's and officers' actions)."""

    def __init__(
        self,
        cases: CaseRepository,
        calendar: WorkingDayCalendar,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.cases = cases
        self.calendar = calendar
        self.clock = clock

    def now(self) -> datetime:
        """The current instant at millisecond precision (what the database keeps)."""
        moment = self.clock()
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def due(
        self, sub: SubCase, suspensions: tuple[Suspension, ...], now: datetime
    ) -> datetime | None:
        """The sub-case's due instant with its clock stops, or ``None`` past the calendar."""
        try:
            return self.calendar.due_with_suspensions(
                sub.received_at, sub.limit_days, suspensions, now=now
            )
        except CalendarUnknown:
            return None

    def elapsed(
        self, sub: SubCase, suspensions: tuple[Suspension, ...], now: datetime
    ) -> int | None:
        """Working days from receipt to ``now``, clock stops excluded (``None`` if unknown)."""
        try:
            spent = self.calendar.working_days_between(sub.received_at, now)
            return max(0, spent - self.calendar.suspended_working_days(suspensions, now=now))
        except CalendarUnknown:
            return None

    async def run(
        self,
        case_id: str,
        plan: Callable[[Case], tuple[list[Step], str | None]],
        *,
        actor: Actor,
        actor_id: str,
        case_extra: Callable[[Case], Document] | None = None,
        extra_events: list[OutboxEvent] | None = None,
    ) -> Case:
        """Read the case, let ``plan`` choose the steps (and a reason), write them
        (with ``case_extra``'s fields of the case, computed from the same read).

        ``plan`` raises the domain's errors (illegal transition, bad input) before
        anything is written. Returns the case as it is after the change.
        """
        for _ in range(RETRIES):
            case = await self.cases.case(case_id)
            if case is None:
                raise CaseNotFound(field="id")
            steps, reason = plan(case)
            change = self.change(case, steps, reason, actor=actor, actor_id=actor_id)
            if case_extra is not None:
                # Computed from the case as read on this attempt: a retry after a
                # sibling's change amends the fresh case, never an older copy.
                change.case_set.update(case_extra(case))
            change.events.extend(extra_events or [])
            try:
                await self.cases.apply(change)
            except LostRace as lost:
                if lost.args and lost.args[0] == case.id:
                    continue  # a sibling sub-case changed: compute again on fresh data
                raise ConcurrentChange from None
            found = await self.cases.case(case_id)
            if found is None:  # pragma: no cover - cases are never deleted
                raise CaseNotFound(field="id")
            return found
        raise ConcurrentChange

    def change(
        self, case: Case, steps: list[Step], reason: str | None, *, actor: Actor, actor_id: str
    ) -> Change:
        """The transaction for ``steps`` on ``case``."""
        now = self.now()
        new_subs = {s.id: s for s in case.sub_cases}
        sets: list[tuple[SubCase, Document]] = []
        timeline: list[TimelineEntry] = []
        counters: list[CounterChange] = []
        events: list[OutboxEvent] = []
        for step in steps:
            updated, values, counted = self._move(step, now)
            new_subs[updated.id] = updated
            sets.append((step.sub_case, values))
            counters.extend(counted)
        state = case_state(s.state for s in new_subs.values())
        dues = [s.due_at for s in new_subs.values()]
        case_set: Document = {
            "state": state.value,
            "due_at": None if any(d is None for d in dues) else max(d for d in dues if d),
        }
        if state in FINAL_CASE_STATES and case.state not in FINAL_CASE_STATES:
            case_set["completed_at"] = now
        for step in steps:
            sub = new_subs[step.sub_case.id]
            event = EVENT_OF_ACTION[step.row.action]
            timeline.append(
                TimelineEntry(
                    id=timeline_id(),
                    case_id=case.id,
                    sub_case_id=sub.id,
                    department_code=sub.department_code,
                    at=now,
                    actor=actor,
                    action=step.row.action,
                    event=event,
                    state=sub.state.value,
                    reason=reason,
                    actor_account_id=actor_id,
                )
            )
            events.append(self.event(case, event, state, sub))
        if state is not case.state and state in FINAL_CASE_STATES:
            final = "completed" if state is CaseState.COMPLETED else state.value
            if final != EVENT_OF_ACTION[steps[-1].row.action]:
                timeline.append(
                    TimelineEntry(
                        id=timeline_id(),
                        case_id=case.id,
                        sub_case_id=None,
                        department_code=None,
                        at=now,
                        actor=Actor.SYSTEM,
                        action=None,
                        event=final,
                        state=state.value,
                    )
                )
                events.append(self.event(case, final, state, None))
        first, *others = sets
        return Change(
            case_id=case.id,
            case_version=case.version,
            case_set=case_set,
            sub_case_id=first[0].id,
            sub_case_version=first[0].version,
            sub_case_set=first[1],
            extra_sub_cases=[(sub.id, sub.version, values) for sub, values in others],
            timeline=timeline,
            counters=counters,
            events=events,
        )

    def event(self, case: Case, change: str, state: CaseState, sub: SubCase | None) -> OutboxEvent:
        """The outbox event of a case change (ids and codes only)."""
        return OutboxEvent(
            kind=f"applications.case.{change}",
            subject=case.id,
            audience=(case.applicant_account_id,),
            payload={
                "case_id": case.id,
                "reference": case.reference,
                "sub_case_id": None if sub is None else sub.id,
                "department": None if sub is None else sub.department_code,
                "item_code": case.code if case.kind.value == "item" else None,
                "bundle_code": case.code if case.kind.value == "bundle" else None,
                "state": state.value,
            },
        )

    def _move(self, step: Step, now: datetime) -> tuple[SubCase, Document, list[CounterChange]]:
        """The sub-case after the step, the fields to set, and the counters it moves."""
        sub, row = step.sub_case, step.row
        suspensions = sub.suspensions
        if row.target in (SubCaseState.SUPPLEMENT_REQUESTED, SubCaseState.SUSPENDED):
            suspensions = (*suspensions, Suspension(now, None))
        elif sub.state in (SubCaseState.SUPPLEMENT_REQUESTED, SubCaseState.SUSPENDED):
            last = suspensions[-1]
            suspensions = (*suspensions[:-1], Suspension(last.start, now))
        values: Document = {
            "state": row.target.value,
            "suspensions": [{"start": s.start, "end": s.end} for s in suspensions],
            **step.extra,
        }
        counters: list[CounterChange] = []
        day = city_date(now)
        if row.action is Action.REQUEST_SUPPLEMENT:
            values["supplements"] = sub.supplements + 1
            if sub.supplements == 0:
                # Counted on the day of receipt: the supplement rate is of those received.
                counters += _per_item(sub, city_date(sub.received_at), {"supplemented": 1})
        if row.action is Action.SUPPLY:
            values["supplement"] = None
        decided = row.target in (SubCaseState.APPROVED, SubCaseState.REJECTED)
        if decided or row.target is SubCaseState.WITHDRAWN:
            values["decided_at"] = now
            values["due_at"] = sub.due_at
        else:
            values["due_at"] = self.due(sub, suspensions, now)
        values["due_key"] = due_key(values["due_at"])
        if decided:
            elapsed = self.elapsed(sub, suspensions, now)
            on_time = sub.due_at is not None and now <= sub.due_at
            if sub.due_at is None and elapsed is not None:
                on_time = elapsed <= sub.limit_days
            counters += _per_item(
                sub,
                day,
                {"completed": 1, "on_time": int(on_time), "working_days": elapsed or 0},
            )
        updated = dataclasses.replace(
            sub,
            state=row.target,
            suspensions=suspensions,
            due_at=values["due_at"],
            decided_at=values.get("decided_at", sub.decided_at),
        )
        return updated, values, counters


def _per_item(sub: SubCase, day: date, inc: dict[str, int]) -> list[CounterChange]:
    return [CounterChange(sub.department_code, code, day, dict(inc)) for code in sub.item_codes]

"""How a case moves: the sub-case transition table and the case state derived from it (no I/O).

Every change of a sub-case is one row of :data:`TRANSITIONS`: from-state, action,
to-state and who may take it. Anything not in the table is an illegal transition
(:class:`~applications.errors.IllegalTransition`). The case's own state is never
stored independently of its sub-cases: :func:`case_state` derives it after each change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from identity.models import OfficerRole


class SubCaseState(StrEnum):
    """Where one department's part of a case stands."""

    SUBMITTED = "submitted"
    """Received, waiting for the department to accept it (受理)."""
    ACCEPTED = "accepted"
    """Accepted and being processed."""
    SUPPLEMENT_REQUESTED = "supplement_requested"
    """The department asked for missing or corrected materials or fields (补正); the clock stops."""
    SUSPENDED = "suspended"
    """Processing is suspended with a reason (e.g. an on-site inspection); the clock stops."""
    APPROVED = "approved"
    """Approved (办结, granted)."""
    REJECTED = "rejected"
    """Refused with a reason (不予许可 / 不予受理)."""
    WITHDRAWN = "withdrawn"
    """The applicant withdrew the application."""


class CaseState(StrEnum):
    """Where the whole case stands, derived from its sub-cases."""

    SUBMITTED = "submitted"
    """No department has acted yet."""
    IN_PROGRESS = "in_progress"
    """At least one department is working on it."""
    SUPPLEMENT_REQUESTED = "supplement_requested"
    """A department waits for the applicant (the applicant has something to do)."""
    SUSPENDED = "suspended"
    """Every open part is suspended."""
    COMPLETED = "completed"
    """Every part is decided and at least one was approved."""
    REJECTED = "rejected"
    """Every part is decided and none was approved."""
    WITHDRAWN = "withdrawn"
    """The applicant withdrew it."""


class Action(StrEnum):
    """What someone does to a sub-case."""

    ACCEPT = "accept"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLY = "supply"
    SUSPEND = "suspend"
    RESUME = "resume"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


class Actor(StrEnum):
    """Who takes an action: the applicant, or an officer of the sub-case's department."""

    APPLICANT = "applicant"
    OFFICER = "officer"
    SYSTEM = "system"


OPEN_STATES = frozenset(
    {
        SubCaseState.SUBMITTED,
        SubCaseState.ACCEPTED,
        SubCaseState.SUPPLEMENT_REQUESTED,
        SubCaseState.SUSPENDED,
    }
)
"""States in which a sub-case is still with the department (or the applicant)."""

CLOCK_STOPPED = frozenset({SubCaseState.SUPPLEMENT_REQUESTED, SubCaseState.SUSPENDED})
"""States whose time does not count against the time limit."""

OFFICERS = frozenset({OfficerRole.CLERK, OfficerRole.HEAD})
"""Both officer roles may work a sub-case; the table says which action needs which."""


@dataclass(frozen=True, slots=True)
class Transition:
    """One row of the table: ``action`` by ``actor`` (holding one of ``roles``) moves
    a sub-case from ``source`` to ``target``; ``reason_required`` when it must say why."""

    source: SubCaseState
    action: Action
    target: SubCaseState
    actor: Actor
    roles: frozenset[OfficerRole] = frozenset()
    reason_required: bool = False


S = SubCaseState
SUPPLEMENT = SubCaseState.SUPPLEMENT_REQUESTED
TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.SUBMITTED, Action.ACCEPT, S.ACCEPTED, Actor.OFFICER, OFFICERS),
    Transition(S.SUBMITTED, Action.REQUEST_SUPPLEMENT, SUPPLEMENT, Actor.OFFICER, OFFICERS, True),
    Transition(S.ACCEPTED, Action.REQUEST_SUPPLEMENT, SUPPLEMENT, Actor.OFFICER, OFFICERS, True),
    Transition(SUPPLEMENT, Action.SUPPLY, S.SUBMITTED, Actor.APPLICANT),
    Transition(S.ACCEPTED, Action.SUSPEND, S.SUSPENDED, Actor.OFFICER, OFFICERS, True),
    Transition(S.SUSPENDED, Action.RESUME, S.ACCEPTED, Actor.OFFICER, OFFICERS, True),
    Transition(S.ACCEPTED, Action.APPROVE, S.APPROVED, Actor.OFFICER, OFFICERS),
    Transition(S.SUBMITTED, Action.REJECT, S.REJECTED, Actor.OFFICER, OFFICERS, True),
    Transition(S.ACCEPTED, Action.REJECT, S.REJECTED, Actor.OFFICER, OFFICERS, True),
    Transition(S.SUBMITTED, Action.WITHDRAW, S.WITHDRAWN, Actor.APPLICANT),
    Transition(S.ACCEPTED, Action.WITHDRAW, S.WITHDRAWN, Actor.APPLICANT),
    Transition(SUPPLEMENT, Action.WITHDRAW, S.WITHDRAWN, Actor.APPLICANT),
    Transition(S.SUSPENDED, Action.WITHDRAW, S.WITHDRAWN, Actor.APPLICANT),
)  # fmt: skip
del S, SUPPLEMENT

_TABLE = {(t.source, t.action): t for t in TRANSITIONS}


def transition(source: SubCaseState, action: Action) -> Transition | None:
    """The row for ``action`` from ``source``, or ``None`` when the table has none."""
    return _TABLE.get((source, action))


def case_state(states: Iterable[SubCaseState]) -> CaseState:
    """The case's state from its sub-cases' states (at least one)."""
    found = list(states)
    if not found:
        raise ValueError("a case has at least one sub-case")
    open_states = [s for s in found if s in OPEN_STATES]
    if not open_states:
        if all(s is SubCaseState.WITHDRAWN for s in found):
            return CaseState.WITHDRAWN
        if any(s is SubCaseState.APPROVED for s in found):
            return CaseState.COMPLETED
        return CaseState.REJECTED
    if any(s is SubCaseState.SUPPLEMENT_REQUESTED for s in open_states):
        return CaseState.SUPPLEMENT_REQUESTED
    if all(s is SubCaseState.SUSPENDED for s in open_states):
        return CaseState.SUSPENDED
    if all(s is SubCaseState.SUBMITTED for s in found):
        return CaseState.SUBMITTED
    return CaseState.IN_PROGRESS


FINAL_CASE_STATES = frozenset({CaseState.COMPLETED, CaseState.REJECTED, CaseState.WITHDRAWN})
"""Case states nothing follows; a case may be rated once it is completed or rejected."""

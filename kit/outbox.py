"""Events other domains act on, recorded with the change they report (transactional outbox).

A domain appends an event in the same transaction (or the same single-document update's
session) as the state change it reports, never "after commit", so no change is ever
reported without its event or the other way round. A consumer (the notifications
worker) claims events one at a time with a lease; an event whose consumer dies is
claimed again when its lease runs out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def new_event_id() -> str:
    """A unique, unguessable event id."""
    return f"evt_{uuid.uuid4().hex}"


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """Something that happened, for other domains to act on.

    ``kind`` is dotted (``applications.case.approved``); ``subject`` is the id of the
    thing it happened to; ``audience`` the account ids it concerns (for notifications);
    ``payload`` carries ids and codes only, never personal data in clear.
    """

    kind: str
    subject: str
    payload: dict[str, Any] = field(default_factory=dict)
    audience: tuple[str, ...] = ()
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    id: str = field(default_factory=new_event_id)


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    """An event leased to one consumer until ``lease_until``; ``attempts`` counts claims."""

    event: OutboxEvent
    attempts: int
    lease_until: datetime

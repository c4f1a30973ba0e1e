"""GraphQL types of record disputes: a citizen's correction request for a value."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from schema.directory import Department
from schema.liferecord import LifeRecordSection
from schema.payloads import (
    AuthenticationRequired,
    InvalidInput,
    RateLimited,
    ServiceUnavailable,
    StepUpRequired,
)


@strawberry.enum(description="Where a correction request stands.")
class DisputeStatus(Enum):
    """Status of a dispute."""

    OPEN = strawberry.enum_value("open", description="Filed; waiting for the department.")
    FORWARDED = strawberry.enum_value(
        "forwarded", description="Passed on to the office that keeps the data."
    )
    RESOLVED = strawberry.enum_value(
        "resolved", description="Corrected, or confirmed with an explanation (see `history`)."
    )
    REJECTED = strawberry.enum_value(
        "rejected", description="The department holds the value to be right (see `history`)."
    )


@strawberry.type(description="One status change of a correction request.")
class DisputeEvent:
    """A step in a dispute's history."""

    status: DisputeStatus = strawberry.field(description="The status it moved to.")
    at: datetime = strawberry.field(description="When (UTC).")
    note: str | None = strawberry.field(description="The department's note, if any.")


@strawberry.type(
    description="A correction request you filed about a value of your life record, addressed "
    "to the department that owns it."
)
class RecordDispute:
    """One dispute."""

    id: str = strawberry.field(description="Dispute id.")
    section: LifeRecordSection = strawberry.field(description="The section of the value.")
    field: str = strawberry.field(
        description="The value's path in the section, as in the schema "
        "(e.g. `items[0].certificateNumber`)."
    )
    reason: str = strawberry.field(description="What you said is wrong.")
    department_code: str = strawberry.field(description="Code of the department addressed.")
    department: Department | None = strawberry.field(
        description="That department from the directory; null when it does not list the code."
    )
    status: DisputeStatus = strawberry.field(description="Where the request stands.")
    created_at: datetime = strawberry.field(description="When you filed it (UTC).")
    updated_at: datetime = strawberry.field(description="When its status last changed (UTC).")
    history: list[DisputeEvent] = strawberry.field(
        description="Every status it went through, oldest first."
    )


@strawberry.type(description="The correction request is filed with the owning department.")
class DisputeOpened:
    """`disputeRecord` succeeded."""

    dispute: RecordDispute = strawberry.field(description="The new request (status OPEN).")


DisputeRecordPayload = Annotated[
    DisputeOpened
    | InvalidInput
    | RateLimited
    | StepUpRequired
    | AuthenticationRequired
    | ServiceUnavailable,
    strawberry.union(
        "DisputeRecordPayload",
        description="Result of `disputeRecord`: `InvalidInput` names `field` (no such value in "
        "that section) or `reason` (5 to 500 characters).",
    ),
]

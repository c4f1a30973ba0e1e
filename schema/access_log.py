"""GraphQL types of the access log: who read your life record (cf. Estonia's Data Tracker)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.liferecord import LifeRecordSection


@strawberry.enum(description="Who read a life record.")
class ReaderKind(Enum):
    """Kinds of reader."""

    CITIZEN = strawberry.enum_value("citizen", description="Another citizen (with your consent).")
    OFFICER = strawberry.enum_value(
        "officer", description="A department officer, e.g. handling an application of yours."
    )
    ENTERPRISE_AGENT = strawberry.enum_value(
        "enterprise_agent", description="An agent acting for an enterprise."
    )
    SERVICE = strawberry.enum_value(
        "service", description="Another government system, through the data exchange."
    )


@strawberry.type(description="One read of your life record by someone other than you.")
class AccessLogEntry:
    """Who read which sections, why and when."""

    id: str = strawberry.field(description="Entry id.")
    reader_kind: ReaderKind = strawberry.field(description="What kind of reader.")
    reader_name: str = strawberry.field(description="The reader's name (officer, office, system).")
    purpose: str = strawberry.field(description="Why they read it, as they declared.")
    sections: list[LifeRecordSection] = strawberry.field(description="The sections read.")
    at: datetime = strawberry.field(description="When (UTC).")

"""``me.accessLog``: who read the caller's life record, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from identity.models import Principal
from liferecord.errors import LifeRecordError
from liferecord.models import AccessEntry
from liferecord.services.data_tracker import DataTracker
from resolvers.context import Info
from resolvers.errors import public_error
from schema.access_log import AccessLogEntry, ReaderKind
from schema.common import (
    Connection,
    Edge,
    connection,
    decode_time_cursor,
    encode_time_cursor,
)
from schema.liferecord import LifeRecordSection
from schema.payloads import AuthenticationRequired, StepUpRequired

CURSOR_KIND = "access"

AccessLogResult = Annotated[
    Connection[AccessLogEntry] | StepUpRequired | AuthenticationRequired,
    strawberry.union(
        "AccessLogResult", description="Who read your life record, or what to do first."
    ),
]


def entry_type(entry: AccessEntry) -> AccessLogEntry:
    """The GraphQL view of an access log entry."""
    return AccessLogEntry(
        id=entry.id,
        reader_kind=ReaderKind(entry.reader_kind),
        reader_name=entry.reader_name,
        purpose=entry.purpose,
        sections=[LifeRecordSection(section.value) for section in entry.sections],
        at=entry.at,
    )


def _cursor(entry: AccessEntry) -> str:
    return encode_time_cursor(CURSOR_KIND, entry.at, entry.id)


def _before(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    return decode_time_cursor(CURSOR_KIND, cursor, argument="before")


async def access_log_of(
    info: Info, principal: Principal, *, first: int, before: str | None
) -> Connection[AccessLogEntry]:
    """One page of reads of the caller's record by others, newest first."""
    try:
        page = await info.context.service(DataTracker).page_of(
            principal.account_id, first=first, before=_before(before)
        )
    except LifeRecordError as error:
        raise public_error(error) from error
    edges = [Edge(cursor=_cursor(entry), node=entry_type(entry)) for entry in page.items]
    return connection(edges, has_next_page=page.has_next_page)

"""Scalars whose input parsing is ours: every value they accept is one the drivers can store."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.types.scalar import ScalarDefinition

from schema.errors import PublicError

BAD_USER_INPUT = "BAD_USER_INPUT"
"""``extensions.code`` of a variable or argument value the API cannot accept."""

EARLIEST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
"""Instants the API accepts: wide enough for any record, far from where datetime,
BSON and the UTC conversion of an offset like ``-23:59`` overflow."""


def instant_in_range(value: datetime) -> bool:
    """True when ``value`` (with an offset, or a naive wall-clock time) lies in the range.

    An aware value is compared in UTC; converting one near year 9999 overflows, which
    is exactly what must not reach a resolver or a driver.
    """
    try:
        moment = value.astimezone(UTC) if value.utcoffset() is not None else value
    except OverflowError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return EARLIEST_INSTANT <= moment <= LATEST_INSTANT


def parse_date_time(value: object) -> datetime:
    """The ``DateTime`` input coercion: an ISO 8601 string within the supported range.

    Naive values pass (the field decides whether it needs an offset, with its own typed
    error); anything unparsable or out of range is a ``BAD_USER_INPUT`` error.
    """
    if not isinstance(value, str):
        raise PublicError("DateTime must be an ISO 8601 string.", code=BAD_USER_INPUT)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PublicError(
            "DateTime must be an ISO 8601 date and time, e.g. 2027-06-30T00:00:00+08:00.",
            code=BAD_USER_INPUT,
        ) from None
    if not instant_in_range(parsed):
        raise PublicError(
            f"DateTime must lie between {EARLIEST_INSTANT.year} and {LATEST_INSTANT.year} (UTC).",
            code=BAD_USER_INPUT,
        )
    return parsed


def _serialize_date_time(value: datetime) -> str:
    return value.isoformat()


DateTime: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="Date and time, ISO 8601 (e.g. `2027-06-30T00:00:00+08:00`); answers are in "
    f"UTC. Inputs must lie between the years {EARLIEST_INSTANT.year} and "
    f"{LATEST_INSTANT.year}.",
    serialize=_serialize_date_time,
    parse_value=parse_date_time,
)
"""Replaces Strawberry's ``DateTime`` (``scalar_overrides={datetime: DateTime}``)."""

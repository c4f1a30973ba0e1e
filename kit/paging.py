"""Pages of a list in a stable order, and the opaque cursors that point into them.

A domain's repository fetches ``first + 1`` rows and :meth:`Page.of` tells whether a
next page follows; cursors carry the sort key of an item (``kind`` keeps a cursor of
one list from being used in another). Decoding never raises: a cursor is the
client's text, and an invalid one is ``None`` for the API layer to refuse as it
documents (``INVALID_CURSOR``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

T = TypeVar("T")

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
"""Times a cursor may carry: what the API's ``DateTime`` accepts (and UTC can hold)."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items and whether another page follows."""

    items: list[T]
    has_next_page: bool

    @classmethod
    def of(cls, rows: Sequence[T], first: int) -> Page[T]:
        """The page of ``rows`` fetched with a limit of ``first + 1``."""
        return cls(items=list(rows[:first]), has_next_page=len(rows) > first)


def encode_cursor(kind: str, value: str) -> str:
    """An opaque cursor for ``value`` in a list of ``kind``."""
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> str | None:
    """The value of a cursor made by :func:`encode_cursor` for ``kind``; else ``None``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    prefix = f"{kind}:"
    if not text.startswith(prefix) or len(text) == len(prefix):
        return None
    return text[len(prefix) :]


def encode_time_cursor(kind: str, at: datetime, item_id: str) -> str:
    """A cursor for an item of a list ordered by time, then id."""
    return encode_cursor(kind, f"{at.isoformat()}|{item_id}")


def decode_time_cursor(kind: str, cursor: str) -> tuple[datetime, str] | None:
    """The ``(time, id)`` of a cursor made by :func:`encode_time_cursor`; else ``None``.

    Its time must carry an offset and lie between :data:`EARLIEST` and :data:`LATEST`,
    else a query converting it to UTC would crash.
    """
    value = decode_cursor(kind, cursor)
    if value is None:
        return None
    at_text, separator, item_id = value.partition("|")
    try:
        at = datetime.fromisoformat(at_text)
        in_range = at.utcoffset() is not None and EARLIEST <= at.astimezone(UTC) < LATEST
    except (ValueError, OverflowError):
        return None
    if not separator or not item_id or not in_range:
        return None
    return at, item_id

"""Types shared by every domain: localized text and cursor connections."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Generic, TypeVar

import strawberry

from schema.errors import PublicError
from schema.scalars import instant_in_range

NodeT = TypeVar("NodeT")


@strawberry.type(description="A text in Simplified Chinese (first) and English.")
class LocalizedText:
    """A text in Simplified Chinese and English."""

    zh: str = strawberry.field(description="Simplified Chinese (zh-CN).")
    en: str = strawberry.field(description="English.")


@strawberry.type(description="Where a page of a connection ends and whether more follow.")
class PageInfo:
    """Cursor paging state of one page."""

    has_next_page: bool = strawberry.field(description="True when another page follows.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge; pass it as `after` to get the next page."
    )


@strawberry.type(description="One item of a page, with the cursor that points at it.")
class Edge(Generic[NodeT]):
    """An item of a connection and its cursor."""

    cursor: str = strawberry.field(description="Opaque cursor of this item.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="A page of items in a stable order, with forward cursors.")
class Connection(Generic[NodeT]):
    """A page of a list; page size is bounded by each field."""

    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")


def encode_cursor(kind: str, value: str) -> str:
    """An opaque cursor for ``value`` in a list of ``kind``."""
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, *, argument: str = "after") -> str:
    """The value inside a cursor made by :func:`encode_cursor` for the same ``kind``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    prefix = f"{kind}:"
    if not text.startswith(prefix) or len(text) == len(prefix):
        raise _invalid_cursor(argument)
    return text[len(prefix) :]


def encode_time_cursor(kind: str, at: datetime, item_id: str) -> str:
    """A cursor for an item of a list ordered by time, then id."""
    return encode_cursor(kind, f"{at.isoformat()}|{item_id}")


def decode_time_cursor(kind: str, cursor: str, *, argument: str) -> tuple[datetime, str]:
    """The ``(time, id)`` inside a cursor made by :func:`encode_time_cursor`.

    A cursor is the client's text: its time must carry an offset and lie in the range
    the ``DateTime`` scalar accepts, else the query would crash converting it to UTC.
    """
    at_text, separator, item_id = decode_cursor(kind, cursor, argument=argument).partition("|")
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError:
        raise _invalid_cursor(argument) from None
    if not separator or not item_id or at.utcoffset() is None or not instant_in_range(at):
        raise _invalid_cursor(argument)
    return at, item_id


def _invalid_cursor(argument: str) -> PublicError:
    return PublicError(
        "The cursor is not valid for this list.", code="INVALID_CURSOR", field=argument
    )

"""Types shared by every domain: localized text and cursor connections."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

import strawberry

from kit import paging
from schema.errors import PublicError

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


def connection(edges: list[Edge[NodeT]], *, has_next_page: bool) -> Connection[NodeT]:
    """A page of ``edges``; its end cursor is the last edge's."""
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next_page, end_cursor=edges[-1].cursor if edges else None
        ),
    )


def encode_cursor(kind: str, value: str) -> str:
    """An opaque cursor for ``value`` in a list of ``kind``."""
    return paging.encode_cursor(kind, value)


def decode_cursor(kind: str, cursor: str, *, argument: str = "after") -> str:
    """The value inside a cursor made by :func:`encode_cursor` for the same ``kind``."""
    value = paging.decode_cursor(kind, cursor)
    if value is None:
        raise _invalid_cursor(argument)
    return value


def encode_time_cursor(kind: str, at: datetime, item_id: str) -> str:
    """A cursor for an item of a list ordered by time, then id."""
    return paging.encode_time_cursor(kind, at, item_id)


def decode_time_cursor(kind: str, cursor: str, *, argument: str) -> tuple[datetime, str]:
    """The ``(time, id)`` inside a cursor made by :func:`encode_time_cursor`.

    A cursor is the client's text: a time without an offset or outside the range the
    ``DateTime`` scalar accepts is refused here, before any query converts it to UTC.
    """
    decoded = paging.decode_time_cursor(kind, cursor)
    if decoded is None:
        raise _invalid_cursor(argument)
    return decoded


def _invalid_cursor(argument: str) -> PublicError:
    return PublicError(
        "The cursor is not valid for this list.", code="INVALID_CURSOR", field=argument
    )

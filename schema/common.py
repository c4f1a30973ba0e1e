"""Types shared by every domain: localized text and cursor connections."""

from __future__ import annotations

import base64
import binascii
from typing import Generic, TypeVar

import strawberry

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
        raise PublicError(
            "The cursor is not valid for this list.", code="INVALID_CURSOR", field=argument
        )
    return text[len(prefix) :]

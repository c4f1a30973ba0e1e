"""Pages and cursors of the kernel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kit.paging import (
    Page,
    decode_cursor,
    decode_time_cursor,
    encode_cursor,
    encode_time_cursor,
)


def test_a_page_of_first_plus_one_rows_says_a_next_page_follows() -> None:
    assert Page.of([1, 2, 3], 2) == Page(items=[1, 2], has_next_page=True)
    assert Page.of([1, 2], 2) == Page(items=[1, 2], has_next_page=False)
    assert Page.of([], 2) == Page(items=[], has_next_page=False)


def test_a_cursor_opens_only_for_its_own_list() -> None:
    cursor = encode_cursor("department", "430200-GJJ")
    assert decode_cursor("department", cursor) == "430200-GJJ"
    assert decode_cursor("dispute", cursor) is None


def test_a_time_cursor_round_trips() -> None:
    at = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    assert decode_time_cursor("log", encode_time_cursor("log", at, "acl_1")) == (at, "acl_1")


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59-23:59|x",  # overflows when converted to UTC
        "0001-01-01T00:00:00+00:00|x",  # before the supported range
        "2026-11-30T08:15:00|x",  # no offset
        "2026-11-30T08:15:00+00:00|",  # no id
        "2026-11-30T08:15:00+00:00",  # no separator
        "not a time|x",
    ],
)
def test_a_crafted_time_cursor_is_none_never_an_exception(value: str) -> None:
    assert decode_time_cursor("log", encode_cursor("log", value)) is None


@pytest.mark.parametrize("cursor", ["", "!!!", "bG9nOg", "\ud800", "a" * 3])
def test_garbage_is_none(cursor: str) -> None:
    assert decode_cursor("log", cursor) is None


def test_a_cursor_keeps_the_offset_it_was_made_with() -> None:
    at = datetime(2026, 11, 30, 16, 15, tzinfo=timezone(timedelta(hours=8)))
    decoded = decode_time_cursor("log", encode_time_cursor("log", at, "id"))
    assert decoded is not None
    assert decoded[0] == at

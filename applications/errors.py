"""Expected failures of the applications domain, each with a machine-readable code."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from applications.models import MAX_PAGE_SIZE, MAX_SEARCH_LENGTH
from kit.errors import DomainError


class ApplicationsError(DomainError):
    """Base of the applications domain's expected failures."""

    message_zh = "办事服务暂时无法使用"
    message_en = "Online applications are unavailable just now"


class InvalidPageSize(ApplicationsError):
    """The requested page size is outside the allowed range."""

    code = "INVALID_PAGE_SIZE"
    message_zh = f"每页条数须在 1 到 {MAX_PAGE_SIZE} 之间"
    message_en = f"first must be between 1 and {MAX_PAGE_SIZE}"


class SearchTooLong(ApplicationsError):
    """The search text is longer than the catalogue searches."""

    code = "SEARCH_TOO_LONG"
    message_zh = f"搜索内容不能超过 {MAX_SEARCH_LENGTH} 个字符"
    message_en = f"search must be at most {MAX_SEARCH_LENGTH} characters"


class CalendarUnknown(ApplicationsError):
    """The official holiday schedule of that date's year is not known yet."""

    code = "CALENDAR_UNKNOWN"
    code_description = (
        "The official holiday schedule for a date is not known yet, so no deadline is "
        "computed for it (the calendar data must be updated)."
    )
    message_zh: ClassVar[str] = "该日期所在年份的法定节假日安排尚未公布，暂无法计算办理时限"
    message_en: ClassVar[str] = (
        "The official holiday schedule for that year is not known yet; "
        "the deadline cannot be computed"
    )

    def __init__(self, day: date) -> None:
        super().__init__()
        self.day = day
        """The first date the calendar could not say anything about."""

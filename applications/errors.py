"""Expected failures of the applications domain, each with a machine-readable code."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from kit.errors import DomainError


class CalendarUnknown(DomainError):
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

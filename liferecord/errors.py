"""Expected failures of the life record, each with a machine-readable code."""

from __future__ import annotations


class LifeRecordError(Exception):
    """Base of the life record's expected failures."""

    code = "LIFE_RECORD_ERROR"
    message_zh = "个人信息暂时无法读取"
    message_en = "The life record cannot be read just now"

    def __init__(self, *, field: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(self.message_en)
        self.field = field
        self.retry_after = retry_after


class UnknownSection(LifeRecordError):
    """No source serves this section here."""

    code = "INVALID_INPUT"
    message_zh = "没有该类个人信息"
    message_en = "There is no such section"


class RefreshRateLimited(LifeRecordError):
    """Too many forced refreshes."""

    code = "RATE_LIMITED"
    message_zh = "刷新过于频繁，请稍后再试"
    message_en = "Too many refreshes, please try again later"

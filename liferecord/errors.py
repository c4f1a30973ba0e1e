"""Expected failures of the life record, each with a machine-readable code."""

from __future__ import annotations

from kit.errors import DomainError, register_code

register_code(
    "SOURCE_UNAVAILABLE",
    "A department's system did not answer (down, slow or sent bad data) and nothing of it "
    "is cached; see `retryAfter`.",
)


class LifeRecordError(DomainError):
    """Base of the life record's expected failures."""

    message_zh = "个人信息暂时无法读取"
    message_en = "The life record cannot be read just now"


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


class UnknownServiceItem(LifeRecordError):
    """The prefill catalogue has no service item with this code."""

    code = "INVALID_INPUT"
    message_zh = "没有该办事事项"
    message_en = "There is no service item with this code"


class InvalidDisputeField(LifeRecordError):
    """The disputed field is not a field of that section."""

    code = "INVALID_INPUT"
    message_zh = "该类个人信息中没有这一项"
    message_en = "This section has no such field"


class InvalidDisputeReason(LifeRecordError):
    """The reason is too short or too long."""

    code = "INVALID_INPUT"
    message_zh = "请用 5 到 500 个字说明理由"
    message_en = "Please give a reason of 5 to 500 characters"


class DisputeRateLimited(LifeRecordError):
    """Too many disputes opened today."""

    code = "RATE_LIMITED"
    message_zh = "今天提交的纠错申请过多，请明天再试"
    message_en = "Too many correction requests today, please try again tomorrow"


class DisputeNotFound(LifeRecordError):
    """No dispute with this id (or not in a state that allows the change)."""

    code = "NOT_FOUND"
    message_zh = "没有该纠错申请"
    message_en = "There is no such correction request"


class InvalidPage(LifeRecordError):
    """A page size out of bounds or a cursor of another list."""

    code = "INVALID_INPUT"
    message_zh = "分页参数无效"
    message_en = "The page size or cursor is not valid"


class CorrectionNotPossible(LifeRecordError):
    """The department's source cannot take this value, or cannot be corrected here."""

    code = "CORRECTION_NOT_POSSIBLE"
    message_zh = "该数据无法按此值更正（格式不符或来源不支持更正）"
    message_en = "The value cannot be corrected to this (wrong format, or the source cannot)"

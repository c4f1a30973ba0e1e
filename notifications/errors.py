"""Expected failures of the notifications domain, each with a machine-readable code."""

from __future__ import annotations

from kit.errors import DomainError, register_code
from notifications.models import MAX_PAGE_SIZE


class NotificationsError(DomainError):
    """Base of the notifications domain's expected failures."""

    message_zh = "消息服务暂时无法使用"
    message_en = "Notifications are unavailable just now"


class InvalidPageSize(NotificationsError):
    """The requested page size is outside the allowed range."""

    code = "INVALID_PAGE_SIZE"
    message_zh = f"每页条数须在 1 到 {MAX_PAGE_SIZE} 之间"
    message_en = f"first must be between 1 and {MAX_PAGE_SIZE}"


class InvalidDeviceToken(NotificationsError):
    """The push token is empty or too long."""

    code = "INVALID_DEVICE_TOKEN"
    message_zh = "推送令牌无效"
    message_en = "The push token is not valid"


class UnsupportedPlatform(NotificationsError):
    """No push channel serves devices of that platform."""

    code = "UNSUPPORTED_PLATFORM"
    message_zh = "该平台不支持消息推送"
    message_en = "Push notifications are not available on that platform"


class CategoryNotMutable(NotificationsError):
    """Security alerts (sign-in from a new device) cannot be muted."""

    code = "CATEGORY_NOT_MUTABLE"
    message_zh = "安全提醒不能关闭"
    message_en = "Security alerts cannot be muted"


class InvalidQuietHours(NotificationsError):
    """Quiet hours must start and end at different times (HH:MM)."""

    code = "INVALID_QUIET_HOURS"
    message_zh = "免打扰时段无效"
    message_en = "Quiet hours must start and end at different times (HH:MM)"


class TooManyIds(NotificationsError):
    """Too many notification ids in one call."""

    code = "TOO_MANY_IDS"
    message_zh = f"一次最多标记 {MAX_PAGE_SIZE} 条"
    message_en = f"At most {MAX_PAGE_SIZE} notifications at a time"


register_code(
    "TOO_SLOW",
    "A live subscription fell too far behind and was ended: subscribe again and re-read "
    "`me.notifications`.",
)

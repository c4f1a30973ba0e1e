"""Expected failures of the identity domain, each with a machine-readable code.

Messages come in Chinese first and English second. They never say more than the
client needs: "code invalid" whether or not the phone has an account.
"""

from __future__ import annotations


class IdentityError(Exception):
    """Base of the identity domain's expected failures."""

    code = "IDENTITY_ERROR"
    message_zh = "身份认证失败"
    message_en = "Identity check failed"

    def __init__(self, *, field: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(self.message_en)
        self.field = field
        self.retry_after = retry_after


class InvalidPhone(IdentityError):
    """Not a valid mainland mobile number."""

    code = "INVALID_PHONE"
    message_zh = "请输入有效的中国大陆手机号码"
    message_en = "Enter a valid mainland China mobile number"


class RateLimited(IdentityError):
    """Too many attempts; ``retry_after`` says when to try again (seconds)."""

    code = "RATE_LIMITED"
    message_zh = "操作过于频繁，请稍后再试"
    message_en = "Too many attempts, please try again later"


class InvalidCode(IdentityError):
    """The one-time code is wrong, expired, used, or voided by too many tries."""

    code = "INVALID_CODE"
    message_zh = "验证码无效或已过期"
    message_en = "The code is invalid or has expired"


class InvalidRefreshToken(IdentityError):
    """The refresh token is unknown, expired, revoked or was already used."""

    code = "INVALID_REFRESH_TOKEN"
    message_zh = "登录已失效，请重新登录"
    message_en = "Your sign-in has expired, please sign in again"


class SessionNotFound(IdentityError):
    """No session of the caller's has this id."""

    code = "NOT_FOUND"
    message_zh = "未找到该登录设备"
    message_en = "No such session"


class InvalidDevice(IdentityError):
    """The device description is empty or too long."""

    code = "INVALID_INPUT"
    message_zh = "设备名称应为 1 至 64 个字符"
    message_en = "The device name must be 1 to 64 characters"

"""The one base of every domain's expected failures.

An expected failure is not a crash: it carries a machine-readable ``code``, a message
in Chinese and English, the input ``field`` at fault where there is one, and a
``retry_after`` (seconds) where waiting helps. The GraphQL layer maps each to a typed
payload member in one place; domains never import GraphQL.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Base of every domain's expected failures (subclass per failure, code per class)."""

    code: ClassVar[str] = "DOMAIN_ERROR"
    """Machine-readable reason, e.g. ``REAL_NAME_MISMATCH``; several classes may share one."""
    message_zh: ClassVar[str] = "操作未能完成"
    """Message for the user, in Chinese (zh-CN)."""
    message_en: ClassVar[str] = "The operation could not be completed"
    """The same message in English."""

    def __init__(self, *, field: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(self.message_en)
        self.field = field
        self.retry_after = retry_after

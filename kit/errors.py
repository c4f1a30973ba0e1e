"""The one base of every domain's expected failures, and the codes they carry.

An expected failure is not a crash: it carries a machine-readable ``code``, a message
in Chinese and English, the input ``field`` at fault where there is one, and a
``retry_after`` (seconds) where waiting helps. Each domain declares its own failures
(its ``errors`` module); every code a subclass declares is registered here, so the
GraphQL ``ErrorCode`` enum is built from the domains' own declarations, with no
central list to edit. The GraphQL layer maps each failure to a typed payload member in
one place; domains never import GraphQL.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What the API documents about one error code, and which module declared it."""

    description: str
    deprecation: str | None = None
    module: str = ""


_CODES: dict[str, list[CodeInfo]] = {}


def error_codes(*, declared_in: Callable[[str], bool] = lambda module: True) -> dict[str, CodeInfo]:
    """Every registered code and its documentation (the first declaration that counts).

    ``declared_in`` keeps only declarations from some modules: the API's enum counts the
    product's ``errors`` modules, not, say, a test's own subclass.
    """
    found: dict[str, CodeInfo] = {}
    for code, infos in _CODES.items():
        kept = [info for info in infos if declared_in(info.module)]
        if kept:
            found[code] = kept[0]
    return found


def register_code(
    code: str, description: str, *, deprecation: str | None = None, module: str | None = None
) -> None:
    """Declare a code no exception carries (kept for old clients, or set by the API layer).

    ``module`` is the declaring module (by default the caller's).
    """
    if module is None:
        module = str(sys._getframe(1).f_globals.get("__name__", ""))
    _CODES.setdefault(code, []).append(CodeInfo(description, deprecation, module))


class DomainError(Exception):
    """Base of every domain's expected failures (a subclass per failure).

    A subclass that sets ``code`` registers it, documented by ``code_description`` (or
    the first line of its docstring); several classes may share a code (the first one
    documents it).
    """

    code: ClassVar[str] = "DOMAIN_ERROR"
    """Machine-readable reason, e.g. ``REAL_NAME_MISMATCH``."""
    message_zh: ClassVar[str] = "操作未能完成"
    """Message for the user, in Chinese (zh-CN)."""
    message_en: ClassVar[str] = "The operation could not be completed"
    """The same message in English."""
    code_description: ClassVar[str | None] = None
    """How the API documents ``code`` (defaults to the docstring's first line)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            doc = (cls.__doc__ or cls.code).strip().splitlines()[0]
            register_code(
                cls.code, cls.__dict__.get("code_description") or doc, module=cls.__module__
            )

    def __init__(self, *, field: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(self.message_en)
        self.field = field
        self.retry_after = retry_after


class InvalidInput(DomainError):
    """An argument is wrong; ``field`` names it."""

    code_description = "An argument is wrong."
    code = "INVALID_INPUT"
    message_zh = "输入有误"
    message_en = "An argument is wrong"


class NotFound(DomainError):
    """No such item of the caller's (other people's items are not revealed either)."""

    code_description = "No such item of yours."
    code = "NOT_FOUND"
    message_zh = "未找到"
    message_en = "Not found"


class RateLimited(DomainError):
    """Too many attempts; ``retry_after`` says when to try again (seconds)."""

    code = "RATE_LIMITED"
    code_description = "Too many attempts; see `retryAfterSeconds`."
    message_zh = "操作过于频繁，请稍后再试"
    message_en = "Too many attempts, please try again later"


register_code(
    "SERVICE_UNAVAILABLE",
    "A part of the service is briefly down (e.g. restarting): the operation did not "
    "complete; try again after `retryAfterSeconds`.",
)
# The system heartbeat subscription's argument checks (the API layer's own codes).
register_code("INVALID_INTERVAL", "`heartbeat`'s `intervalSeconds` is out of range.")
register_code("INVALID_COUNT", "`heartbeat`'s `count` is out of range.")

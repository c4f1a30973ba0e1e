"""Typed errors that mutations return (clients switch on ``__typename`` and ``code``)."""

from __future__ import annotations

import importlib
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry

if TYPE_CHECKING:
    from schema.error_codes import ErrorCode


def error_code(code: str) -> Any:
    """The ``ErrorCode`` member for ``code`` (``INVALID_INPUT`` for an unknown one).

    ``schema.error_codes`` is imported here, on first use, not at import time: it builds
    the enum from the codes the domains registered, which must all be imported first.
    """
    enum = importlib.import_module("schema.error_codes").ErrorCode
    return enum[code] if code in enum.__members__ else enum["INVALID_INPUT"]


@strawberry.enum(description="How sure the service is of who the caller is.")
class AssuranceLevel(Enum):
    """Assurance levels, from weakest to strongest."""

    PHONE = strawberry.enum_value(1, description="Level 1: signed in with an SMS code.")
    REAL_NAME = strawberry.enum_value(
        2,
        description="Level 2: a verified identity bound to the account by possession (the "
        "carrier's record of the phone, or a face check); holds on every session.",
    )
    REAL_PERSON = strawberry.enum_value(
        3, description="Level 3: this session passed a liveness check within the last 15 minutes."
    )


@strawberry.enum(description="Why a request counts as not signed in.")
class AuthFailure(Enum):
    """The state of the presented access token."""

    MISSING = strawberry.enum_value("MISSING", description="No bearer token was sent.")
    EXPIRED = strawberry.enum_value("EXPIRED", description="Refresh it with `refreshToken`.")
    INVALID = strawberry.enum_value("INVALID", description="Not a token of this service.")
    REVOKED = strawberry.enum_value("REVOKED", description="Its session was signed out.")


@strawberry.interface(description="An expected failure the client can act on.")
class UserError:
    """Common fields of every typed error.

    ``codes`` lists the domain codes a type stands for: a domain error is returned as
    the member of the field's union whose ``codes`` name its code (``InvalidInput``
    otherwise).
    """

    codes: ClassVar[tuple[str, ...]] = ()

    code: Annotated[ErrorCode, strawberry.lazy("schema.error_codes")] = strawberry.field(
        description="Machine-readable reason."
    )
    message: str = strawberry.field(description="Message for the user, in Chinese (zh-CN).")
    message_en: str = strawberry.field(description="The same message in English.")
    field: str | None = strawberry.field(
        default=None, description="The input field at fault, where one is."
    )


@strawberry.type(description="An argument is wrong; `field` names it.")
class InvalidInput(UserError):
    """Bad input."""

    codes = ("INVALID_INPUT",)


@strawberry.type(description="Too many attempts.")
class RateLimited(UserError):
    """A limit was reached."""

    codes = ("RATE_LIMITED",)

    retry_after_seconds: int = strawberry.field(
        default=60, description="Seconds until another attempt is allowed."
    )


@strawberry.type(description="The one-time code is wrong, expired or already used.")
class InvalidCode(UserError):
    """A wrong code (the message is the same whether or not the phone has an account)."""

    codes = ("INVALID_CODE",)


@strawberry.type(description="The refresh token cannot be used: sign in again.")
class InvalidRefreshToken(UserError):
    """A refresh failure."""

    codes = ("INVALID_REFRESH_TOKEN",)


@strawberry.type(description="Nothing of yours has this id.")
class NotFound(UserError):
    """Not found (also for other users' items: their existence is not revealed)."""

    codes = ("NOT_FOUND",)


@strawberry.type(description="The operation needs a signed-in caller.")
class AuthenticationRequired(UserError):
    """Not signed in, or the access token was refused."""

    codes = ("AUTHENTICATION_REQUIRED",)

    reason: AuthFailure = strawberry.field(
        default=AuthFailure.MISSING, description="What was wrong with the token."
    )


@strawberry.type(description="The operation needs a higher assurance level: verify, then retry.")
class StepUpRequired(UserError):
    """Too low an assurance level."""

    codes = ("STEP_UP_REQUIRED",)

    required_level: AssuranceLevel = strawberry.field(
        default=AssuranceLevel.REAL_NAME, description="The level the operation needs."
    )
    current_level: AssuranceLevel = strawberry.field(
        default=AssuranceLevel.PHONE, description="The caller's level now."
    )


@strawberry.type(
    description="A part of the service this operation needs is briefly down (a restart, a "
    "failover), so the operation did not complete; try again after `retryAfterSeconds`."
)
class ServiceUnavailable(UserError):
    """A retryable refusal during an outage."""

    codes = ("SERVICE_UNAVAILABLE",)

    retry_after_seconds: int = strawberry.field(
        default=5, description="Seconds to wait before trying again."
    )

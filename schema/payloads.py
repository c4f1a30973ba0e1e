"""Typed errors that mutations return (clients switch on ``__typename`` and ``code``)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Machine-readable reason of an expected failure.")
class ErrorCode(Enum):
    """Every code a ``UserError`` can carry."""

    INVALID_INPUT = strawberry.enum_value("INVALID_INPUT", description="An argument is wrong.")
    INVALID_PHONE = strawberry.enum_value(
        "INVALID_PHONE", description="Not a valid mainland China mobile number."
    )
    RATE_LIMITED = strawberry.enum_value(
        "RATE_LIMITED", description="Too many attempts; see `retryAfterSeconds`."
    )
    INVALID_CODE = strawberry.enum_value(
        "INVALID_CODE", description="The one-time code is wrong, expired or used up."
    )
    INVALID_REFRESH_TOKEN = strawberry.enum_value(
        "INVALID_REFRESH_TOKEN", description="Sign in again: the refresh token is not valid."
    )
    INVALID_MINI_PROGRAM_CODE = strawberry.enum_value(
        "INVALID_MINI_PROGRAM_CODE",
        description="The mini-program login code was refused; get a new one from the platform.",
    )
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="No such item of yours.")
    AUTHENTICATION_REQUIRED = strawberry.enum_value(
        "AUTHENTICATION_REQUIRED", description="Sign in (or refresh the access token) first."
    )
    STEP_UP_REQUIRED = strawberry.enum_value(
        "STEP_UP_REQUIRED", description="A higher assurance level is needed; see `requiredLevel`."
    )
    INVALID_ID_NUMBER = strawberry.enum_value(
        "INVALID_ID_NUMBER",
        description="Not a valid resident ID number (length, area, birth date or check digit).",
    )
    REAL_NAME_MISMATCH = strawberry.enum_value(
        "REAL_NAME_MISMATCH",
        description="This identity could not be confirmed (whatever the reason: unknown, "
        "another name, not the carrier's record of this phone, bound elsewhere, too many "
        "tries). Check the input or verify by face.",
    )
    ID_NUMBER_ALREADY_BOUND = strawberry.enum_value(
        "ID_NUMBER_ALREADY_BOUND",
        description="No longer returned: a number bound elsewhere gets REAL_NAME_MISMATCH.",
        deprecation_reason="Told strangers which ID numbers are bound; see REAL_NAME_MISMATCH.",
    )
    GUARDIAN_REQUIRED = strawberry.enum_value(
        "GUARDIAN_REQUIRED",
        description="The ID number is a child's (under 14): a guardian must act for them.",
    )
    REAL_NAME_ALREADY_VERIFIED = strawberry.enum_value(
        "REAL_NAME_ALREADY_VERIFIED",
        description="This account is already verified with another identity.",
    )
    INVALID_LIVENESS_TICKET = strawberry.enum_value(
        "INVALID_LIVENESS_TICKET",
        description="The liveness ticket is unknown, expired or used: start a new check.",
    )
    INVALID_LIVENESS_RESULT = strawberry.enum_value(
        "INVALID_LIVENESS_RESULT",
        description="The liveness result is not the provider's signed result for this ticket.",
    )
    LIVENESS_FAILED = strawberry.enum_value(
        "LIVENESS_FAILED", description="The liveness check did not pass: start a new one."
    )
    INVALID_USCC = strawberry.enum_value(
        "INVALID_USCC",
        description="Not a valid unified social credit code (length, characters or check "
        "character).",
    )
    ENTERPRISE_NOT_REGISTERED = strawberry.enum_value(
        "ENTERPRISE_NOT_REGISTERED",
        description="The register of legal entities has no enterprise with this code.",
    )
    ENTERPRISE_NOT_ACTIVE = strawberry.enum_value(
        "ENTERPRISE_NOT_ACTIVE",
        description="The enterprise is deregistered or its business licence was revoked.",
    )
    NOT_LEGAL_REPRESENTATIVE = strawberry.enum_value(
        "NOT_LEGAL_REPRESENTATIVE",
        description="The register names someone else as the enterprise's legal representative.",
    )
    AGENT_NOT_ELIGIBLE = strawberry.enum_value(
        "AGENT_NOT_ELIGIBLE",
        description="No real-name verified account has the agent's phone number.",
    )
    ACTING_FORBIDDEN = strawberry.enum_value(
        "ACTING_FORBIDDEN",
        description="The request does not act for an enterprise with the scope needed "
        "(`X-Acting-For` missing, or no live grant with that scope).",
    )
    SERVICE_UNAVAILABLE = strawberry.enum_value(
        "SERVICE_UNAVAILABLE",
        description="A part of the service is briefly down (e.g. restarting): the operation "
        "did not complete; try again after `retryAfterSeconds`.",
    )
    SOURCE_UNAVAILABLE = strawberry.enum_value(
        "SOURCE_UNAVAILABLE",
        description="A department's system did not answer (down, slow or sent bad data) and "
        "nothing of it is cached; see `retryAfter`.",
    )


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
    """Common fields of every typed error."""

    code: ErrorCode = strawberry.field(description="Machine-readable reason.")
    message: str = strawberry.field(description="Message for the user, in Chinese (zh-CN).")
    message_en: str = strawberry.field(description="The same message in English.")
    field: str | None = strawberry.field(
        default=None, description="The input field at fault, where one is."
    )


@strawberry.type(description="An argument is wrong; `field` names it.")
class InvalidInput(UserError):
    """Bad input."""


@strawberry.type(description="Too many attempts.")
class RateLimited(UserError):
    """A limit was reached."""

    retry_after_seconds: int = strawberry.field(
        default=60, description="Seconds until another attempt is allowed."
    )


@strawberry.type(description="The one-time code is wrong, expired or already used.")
class InvalidCode(UserError):
    """A wrong code (the message is the same whether or not the phone has an account)."""


@strawberry.type(description="The refresh token cannot be used: sign in again.")
class InvalidRefreshToken(UserError):
    """A refresh failure."""


@strawberry.type(description="Nothing of yours has this id.")
class NotFound(UserError):
    """Not found (also for other users' items: their existence is not revealed)."""


@strawberry.type(description="The operation needs a signed-in caller.")
class AuthenticationRequired(UserError):
    """Not signed in, or the access token was refused."""

    reason: AuthFailure = strawberry.field(
        default=AuthFailure.MISSING, description="What was wrong with the token."
    )


@strawberry.type(description="The operation needs a higher assurance level: verify, then retry.")
class StepUpRequired(UserError):
    """Too low an assurance level."""

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

    retry_after_seconds: int = strawberry.field(
        default=5, description="Seconds to wait before trying again."
    )

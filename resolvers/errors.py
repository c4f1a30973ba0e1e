"""Maps domain errors to the typed GraphQL errors of the payload unions."""

from __future__ import annotations

from typing import Any, Protocol

from identity.errors import ActingForbidden as DomainActingForbidden
from identity.models import AssuranceLevel as DomainLevel
from infra.outages import Unavailable
from resolvers.context import Context
from schema.enterprise import (
    ActingForbidden,
    AgentNotEligible,
    EnterpriseUnavailable,
    NotLegalRepresentative,
)
from schema.payloads import (
    AssuranceLevel,
    AuthenticationRequired,
    AuthFailure,
    ErrorCode,
    InvalidCode,
    InvalidInput,
    InvalidRefreshToken,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    StepUpRequired,
    UserError,
)
from schema.verification import (
    GuardianRequired,
    LivenessCheckFailed,
    RealNameAlreadyVerified,
    RealNameMismatch,
)


class DomainError(Protocol):
    """What every domain's expected error carries (as class or instance attributes)."""

    @property
    def code(self) -> str:
        """Machine-readable reason."""

    @property
    def message_zh(self) -> str:
        """Message in Chinese."""

    @property
    def message_en(self) -> str:
        """Message in English."""

    @property
    def field(self) -> str | None:
        """The input at fault, if any."""

    @property
    def retry_after(self) -> int | None:
        """Seconds until a retry may succeed, if waiting helps."""


# Codes whose GraphQL type is not the generic ``InvalidInput``.
_TYPES: dict[str, type[UserError]] = {
    "RATE_LIMITED": RateLimited,
    "INVALID_CODE": InvalidCode,
    "INVALID_REFRESH_TOKEN": InvalidRefreshToken,
    "NOT_FOUND": NotFound,
    "REAL_NAME_MISMATCH": RealNameMismatch,
    "GUARDIAN_REQUIRED": GuardianRequired,
    "REAL_NAME_ALREADY_VERIFIED": RealNameAlreadyVerified,
    "INVALID_LIVENESS_TICKET": LivenessCheckFailed,
    "INVALID_LIVENESS_RESULT": LivenessCheckFailed,
    "LIVENESS_FAILED": LivenessCheckFailed,
    "ENTERPRISE_NOT_REGISTERED": EnterpriseUnavailable,
    "ENTERPRISE_NOT_ACTIVE": EnterpriseUnavailable,
    "NOT_LEGAL_REPRESENTATIVE": NotLegalRepresentative,
    "AGENT_NOT_ELIGIBLE": AgentNotEligible,
    "ACTING_FORBIDDEN": ActingForbidden,
}


def user_error(error: DomainError) -> Any:
    """The GraphQL error object for a domain error (its union decides what is allowed)."""
    try:
        code = ErrorCode(error.code)
    except ValueError:
        code = ErrorCode.INVALID_INPUT
    kind = _TYPES.get(error.code, InvalidInput)
    extra: dict[str, Any] = {}
    if kind is RateLimited:
        extra["retry_after_seconds"] = error.retry_after or 60
    return kind(
        code=code, message=error.message_zh, message_en=error.message_en, field=error.field, **extra
    )


SERVICE_UNAVAILABLE_ZH = "服务暂时不可用，请稍后重试"
SERVICE_UNAVAILABLE_EN = "The service is briefly unavailable, please try again shortly"


def service_unavailable(error: Unavailable) -> ServiceUnavailable:
    """The typed, retryable answer of an operation whose Redis or MongoDB is down.

    Every mutation that needs one of them catches :class:`infra.outages.Unavailable`
    and returns this (its payload union lists ``ServiceUnavailable``). Which part is
    down is for the operators' log, not for the caller.
    """
    return ServiceUnavailable(
        code=ErrorCode.SERVICE_UNAVAILABLE,
        message=SERVICE_UNAVAILABLE_ZH,
        message_en=SERVICE_UNAVAILABLE_EN,
        retry_after_seconds=error.retry_after,
    )


def authentication_required(context: Context) -> AuthenticationRequired:
    """The error for a field that needs a signed-in caller."""
    reason = AuthFailure(context.auth_failure) if context.auth_failure else AuthFailure.MISSING
    return AuthenticationRequired(
        code=ErrorCode.AUTHENTICATION_REQUIRED,
        message="请先登录" if reason is AuthFailure.MISSING else "登录已失效，请重新登录",
        message_en="Please sign in"
        if reason is AuthFailure.MISSING
        else "Your sign-in is no longer valid, please sign in again",
        reason=reason,
    )


def step_up_required(required: DomainLevel, current: DomainLevel) -> StepUpRequired:
    """The error for a field that needs a higher assurance level."""
    messages = {
        DomainLevel.REAL_NAME: ("请先完成实名认证", "Please verify your real name first"),
        DomainLevel.REAL_PERSON: ("请先完成刷脸认证", "Please complete a face (liveness) check"),
    }
    zh, en = messages.get(required, ("需要更高的认证级别", "A higher assurance level is needed"))
    return StepUpRequired(
        code=ErrorCode.STEP_UP_REQUIRED,
        message=zh,
        message_en=en,
        required_level=AssuranceLevel(int(required)),
        current_level=AssuranceLevel(int(current)),
    )


def acting_forbidden(scope: str) -> ActingForbidden:
    """The error for a field that needs to act for an enterprise with ``scope``.

    Whether a grant is missing, expired or revoked, or lacks the scope, reads the same.
    """
    return ActingForbidden(
        code=ErrorCode.ACTING_FORBIDDEN,
        message=DomainActingForbidden.message_zh,
        message_en=DomainActingForbidden.message_en,
        required_scope=scope,
    )

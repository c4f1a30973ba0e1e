"""Maps domain errors to the typed GraphQL errors of the payload unions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.types.field import StrawberryField
from strawberry.types.union import StrawberryUnion

from identity.errors import ActingForbidden as DomainActingForbidden
from identity.errors import RoleRequired as DomainRoleRequired
from identity.models import AssuranceLevel as DomainLevel
from identity.models import OfficerRole as DomainOfficerRole
from infra.outages import Unavailable
from kit.errors import DomainError
from resolvers.context import Context
from schema.cases import FieldProblem
from schema.enterprise import ActingForbidden
from schema.errors import PublicError
from schema.officers import OfficerRole, RoleRequired
from schema.payloads import (
    AssuranceLevel,
    AuthenticationRequired,
    AuthFailure,
    InvalidInput,
    RateLimited,
    ServiceUnavailable,
    StepUpRequired,
    UserError,
    error_code,
)


def user_error(error: DomainError, members: Sequence[type[UserError]]) -> UserError:
    """The member of a payload union that stands for ``error`` (by its ``codes``).

    A code no member names falls back to ``InvalidInput`` when the union has it; a union
    with neither is a bug in the schema (the error gate masks and logs it).
    """
    kind = next((m for m in members if error.code in m.codes), None)
    if kind is None and InvalidInput in members:
        kind = InvalidInput
    if kind is None:
        raise RuntimeError(f"no member of the payload union stands for {error.code}")
    extra: dict[str, Any] = {}
    if getattr(kind, "takes_problems", False):
        # FormInvalid and MaterialsInvalid list every problem (path, code, zh/en message).
        extra["problems"] = [
            FieldProblem(path=p.path, code=p.code, message=p.message_zh, message_en=p.message_en)
            for p in getattr(error, "problems", [])
        ]
    if kind is RateLimited:
        extra["retry_after_seconds"] = error.retry_after or 60
    return kind(
        code=error_code(error.code),
        message=error.message_zh,
        message_en=error.message_en,
        field=error.field,
        **extra,
    )


def public_error(error: DomainError) -> PublicError:
    """A query field's expected failure as a coded GraphQL error (lists have no union)."""
    return PublicError(error.message_en, code=error.code, field=error.field)


def union_members(field: StrawberryField) -> list[type[UserError]]:
    """The typed errors a field's result union may carry."""
    kind: Any = field.type
    while hasattr(kind, "of_type"):
        kind = kind.of_type
    candidates = kind.types if isinstance(kind, StrawberryUnion) else [kind]
    return [c for c in candidates if isinstance(c, type) and issubclass(c, UserError)]


class ExpectedErrors(FieldExtension):
    """Returns a domain's expected failures as members of the field's result union.

    A resolver calls its service and maps the success; a :class:`~kit.errors.DomainError`
    becomes the union member whose ``codes`` name it, and an outage
    (:class:`~infra.outages.Unavailable`) becomes ``ServiceUnavailable``. So no resolver
    catches errors itself, and no payload needs a cast. Declared as
    ``extensions=[..., ExpectedErrors()]``.
    """

    def apply(self, field: StrawberryField) -> None:
        """Remember the field; its union is read when the first error needs it."""
        self._field = field
        self._members: list[type[UserError]] | None = None

    def _answer(self, error: Exception) -> UserError:
        if self._members is None:
            self._members = union_members(self._field)
        if isinstance(error, Unavailable) and ServiceUnavailable in self._members:
            return service_unavailable(error)
        if isinstance(error, DomainError):
            return user_error(error, self._members)
        raise error

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        """Synchronous resolvers."""
        try:
            return next_(source, info, **kwargs)
        except (DomainError, Unavailable) as error:
            return self._answer(error)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        """Asynchronous resolvers."""
        try:
            return await next_(source, info, **kwargs)
        except (DomainError, Unavailable) as error:
            return self._answer(error)


SERVICE_UNAVAILABLE_ZH = "服务暂时不可用，请稍后重试"
SERVICE_UNAVAILABLE_EN = "The service is briefly unavailable, please try again shortly"


def service_unavailable(error: Unavailable) -> ServiceUnavailable:
    """The typed, retryable answer of an operation whose Redis or MongoDB is down.

    Every mutation that needs one of them catches :class:`infra.outages.Unavailable`
    and returns this (its payload union lists ``ServiceUnavailable``). Which part is
    down is for the operators' log, not for the caller.
    """
    return ServiceUnavailable(
        code=error_code("SERVICE_UNAVAILABLE"),
        message=SERVICE_UNAVAILABLE_ZH,
        message_en=SERVICE_UNAVAILABLE_EN,
        retry_after_seconds=error.retry_after,
    )


def authentication_required(context: Context) -> AuthenticationRequired:
    """The error for a field that needs a signed-in caller."""
    reason = AuthFailure(context.auth_failure) if context.auth_failure else AuthFailure.MISSING
    return AuthenticationRequired(
        code=error_code("AUTHENTICATION_REQUIRED"),
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
        code=error_code("STEP_UP_REQUIRED"),
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
        code=error_code("ACTING_FORBIDDEN"),
        message=DomainActingForbidden.message_zh,
        message_en=DomainActingForbidden.message_en,
        required_scope=scope,
    )


def role_required(role: DomainOfficerRole) -> RoleRequired:
    """The error for a field that needs a live grant of ``role``."""
    return RoleRequired(
        code=error_code("ROLE_REQUIRED"),
        message=DomainRoleRequired.message_zh,
        message_en=DomainRoleRequired.message_en,
        required_role=OfficerRole(role.value),
    )

"""Field-level access rules, declared on the field, answering with typed errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions.field_extension import FieldExtension

from identity.models import AgentScope, AssuranceLevel, OfficerRole
from identity.services.officers import OfficerService
from resolvers.context import Context
from resolvers.errors import (
    acting_forbidden,
    authentication_required,
    role_required,
    step_up_required,
)
from schema.errors import PublicError


class FieldGuard(FieldExtension):
    """A rule checked before the resolver runs; a refusal is returned, not raised.

    Returning the typed error (instead of raising) lets the field's result union carry
    it, so clients switch on ``__typename`` and act (sign in, verify, ask for a grant).
    """

    def refusal(self, context: Context) -> object | None:
        """The typed error to return instead of resolving, or ``None`` to go ahead."""
        raise NotImplementedError

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        """Synchronous resolvers."""
        refused = self.refusal(info.context)
        return refused if refused is not None else next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        """Asynchronous resolvers."""
        refused = self.refusal(info.context)
        return refused if refused is not None else await next_(source, info, **kwargs)


class RequireLevel(FieldGuard):
    """The field needs a signed-in caller at ``level`` or above.

    Returns ``AuthenticationRequired`` or ``StepUpRequired`` otherwise: the field's
    result union must include both. Declared as
    ``extensions=[RequireLevel(AssuranceLevel.X)]``.
    """

    def __init__(self, level: AssuranceLevel = AssuranceLevel.PHONE) -> None:
        super().__init__()
        self.level = level

    def refusal(self, context: Context) -> object | None:
        """Not signed in, or too low a level."""
        principal = context.principal
        if principal is None:
            return authentication_required(context)
        if principal.level < self.level:
            return step_up_required(self.level, principal.level)
        return None


class RequireLevelRaising(RequireLevel):
    """:class:`RequireLevel` for a query field whose type is no union (a list, an object).

    The refusal cannot be a union member there, so it is raised as a coded GraphQL
    error (``extensions.code`` ``AUTHENTICATION_REQUIRED`` with ``reason``, or
    ``STEP_UP_REQUIRED`` with ``requiredLevel``) and the field is null.
    """

    def refusal(self, context: Context) -> object | None:
        """Raise the refusal instead of returning it."""
        refused = super().refusal(context)
        if refused is None:
            return None
        code = "AUTHENTICATION_REQUIRED" if context.principal is None else "STEP_UP_REQUIRED"
        extra: dict[str, object] = {}
        if context.principal is None:
            extra["reason"] = authentication_required(context).reason.value
        else:
            extra["requiredLevel"] = self.level.name
        raise PublicError(getattr(refused, "message_en", "Not allowed"), code=code, extra=extra)


class RequireScope(FieldGuard):
    """The field acts for an enterprise and needs ``scope`` there.

    A request acts for an enterprise only with an ``X-Acting-For: <uscc>`` header and
    a live grant (or as its legal representative), resolved when the context is built.
    Otherwise the field returns ``AuthenticationRequired`` or ``ActingForbidden`` (its
    result union must include both); a missing, expired or revoked grant and a missing
    scope read the same. Declared as ``extensions=[RequireScope(AgentScope.X)]``.
    """

    def __init__(self, scope: AgentScope) -> None:
        super().__init__()
        self.scope = scope

    def refusal(self, context: Context) -> object | None:
        """Not signed in, not acting for an enterprise, or without the scope."""
        principal = context.principal
        if principal is None:
            return authentication_required(context)
        acting = principal.acting_for
        if acting is None or self.scope not in acting.scopes:
            return acting_forbidden(self.scope)
        return None


class RequireRole(FieldGuard):
    """The field needs a caller holding a live grant of ``role`` (in any department).

    Read afresh on every call (a revoked or expired grant fails at once). Returns
    ``AuthenticationRequired``, ``StepUpRequired`` (below real-name level) or
    ``RoleRequired``: the field's result union must include all three. Declared as
    ``extensions=[RequireRole(OfficerRole.X), ExpectedErrors()]`` on async resolvers.
    Department-specific checks are the service's (``OfficerService.require_role``).
    """

    def __init__(self, role: OfficerRole) -> None:
        super().__init__()
        self.role = role

    def refusal(self, context: Context) -> object | None:
        """Not signed in, or below real-name level (the grant is checked asynchronously)."""
        principal = context.principal
        if principal is None:
            return authentication_required(context)
        if principal.level < AssuranceLevel.REAL_NAME:
            return step_up_required(AssuranceLevel.REAL_NAME, principal.level)
        return None

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        """Grants are read from the database: only asynchronous resolvers can be guarded."""
        raise TypeError("RequireRole guards asynchronous resolvers only")

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        """Refuse, or resolve when the caller holds the role now."""
        context: Context = info.context
        refused = self.refusal(context)
        if refused is not None:
            return refused
        principal = context.require_principal()
        if not await context.service(OfficerService).holds_role(principal, self.role):
            return role_required(self.role)
        return await next_(source, info, **kwargs)

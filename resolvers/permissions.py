"""Field-level access rules, declared on the field, answering with typed errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions.field_extension import FieldExtension

from identity.models import AgentScope, AssuranceLevel
from resolvers.context import Context
from resolvers.errors import acting_forbidden, authentication_required, step_up_required


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

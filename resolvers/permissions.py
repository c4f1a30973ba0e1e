"""Field-level access rules, declared on the field, answering with typed errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions.field_extension import FieldExtension

from identity.models import AssuranceLevel
from resolvers.context import Context
from resolvers.errors import authentication_required, step_up_required


class RequireLevel(FieldExtension):
    """The field needs a signed-in caller at ``level`` or above.

    Instead of raising, it returns ``AuthenticationRequired`` or ``StepUpRequired``:
    the field's result union must include both, so clients can act on them (sign in,
    or verify and retry). Declared as ``extensions=[RequireLevel(AssuranceLevel.X)]``.
    """

    def __init__(self, level: AssuranceLevel = AssuranceLevel.PHONE) -> None:
        super().__init__()
        self.level = level

    def _refusal(self, context: Context) -> object | None:
        principal = context.principal
        if principal is None:
            return authentication_required(context)
        if principal.level < self.level:
            return step_up_required(self.level, principal.level)
        return None

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        """Synchronous resolvers."""
        refusal = self._refusal(info.context)
        return refusal if refusal is not None else next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        """Asynchronous resolvers."""
        refusal = self._refusal(info.context)
        return refusal if refusal is not None else await next_(source, info, **kwargs)

"""The enterprise's wallet: its licences, for its legal representative and agents with
``wallet:read`` (the enterprise named by the request's ``X-Acting-For`` header)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.models import AgentScope
from resolvers.context import Info
from resolvers.errors import ExpectedErrors, acting_forbidden
from resolvers.permissions import RequireScope
from resolvers.wallet.licences import wallet_of
from schema.common import Connection
from schema.enterprise import ActingForbidden
from schema.wallet import EnterpriseWalletResult, WalletLicence
from wallet.models import Holder, HolderKind

DESCRIPTION = (
    "The licences of the enterprise named by the `X-Acting-For: <uscc>` header (营业执照, "
    "许可证…), each with its status today, at most 50 a page, for its legal representative "
    "and agents with `wallet:read`; otherwise `ActingForbidden`."
)

_FIRST = Annotated[int, strawberry.argument(description="Page size, 1 to 50.")]
_AFTER = Annotated[str | None, strawberry.argument(description="`endCursor` of the previous page.")]


async def enterprise_wallet_of(
    info: Info, *, first: int, after: str | None
) -> Connection[WalletLicence] | ActingForbidden:
    """One page of the acted-for enterprise's licences (the guard has checked the scope)."""
    acting = info.context.require_principal().acting_for
    if acting is None or AgentScope.WALLET_READ not in acting.scopes:
        return acting_forbidden(AgentScope.WALLET_READ)
    holder = Holder(HolderKind.ENTERPRISE, acting.uscc)
    return await wallet_of(info, holder, first=first, after=after)


@strawberry.type
class EnterpriseWalletFields:
    """The ``wallet`` field of the enterprise acted for (mixed into its profile type)."""

    @strawberry.field(
        description=DESCRIPTION,
        extensions=[RequireScope(AgentScope.WALLET_READ), ExpectedErrors()],
    )
    async def wallet(
        self, info: Info, first: _FIRST = 20, after: _AFTER = None
    ) -> EnterpriseWalletResult:
        """The enterprise's licences."""
        return await enterprise_wallet_of(info, first=first, after=after)


@strawberry.type
class EnterpriseWalletQuery:
    """The enterprise's wallet at the root, for agents granted ``wallet:read`` only."""

    @strawberry.field(
        description=DESCRIPTION + " (The same as `actingEnterprise { wallet }`, for agents "
        "without `profile:read`.)",
        extensions=[RequireScope(AgentScope.WALLET_READ), ExpectedErrors()],
    )
    async def enterprise_wallet(
        self, info: Info, first: _FIRST = 20, after: _AFTER = None
    ) -> EnterpriseWalletResult:
        """The enterprise's licences."""
        return await enterprise_wallet_of(info, first=first, after=after)

"""The ``me`` plug point: the signed-in citizen's own view, assembled from the domains.

Each domain answers its part of ``me`` in a mixin of its own resolvers
(``resolvers/<domain>/me.py``, holding the caller's ``principal`` and ``account``); a
new domain adds its mixin to :class:`Me` here and touches no other domain's resolvers.
"""

from __future__ import annotations

import strawberry

from resolvers.applications.me import ApplicationsMe
from resolvers.context import Info
from resolvers.errors import authentication_required
from resolvers.identity.me import IdentityMe
from resolvers.liferecord.me import LifeRecordMe
from resolvers.wallet.me import WalletMe
from schema.errors import PublicError


@strawberry.type(description="The signed-in citizen: account, level, sessions.")
class Me(IdentityMe, LifeRecordMe, ApplicationsMe, WalletMe):
    """The caller's own view (built per request from the principal)."""


@strawberry.type
class MeQuery:
    """The caller's own data."""

    @strawberry.field(
        description="The signed-in citizen. Without a valid access token: null and an error "
        "with `extensions.code` AUTHENTICATION_REQUIRED and `extensions.reason`."
    )
    async def me(self, info: Info) -> Me | None:
        """The caller."""
        principal = info.context.principal
        if principal is None:
            error = authentication_required(info.context)
            raise PublicError(
                error.message_en,
                code="AUTHENTICATION_REQUIRED",
                extra={"reason": error.reason.value},
            )
        return Me(principal=principal, account=await info.context.require_account())

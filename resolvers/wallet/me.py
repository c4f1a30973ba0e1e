"""The wallet's fields of ``me``: the caller's licences."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.models import Account
from identity.models import AssuranceLevel as DomainLevel
from identity.models import Principal as DomainPrincipal
from resolvers.context import Info
from resolvers.errors import ExpectedErrors
from resolvers.permissions import RequireLevel
from resolvers.wallet.licences import wallet_of
from resolvers.wallet.shares import shares_of
from resolvers.wallet.showcodes import verifications_of
from schema.wallet import LicenceSharesResult, LicenceVerificationsResult, WalletResult
from wallet import presentations, shares
from wallet import service as wallet_service
from wallet.models import Holder, HolderKind


@strawberry.type
class WalletMe:
    """The ``me`` fields the wallet answers (mixed into ``Me`` by :mod:`resolvers.me`)."""

    principal: strawberry.Private[DomainPrincipal]
    account: strawberry.Private[Account]

    @strawberry.field(
        description="Your licence wallet (电子证照): your licences in a stable order, at most "
        f"{wallet_service.MAX_PAGE_SIZE} a page, each with its status today. Needs a verified "
        "real name (level REAL_NAME); otherwise `StepUpRequired`.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def wallet(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 50.")] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="`endCursor` of the previous page.")
        ] = None,
    ) -> WalletResult:
        """The caller's own licences."""
        holder = Holder(HolderKind.CITIZEN, self.principal.account_id)
        return await wallet_of(info, holder, first=first, after=after)

    @strawberry.field(
        description="Who checked your licences (show-codes scanned, share links opened): when, "
        "the outcome, and the verifier when it named itself; newest first, at most "
        f"{presentations.MAX_PAGE_SIZE} a page.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def licence_verifications(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 50.")] = 20,
        before: Annotated[
            str | None,
            strawberry.argument(description="`endCursor` of the previous page: older entries."),
        ] = None,
    ) -> LicenceVerificationsResult:
        """Checks of the caller's licences."""
        return await verifications_of(info, self.principal, first=first, before=before)

    @strawberry.field(
        description="Your shares of licences (`shareLicence`), newest first, revoked and "
        f"expired ones included, at most {shares.MAX_PAGE_SIZE} a page.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def licence_shares(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 50.")] = 20,
        before: Annotated[
            str | None,
            strawberry.argument(description="`endCursor` of the previous page: older shares."),
        ] = None,
    ) -> LicenceSharesResult:
        """The caller's shares."""
        return await shares_of(info, self.principal, first=first, before=before)

"""Sharing: ``shareLicence`` and ``revokeShare`` (holders), ``sharedLicence`` (link holders)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from identity.models import AssuranceLevel as DomainLevel
from identity.models import Principal
from kit.errors import DomainError
from resolvers.context import Info
from resolvers.errors import ExpectedErrors
from resolvers.permissions import RequireLevel
from resolvers.wallet.licences import _text, disclosed_fields, holders_of
from resolvers.wallet.showcodes import checked_error
from schema.common import Connection, Edge, connection, decode_time_cursor, encode_time_cursor
from schema.wallet import (
    LicenceShare,
    LicenceShared,
    LicenceStatus,
    LicenceType,
    LicenceVerification,
    RevokeSharePayload,
    ShareLicencePayload,
    ShareRevoked,
    VerificationFailure,
    VerifiedLicence,
)
from wallet import models
from wallet.shares import SharedView, ShareService

CURSOR_KIND = "licence_share"
SHARE_PATH = "/wallet/shares/"


def share_type(share: models.Share) -> LicenceShare:
    """The GraphQL view of a share."""
    return LicenceShare(
        id=share.id,
        licence_uri=share.uri,
        licence_type=LicenceType(share.type.value),
        party=share.party,
        purpose=share.purpose,
        fields=list(share.fields),
        created_at=share.created_at,
        expires_at=share.expires_at,
        revoked_at=share.revoked_at,
    )


def shared_view_type(view: SharedView, now: datetime) -> LicenceVerification:
    """An opened link as a verification result (``SHARE_UNAVAILABLE`` when it opens nothing)."""
    share = view.share
    if share is None or view.status is None or view.disclosed is None or view.issued_on is None:
        return LicenceVerification(
            authentic=False,
            failure=VerificationFailure.SHARE_UNAVAILABLE,
            status=None,
            licence=None,
            disclosed=[],
            expires_at=None,
            checked_at=now,
        )
    if not view.authentic:
        return LicenceVerification(
            authentic=False,
            failure=VerificationFailure.TAMPERED_LICENCE,
            status=None,
            licence=None,
            disclosed=[],
            expires_at=share.expires_at,
            checked_at=now,
        )
    return LicenceVerification(
        authentic=True,
        failure=None,
        status=LicenceStatus(view.status.value),
        licence=VerifiedLicence(
            uri=share.uri,
            type=LicenceType(share.type.value),
            type_name=_text(models.SCHEMAS[share.type].name),
            issuer=view.issuer,
            issued_on=view.issued_on,
            expires_on=view.expires_on,
        ),
        disclosed=disclosed_fields(share.type, view.disclosed),
        expires_at=share.expires_at,
        checked_at=now,
    )


async def shares_of(
    info: Info, principal: Principal, *, first: int, before: str | None
) -> Connection[LicenceShare]:
    """One page of the caller's own shares, newest first."""
    cursor = decode_time_cursor(CURSOR_KIND, before, argument="before") if before else None
    holder = models.Holder(models.HolderKind.CITIZEN, principal.account_id)
    page = await info.context.service(ShareService).shares_of(holder, first=first, before=cursor)
    edges = [
        Edge(cursor=encode_time_cursor(CURSOR_KIND, s.created_at, s.id), node=share_type(s))
        for s in page.items
    ]
    return connection(edges, has_next_page=page.has_next_page)


@strawberry.type
class WalletShareMutation:
    """Holders share licences and revoke shares."""

    @strawberry.mutation(
        description="Share some fields (`number` or the type's field names) of one of your "
        "valid licences with a named party, for a purpose, for 1 to 30 days. Returns an "
        "unguessable link, shown once; every opening is logged for you. Someone else's "
        "licence: `NotFound`.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def share_licence(
        self,
        info: Info,
        licence: Annotated[str, strawberry.argument(description="The licence's URI.")],
        party: Annotated[str, strawberry.argument(description="Who may see it (1-100 chars).")],
        purpose: Annotated[str, strawberry.argument(description="What for (1-200 chars).")],
        fields: Annotated[list[str], strawberry.argument(description="The fields to show.")],
        expires_in_days: Annotated[
            int, strawberry.argument(description="How long the link opens, 1 to 30 days.")
        ] = 7,
    ) -> ShareLicencePayload:
        """Share a licence."""
        created = await info.context.service(ShareService).share(
            holders_of(info.context.require_principal()),
            licence,
            party=party,
            purpose=purpose,
            fields=fields,
            expires_in_days=expires_in_days,
        )
        return LicenceShared(
            share=share_type(created.share),
            token=created.token,
            link=SHARE_PATH + created.token,
        )

    @strawberry.mutation(
        description="Revoke one of your shares: its link opens nothing from now on.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def revoke_share(
        self,
        info: Info,
        share: Annotated[str, strawberry.argument(description="The share's id.")],
    ) -> RevokeSharePayload:
        """Revoke a share."""
        revoked = await info.context.service(ShareService).revoke(
            holders_of(info.context.require_principal()), share
        )
        return ShareRevoked(share=share_type(revoked))


@strawberry.type
class WalletShareQuery:
    """Opening a share link."""

    @strawberry.field(
        description="Open a share link, without signing in: the shared fields of the licence, "
        "its status today and whether its seal holds. A revoked or expired share, or an "
        "unknown link: `failure` SHARE_UNAVAILABLE. Each opening is logged for the holder."
    )
    async def shared_licence(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="The link's secret.")],
    ) -> LicenceVerification:
        """Open a share."""
        try:
            view = await info.context.service(ShareService).open(
                token, client=info.context.client_ip
            )
        except DomainError as error:
            raise checked_error(error) from error
        return shared_view_type(view, datetime.now(UTC))

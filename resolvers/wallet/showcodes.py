"""Show-codes: ``createShowCode`` (holders), ``verifyLicence`` (anyone) and the holder's log."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated

import strawberry

from identity.models import AssuranceLevel as DomainLevel
from identity.models import Principal
from kit.errors import DomainError, RateLimited
from resolvers.context import Info
from resolvers.errors import ExpectedErrors, public_error
from resolvers.permissions import RequireLevel
from resolvers.wallet.licences import _text, disclosed_fields, holders_of
from schema.common import (
    Connection,
    Edge,
    connection,
    decode_time_cursor,
    encode_time_cursor,
)
from schema.errors import PublicError
from schema.payloads import AuthenticationRequired, InvalidInput, NotFound, StepUpRequired
from schema.wallet import (
    LicenceNotValid,
    LicenceType,
    LicenceVerification,
    LicenceVerificationEntry,
    VerificationChannel,
    VerificationFailure,
    VerifiedLicence,
)
from schema.wallet import LicenceStatus as LicenceStatusType
from wallet import models
from wallet.presentations import OnlineCheck, PresentationService
from wallet.qr import qr_code, qr_png, qr_svg

CURSOR_KIND = "licence_check"


@strawberry.type(description="A show-code as a QR code (error correction level M).")
class ShowCodeQr:
    """Rendered only when a field of it is asked for."""

    token: strawberry.Private[str]

    @strawberry.field(description="QR version (1-40): its size class.")
    def version(self) -> int:
        """The version segno picked."""
        return int(qr_code(self.token).version)

    @strawberry.field(description="An SVG document of the code.")
    def svg(self) -> str:
        """SVG."""
        return qr_svg(self.token)

    @strawberry.field(description="A PNG of the code, base64.")
    def png_base64(self) -> str:
        """PNG, base64."""
        return base64.b64encode(qr_png(self.token)).decode()


@strawberry.type(
    description="A five-minute show-code (亮证码) of one licence, disclosing only the chosen "
    "fields; anyone checks it with `verifyLicence`, or offline with the published seal keys "
    "and status list."
)
class ShowCodeCreated:
    """Show-code made."""

    token: str = strawberry.field(description="The token (`ZZL1:` + base45), as the QR holds it.")
    expires_at: datetime = strawberry.field(description="When it stops verifying.")
    disclosed: list[str] = strawberry.field(description="The fields it discloses.")
    qr: ShowCodeQr = strawberry.field(description="The token as a QR code.")


CreateShowCodePayload = Annotated[
    ShowCodeCreated
    | LicenceNotValid
    | NotFound
    | StepUpRequired
    | AuthenticationRequired
    | InvalidInput,
    strawberry.union("CreateShowCodePayload", description="Result of `createShowCode`."),
]


def checked_error(error: DomainError) -> PublicError:
    """A public check's refusal: bad input, or too many checks (with when to retry)."""
    if isinstance(error, RateLimited):
        return PublicError(
            error.message_en,
            code=error.code,
            extra={"retryAfterSeconds": error.retry_after or 60},
        )
    return public_error(error)


def verification_type(result: OnlineCheck) -> LicenceVerification:
    """The GraphQL view of an online check (nothing but the failure when not authentic)."""
    claims = result.claims
    if not result.authentic or claims is None:
        return LicenceVerification(
            authentic=False,
            failure=VerificationFailure(result.failure.value) if result.failure else None,
            status=None,
            licence=None,
            disclosed=[],
            expires_at=claims.expires_at if claims else None,
            checked_at=result.checked_at,
        )
    return LicenceVerification(
        authentic=True,
        failure=None,
        status=LicenceStatusType(result.status.value) if result.status else None,
        licence=VerifiedLicence(
            uri=claims.uri,
            type=LicenceType(claims.type.value),
            type_name=_text(models.SCHEMAS[claims.type].name),
            issuer=claims.issuer,
            issued_on=claims.issued_on,
            expires_on=claims.expires_on,
        ),
        disclosed=disclosed_fields(claims.type, result.disclosed),
        expires_at=claims.expires_at,
        checked_at=result.checked_at,
    )


async def verifications_of(
    info: Info, principal: Principal, *, first: int, before: str | None
) -> Connection[LicenceVerificationEntry]:
    """One page of the checks of the caller's own licences, newest first."""
    cursor = decode_time_cursor(CURSOR_KIND, before, argument="before") if before else None
    holder = models.Holder(models.HolderKind.CITIZEN, principal.account_id)
    page = await info.context.service(PresentationService).verifications(
        holder, first=first, before=cursor
    )
    edges = [
        Edge(
            cursor=encode_time_cursor(CURSOR_KIND, entry.at, entry.id),
            node=LicenceVerificationEntry(
                id=entry.id,
                licence_uri=entry.uri,
                licence_type=LicenceType(entry.type.value),
                channel=VerificationChannel(entry.channel.value),
                outcome=entry.outcome,
                verifier=entry.verifier,
                at=entry.at,
            ),
        )
        for entry in page.items
    ]
    return connection(edges, has_next_page=page.has_next_page)


@strawberry.type
class WalletHolderMutation:
    """What holders do with their licences."""

    @strawberry.mutation(
        description="Make a five-minute show-code (亮证码) of one of your valid licences (or of "
        "the enterprise you act for with `wallet:read`), disclosing only `fields` (any of the "
        "type's field names and `number`). Someone else's licence: `NotFound`.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def create_show_code(
        self,
        info: Info,
        licence: Annotated[str, strawberry.argument(description="The licence's URI.")],
        fields: Annotated[
            list[str], strawberry.argument(description="The field names to disclose.")
        ],
    ) -> CreateShowCodePayload:
        """Create a show-code."""
        principal = info.context.require_principal()
        code = await info.context.service(PresentationService).create_show_code(
            holders_of(principal), licence, fields
        )
        return ShowCodeCreated(
            token=code.token,
            expires_at=code.claims.expires_at,
            disclosed=list(code.disclosed),
            qr=ShowCodeQr(token=code.token),
        )


@strawberry.type
class WalletQuery:
    """Public checks of licences."""

    @strawberry.field(
        description="Check a show-code, without signing in: authentic or not (and why not), "
        "the licence's status today and only the disclosed fields. The check is logged for the "
        "holder, with `verifier` when you name yourself (e.g. a shop or counter, up to 100 "
        "characters)."
    )
    async def verify_licence(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="The show-code's text.")],
        verifier: Annotated[
            str | None, strawberry.argument(description="Who is checking (optional).")
        ] = None,
    ) -> LicenceVerification:
        """Verify a show-code."""
        try:
            result = await info.context.service(PresentationService).verify(
                token, verifier, client=info.context.client_ip
            )
        except DomainError as error:
            raise checked_error(error) from error
        return verification_type(result)

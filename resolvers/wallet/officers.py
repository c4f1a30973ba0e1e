"""Department mutations: issue, suspend, reinstate and revoke licences.

Only officers (``CLERK`` or ``HEAD``) of the issuing department may, checked afresh on
every call with :meth:`OfficerService.require_role`; the wallet then checks that the
department issues the type (an officer of the police issuing a business licence gets
``LicenceTypeNotIssued``).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.models import AssuranceLevel as DomainLevel
from identity.models import OfficerRole
from identity.services.officers import OfficerService
from resolvers.context import Info
from resolvers.errors import ExpectedErrors
from resolvers.permissions import RequireLevel
from resolvers.wallet.licences import licence_type
from schema.wallet import (
    ChangeLicenceStatusPayload,
    IssueLicenceInput,
    IssueLicencePayload,
    LicenceIssued,
    LicenceStatusChanged,
)
from wallet.errors import InvalidLicence
from wallet.models import SCHEMAS, FieldKind, Holder, HolderKind, LicenceType, StatusChange
from wallet.service import IssueRequest, WalletService

ISSUING_ROLES = frozenset({OfficerRole.CLERK, OfficerRole.HEAD})

_REASON = Annotated[
    str, strawberry.argument(description="Why (shown to the holder, 1-500 characters).")
]
_URI = Annotated[str, strawberry.argument(description="The licence's URI.")]


def _fields(type_: LicenceType, given: list[tuple[str, str]]) -> dict[str, object]:
    """The input's text values, integers parsed where the type's schema says so."""
    schema = SCHEMAS[type_]
    fields: dict[str, object] = {}
    for name, value in given:
        if name in fields:
            raise InvalidLicence(field="fields")
        spec = schema.spec(name)
        if spec is not None and spec.kind is FieldKind.INTEGER:
            text = value.strip()
            if not text.isascii() or not text.isdigit() or len(text) > 15:
                raise InvalidLicence(field=f"fields.{name}")
            fields[name] = int(text)
        else:
            fields[name] = value
    return fields


async def _change(info: Info, uri: str, change: StatusChange, reason: str) -> LicenceStatusChanged:
    principal = info.context.require_principal()
    wallet = info.context.service(WalletService)
    issuer = await wallet.issuer_of(uri)
    await info.context.service(OfficerService).require_role(principal, issuer, ISSUING_ROLES)
    licence = await wallet.change_status(uri, change, reason, by=principal.account_id)
    return LicenceStatusChanged(licence=licence_type(licence, licence.status_on(wallet.today())))


@strawberry.type
class WalletOfficerMutation:
    """What an issuing department's officers do to licences."""

    @strawberry.mutation(
        description="As an officer (`CLERK` or `HEAD`) of `input.issuer`, issue a licence "
        "sealed with the department's current seal key; it lands in its holder's wallet and "
        "the holder is notified. A department that does not issue the type: "
        "`LicenceTypeNotIssued`; no grant there: `RoleRequired`.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def issue_licence(self, info: Info, input: IssueLicenceInput) -> IssueLicencePayload:
        """Issue a licence."""
        principal = info.context.require_principal()
        await info.context.service(OfficerService).require_role(
            principal, input.issuer, ISSUING_ROLES
        )
        wallet = info.context.service(WalletService)
        type_ = LicenceType(str(input.type.value))
        licence = await wallet.issue(
            IssueRequest(
                type=type_,
                holder=Holder(HolderKind(str(input.holder.kind.value)), input.holder.id.strip()),
                issuer=input.issuer,
                number=input.number,
                issued_on=input.issued_on,
                expires_on=input.expires_on,
                fields=_fields(type_, [(f.name, f.value) for f in input.fields]),
            )
        )
        return LicenceIssued(licence=licence_type(licence, licence.status_on(wallet.today())))

    @strawberry.mutation(
        description="As an officer of the issuing department, suspend a valid licence, with "
        "a reason: it verifies as suspended until reinstated.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def suspend_licence(
        self, info: Info, uri: _URI, reason: _REASON
    ) -> ChangeLicenceStatusPayload:
        """Suspend a licence."""
        return await _change(info, uri, StatusChange.SUSPEND, reason)

    @strawberry.mutation(
        description="As an officer of the issuing department, reinstate a suspended licence, "
        "with a reason.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def reinstate_licence(
        self, info: Info, uri: _URI, reason: _REASON
    ) -> ChangeLicenceStatusPayload:
        """Reinstate a licence."""
        return await _change(info, uri, StatusChange.REINSTATE, reason)

    @strawberry.mutation(
        description="As an officer of the issuing department, revoke a valid or suspended "
        "licence for good, with a reason.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def revoke_licence(
        self, info: Info, uri: _URI, reason: _REASON
    ) -> ChangeLicenceStatusPayload:
        """Revoke a licence."""
        return await _change(info, uri, StatusChange.REVOKE, reason)

"""The GraphQL view of a licence, and the holder's wallet as a connection."""

from __future__ import annotations

from collections.abc import Mapping

from identity.models import AgentScope, Principal
from kit.text import Localized
from resolvers.context import Info
from schema.common import Connection, Edge, LocalizedText, connection, decode_cursor, encode_cursor
from schema.wallet import (
    HolderKind,
    LicenceField,
    LicenceFieldKind,
    LicenceSeal,
    LicenceStatus,
    LicenceType,
    WalletLicence,
)
from wallet import models
from wallet.service import WalletService
from wallet.showcode import NUMBER_FIELD

CURSOR_KIND = "licence"
NUMBER_LABEL = Localized(zh="证照编号", en="Licence number")


def _text(value: Localized) -> LocalizedText:
    return LocalizedText(zh=value.zh, en=value.en)


def licence_type(licence: models.Licence, status: models.LicenceStatus) -> WalletLicence:
    """The GraphQL view of ``licence``, with its status as computed for today."""
    schema = models.SCHEMAS[licence.type]
    fields = []
    for spec in schema.fields:
        if spec.name in licence.fields:
            fields.append(
                LicenceField(
                    name=spec.name,
                    label=_text(spec.label),
                    kind=LicenceFieldKind(spec.kind.value),
                    value=str(licence.fields[spec.name]),
                )
            )
    return WalletLicence(
        uri=licence.uri,
        type=LicenceType(licence.type.value),
        type_name=_text(schema.name),
        holder_kind=HolderKind(licence.holder.kind.value),
        issuer=licence.issuer,
        number=licence.number,
        issued_on=licence.issued_on,
        expires_on=licence.expires_on,
        status=LicenceStatus(status.value),
        status_reason=licence.status_reason,
        fields=fields,
        seal=LicenceSeal(
            alg=licence.seal.alg, kid=licence.seal.kid, signature=licence.seal.signature
        ),
    )


async def wallet_of(
    info: Info, holder: models.Holder, *, first: int, after: str | None
) -> Connection[WalletLicence]:
    """One page of ``holder``'s licences (one database query, whatever the wallet's size)."""
    wallet = info.context.service(WalletService)
    cursor = decode_cursor(CURSOR_KIND, after) if after is not None else None
    page = await wallet.wallet_page(holder, first=first, after=cursor)
    today = wallet.today()
    edges = [
        Edge(
            cursor=encode_cursor(CURSOR_KIND, item.uri),
            node=licence_type(item, item.status_on(today)),
        )
        for item in page.items
    ]
    return connection(edges, has_next_page=page.has_next_page)


def holders_of(principal: Principal) -> frozenset[models.Holder]:
    """Whose licences the caller may show and share: their own, and the enterprise's they
    act for with ``wallet:read``."""
    holders = {models.Holder(models.HolderKind.CITIZEN, principal.account_id)}
    acting = principal.acting_for
    if acting is not None and AgentScope.WALLET_READ in acting.scopes:
        holders.add(models.Holder(models.HolderKind.ENTERPRISE, acting.uscc))
    return frozenset(holders)


def disclosed_fields(
    type_: models.LicenceType, values: Mapping[str, str | int]
) -> list[LicenceField]:
    """The GraphQL view of disclosed values, in the type's order (the number first)."""
    schema = models.SCHEMAS[type_]
    labels = {NUMBER_FIELD: (NUMBER_LABEL, models.FieldKind.TEXT)} | {
        spec.name: (spec.label, spec.kind) for spec in schema.fields
    }
    return [
        LicenceField(
            name=name,
            label=_text(labels[name][0]),
            kind=LicenceFieldKind(labels[name][1].value),
            value=str(values[name]),
        )
        for name in labels
        if name in values
    ]

"""GraphQL types of the licence wallet (电子证照): licences, their status and seal."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry

from schema.common import Connection, LocalizedText
from schema.enterprise import ActingForbidden
from schema.officers import RoleRequired
from schema.payloads import (
    AuthenticationRequired,
    InvalidInput,
    NotFound,
    StepUpRequired,
    UserError,
)


@strawberry.enum(description="What a licence is (each type has its own typed fields).")
class LicenceType(Enum):
    """Licence types."""

    BUSINESS_LICENCE = strawberry.enum_value("business_licence", description="营业执照.")
    FOOD_BUSINESS_LICENCE = strawberry.enum_value(
        "food_business_licence", description="食品经营许可证."
    )
    MEDICAL_DEVICE_BUSINESS_PERMIT = strawberry.enum_value(
        "medical_device_business_permit", description="医疗器械经营许可证."
    )
    PHARMACY_LICENCE = strawberry.enum_value("pharmacy_licence", description="药品经营许可证.")
    REAL_ESTATE_CERTIFICATE = strawberry.enum_value(
        "real_estate_certificate", description="不动产权证书."
    )
    RESIDENT_ID = strawberry.enum_value("resident_id", description="居民身份证.")
    DRIVING_LICENCE = strawberry.enum_value("driving_licence", description="机动车驾驶证.")
    MARRIAGE_CERTIFICATE = strawberry.enum_value("marriage_certificate", description="结婚证.")
    PROVIDENT_FUND_CERTIFICATE = strawberry.enum_value(
        "provident_fund_certificate", description="住房公积金缴存证明."
    )


@strawberry.enum(description="Where a licence stands today (in the city's calendar).")
class LicenceStatus(Enum):
    """Licence statuses."""

    VALID = strawberry.enum_value("valid", description="In force.")
    EXPIRED = strawberry.enum_value("expired", description="Past its expiry date.")
    SUSPENDED = strawberry.enum_value(
        "suspended", description="Suspended by its issuer (may be reinstated)."
    )
    REVOKED = strawberry.enum_value("revoked", description="Revoked by its issuer, for good.")


@strawberry.enum(description="Who holds a licence.")
class HolderKind(Enum):
    """Holder kinds."""

    CITIZEN = strawberry.enum_value("citizen", description="A citizen, by account id.")
    ENTERPRISE = strawberry.enum_value(
        "enterprise", description="An enterprise, by unified social credit code."
    )


@strawberry.enum(description="How a licence field's `value` reads.")
class LicenceFieldKind(Enum):
    """Field kinds."""

    TEXT = strawberry.enum_value("text", description="Text.")
    DATE = strawberry.enum_value("date", description="An ISO 8601 date, e.g. 2021-03-15.")
    INTEGER = strawberry.enum_value("integer", description="A whole number, in decimal.")


@strawberry.type(description="One typed field of a licence.")
class LicenceField:
    """A field: its name, label and value."""

    name: str = strawberry.field(description="Field name, e.g. `legalRepresentative`.")
    label: LocalizedText = strawberry.field(description="What it is called on the licence.")
    kind: LicenceFieldKind = strawberry.field(description="How `value` reads.")
    value: str = strawberry.field(description="The value, as text.")


@strawberry.type(description="The issuing department's electronic seal (电子印章) on a licence.")
class LicenceSeal:
    """A signature over the licence's canonical content."""

    alg: str = strawberry.field(description="`SM2-SM3`, `EdDSA` or `ES256`.")
    kid: str = strawberry.field(
        description="Id of the department's key in `/.well-known/seals.json`."
    )
    signature: str = strawberry.field(description="The signature, base64url.")


@strawberry.type(description="An electronic licence (电子证照), sealed by its issuing department.")
class WalletLicence:
    """One licence of a wallet."""

    uri: str = strawberry.field(
        description="Stable id, `urn:zhuzhou:licence:<issuer>:<type>:<docid>`."
    )
    type: LicenceType = strawberry.field(description="What the licence is.")
    type_name: LocalizedText = strawberry.field(description="The type's name.")
    holder_kind: HolderKind = strawberry.field(description="A citizen's or an enterprise's.")
    issuer: str = strawberry.field(description="Code of the issuing department.")
    number: str = strawberry.field(description="The document number.")
    issued_on: date = strawberry.field(description="Date of issue.")
    expires_on: date | None = strawberry.field(description="Expiry date; null: never expires.")
    status: LicenceStatus = strawberry.field(description="Its status today.")
    status_reason: str | None = strawberry.field(
        description="Why the issuer last suspended, reinstated or revoked it."
    )
    fields: list[LicenceField] = strawberry.field(description="Its typed fields.")
    seal: LicenceSeal = strawberry.field(description="The issuing department's seal.")


WalletResult = Annotated[
    Connection[WalletLicence] | StepUpRequired | AuthenticationRequired | InvalidInput,
    strawberry.union("WalletResult", description="Your licences, or what to do first."),
]


@strawberry.input(description="Who will hold a licence.")
class LicenceHolderInput:
    """A citizen's account id or an enterprise's USCC."""

    kind: HolderKind = strawberry.field(description="Citizen or enterprise.")
    id: str = strawberry.field(
        description="The citizen's account id, or the enterprise's unified social credit code."
    )


@strawberry.input(description="One typed field of a licence to issue.")
class LicenceFieldInput:
    """A field's value as text (dates ISO 8601, integers in decimal)."""

    name: str = strawberry.field(description="Field name of the licence type.")
    value: str = strawberry.field(description="The value as text.")


@strawberry.input(description="A licence to issue.")
class IssueLicenceInput:
    """What the issuing department's officer enters."""

    type: LicenceType = strawberry.field(description="The licence type.")
    issuer: str = strawberry.field(
        description="Code of the issuing department: the officer's own, and it must issue "
        "this type."
    )
    holder: LicenceHolderInput = strawberry.field(description="Who holds it.")
    number: str = strawberry.field(description="The document number.")
    issued_on: date = strawberry.field(description="Date of issue.")
    expires_on: date | None = strawberry.field(
        default=None, description="Expiry date (after the issue date); null: never."
    )
    fields: list[LicenceFieldInput] = strawberry.field(
        description="Every required field of the type, each once."
    )


@strawberry.type(description="The licence is issued, sealed and in its holder's wallet.")
class LicenceIssued:
    """Issue succeeded."""

    licence: WalletLicence = strawberry.field(description="The new licence.")


@strawberry.type(description="The licence's status changed; its holder is notified.")
class LicenceStatusChanged:
    """A suspension, reinstatement or revocation succeeded."""

    licence: WalletLicence = strawberry.field(description="The licence after the change.")


@strawberry.type(
    description="The department does not issue this licence type (`LICENCE_TYPE_NOT_ISSUED`), "
    "or has no seal to sign it with (`NO_SEAL_FOR_DEPARTMENT`)."
)
class LicenceTypeNotIssued(UserError):
    """Wrong department for the type."""

    codes = ("LICENCE_TYPE_NOT_ISSUED", "NO_SEAL_FOR_DEPARTMENT")


@strawberry.type(description="A licence with this issuer, type and number exists already.")
class LicenceAlreadyIssued(UserError):
    """Duplicate licence."""

    codes = ("LICENCE_ALREADY_ISSUED",)


@strawberry.type(
    description="The licence's status does not allow the change (e.g. reinstating a valid "
    "licence, or anything on a revoked one)."
)
class LicenceStatusConflict(UserError):
    """Wrong status for the change."""

    codes = ("LICENCE_STATUS_CONFLICT",)


IssueLicencePayload = Annotated[
    LicenceIssued
    | LicenceTypeNotIssued
    | LicenceAlreadyIssued
    | RoleRequired
    | StepUpRequired
    | AuthenticationRequired
    | InvalidInput,
    strawberry.union("IssueLicencePayload", description="Result of `issueLicence`."),
]

ChangeLicenceStatusPayload = Annotated[
    LicenceStatusChanged
    | LicenceStatusConflict
    | NotFound
    | RoleRequired
    | StepUpRequired
    | AuthenticationRequired
    | InvalidInput,
    strawberry.union(
        "ChangeLicenceStatusPayload",
        description="Result of `suspendLicence`, `reinstateLicence` and `revokeLicence`.",
    ),
]


@strawberry.type(
    description="The licence is expired, suspended or revoked: it cannot be shown or shared."
)
class LicenceNotValid(UserError):
    """Not a valid licence today."""

    codes = ("LICENCE_NOT_VALID",)


@strawberry.enum(description="Why a show-code or share is not accepted.")
class VerificationFailure(Enum):
    """Verification failures."""

    MALFORMED = strawberry.enum_value("malformed", description="Not a show-code at all.")
    TAMPERED = strawberry.enum_value(
        "tampered", description="Its signature does not match its content."
    )
    UNKNOWN_KEY = strawberry.enum_value(
        "unknown_key", description="Signed by a key no department publishes."
    )
    ROTATED_OUT_KEY = strawberry.enum_value(
        "rotated_out_key", description="Signed by a key its department no longer signs with."
    )
    EXPIRED_TOKEN = strawberry.enum_value(
        "expired_token",
    )
    DISCLOSURE_MISMATCH = strawberry.enum_value(
        "disclosure_mismatch", description="A disclosed field was altered or added after signing."
    )
    UNKNOWN_LICENCE = strawberry.enum_value(
        "unknown_licence", description="The licence is not on record."
    )
    TAMPERED_LICENCE = strawberry.enum_value(
        "tampered_licence", description="The licence on record no longer matches its seal."
    )
    SHARE_UNAVAILABLE = strawberry.enum_value(
        "share_unavailable", description="No such share, or it was revoked or has expired."
    )


@strawberry.type(description="The licence a show-code or share is about (no field values).")
class VerifiedLicence:
    """What the signature covers besides the disclosed fields."""

    uri: str = strawberry.field(description="The licence's URI.")
    type: LicenceType = strawberry.field(description="What it is.")
    type_name: LocalizedText = strawberry.field(description="The type's name.")
    issuer: str = strawberry.field(description="Code of the issuing department.")
    issued_on: date = strawberry.field(description="Date of issue.")
    expires_on: date | None = strawberry.field(description="Expiry date; null: never.")


@strawberry.type(
    description="The answer to a verifier: authentic or not and why not, the licence's status "
    "today, and only the disclosed fields. Accept the licence when `authentic` is true and "
    "`status` is VALID."
)
class LicenceVerification:
    """A verification result."""

    authentic: bool = strawberry.field(description="Signed by the issuing department, unaltered.")
    failure: VerificationFailure | None = strawberry.field(
        description="Why it is not authentic; null when it is."
    )
    status: LicenceStatus | None = strawberry.field(
        description="The licence's status today; null when not authentic."
    )
    licence: VerifiedLicence | None = strawberry.field(
        description="The licence; null when not authentic."
    )
    disclosed: list[LicenceField] = strawberry.field(
        description="The fields the holder chose to show (empty when not authentic)."
    )
    expires_at: datetime | None = strawberry.field(
        description="When the show-code (or share) stops verifying."
    )
    checked_at: datetime = strawberry.field(description="When this check ran.")


@strawberry.enum(description="How a licence was checked.")
class VerificationChannel(Enum):
    """Channels."""

    SHOW_CODE = strawberry.enum_value("show_code", description="A show-code was scanned.")
    SHARE = strawberry.enum_value("share", description="A share link was opened.")


@strawberry.type(description="One check of your licence by someone (who checked my licence).")
class LicenceVerificationEntry:
    """A check, as the holder sees it."""

    id: str = strawberry.field(description="Entry id.")
    licence_uri: str = strawberry.field(description="The licence checked.")
    licence_type: LicenceType = strawberry.field(description="Its type.")
    channel: VerificationChannel = strawberry.field(description="Show-code or share.")
    outcome: str = strawberry.field(
        description="`valid`, `expired`, `suspended` or `revoked` when authentic, otherwise "
        "the failure (e.g. `expired_token`)."
    )
    verifier: str | None = strawberry.field(
        description="The verifier's name, when it identified itself."
    )
    at: datetime = strawberry.field(description="When (UTC).")


LicenceVerificationsResult = Annotated[
    Connection[LicenceVerificationEntry] | StepUpRequired | AuthenticationRequired | InvalidInput,
    strawberry.union(
        "LicenceVerificationsResult", description="Checks of your licences, or what to do first."
    ),
]


@strawberry.type(description="Your consent to show some fields of a licence to a named party.")
class LicenceShare:
    """A share, as its holder sees it."""

    id: str = strawberry.field(description="Share id (for `revokeShare`).")
    licence_uri: str = strawberry.field(description="The licence shared.")
    licence_type: LicenceType = strawberry.field(description="Its type.")
    party: str = strawberry.field(description="Who it is shared with.")
    purpose: str = strawberry.field(description="What for.")
    fields: list[str] = strawberry.field(description="The fields shown.")
    created_at: datetime = strawberry.field(description="When it was made.")
    expires_at: datetime = strawberry.field(description="When the link stops opening.")
    revoked_at: datetime | None = strawberry.field(description="When you revoked it, if so.")


@strawberry.type(
    description="The licence is shared: send `link` to the party (it is shown this once; "
    "whoever holds it can open it until it expires or you revoke it)."
)
class LicenceShared:
    """Share made."""

    share: LicenceShare = strawberry.field(description="The share.")
    token: str = strawberry.field(description="The link's secret (for `sharedLicence`).")
    link: str = strawberry.field(description="The link's path, e.g. `/wallet/shares/<token>`.")


@strawberry.type(description="The share is revoked: its link opens nothing from now on.")
class ShareRevoked:
    """Revocation succeeded."""

    share: LicenceShare = strawberry.field(description="The share.")


ShareLicencePayload = Annotated[
    LicenceShared
    | LicenceNotValid
    | NotFound
    | StepUpRequired
    | AuthenticationRequired
    | InvalidInput,
    strawberry.union("ShareLicencePayload", description="Result of `shareLicence`."),
]

RevokeSharePayload = Annotated[
    ShareRevoked | NotFound | StepUpRequired | AuthenticationRequired | InvalidInput,
    strawberry.union("RevokeSharePayload", description="Result of `revokeShare`."),
]

LicenceSharesResult = Annotated[
    Connection[LicenceShare] | StepUpRequired | AuthenticationRequired | InvalidInput,
    strawberry.union("LicenceSharesResult", description="Your shares, or what to do first."),
]


EnterpriseWalletResult = Annotated[
    Connection[WalletLicence] | ActingForbidden | AuthenticationRequired | InvalidInput,
    strawberry.union(
        "EnterpriseWalletResult",
        description="The licences of the enterprise acted for, or why not.",
    ),
]

"""Records of the wallet: licence types and their field schemas, licences, seals. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from kit.text import Localized
from wallet.canonical import Canonical

SIGNED_FORMAT_VERSION = 1
"""The version of the signed content's layout (``v`` in :meth:`Licence.signed_content`)."""


class LicenceType(StrEnum):
    """What a licence is; each type has its schema in :data:`SCHEMAS`."""

    BUSINESS_LICENCE = "business_licence"
    FOOD_BUSINESS_LICENCE = "food_business_licence"
    MEDICAL_DEVICE_BUSINESS_PERMIT = "medical_device_business_permit"
    PHARMACY_LICENCE = "pharmacy_licence"
    REAL_ESTATE_CERTIFICATE = "real_estate_certificate"
    RESIDENT_ID = "resident_id"
    DRIVING_LICENCE = "driving_licence"
    MARRIAGE_CERTIFICATE = "marriage_certificate"
    PROVIDENT_FUND_CERTIFICATE = "provident_fund_certificate"


class HolderKind(StrEnum):
    """A citizen (by account id) or an enterprise (by its USCC)."""

    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"


class LicenceStatus(StrEnum):
    """Where a licence stands; ``expired`` is derived from the expiry date, never stored."""

    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class FieldKind(StrEnum):
    """The JSON type of a typed field: text, an ISO date (as text) or an integer."""

    TEXT = "text"
    DATE = "date"
    INTEGER = "integer"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One typed field of a licence type."""

    name: str
    kind: FieldKind
    label: Localized
    required: bool = True


@dataclass(frozen=True, slots=True)
class LicenceSchema:
    """What a licence type holds, who may hold it and which departments issue it."""

    type: LicenceType
    name: Localized
    holders: frozenset[HolderKind]
    issuers: frozenset[str]
    fields: tuple[FieldSpec, ...]

    def spec(self, name: str) -> FieldSpec | None:
        """The field called ``name``, or ``None``."""
        return next((spec for spec in self.fields if spec.name == name), None)


def _f(
    name: str, zh: str, en: str, kind: FieldKind = FieldKind.TEXT, *, required: bool = True
) -> FieldSpec:
    return FieldSpec(name, kind, Localized(zh=zh, en=en), required)


_SCJG = "430200-SCJG"
_ENTERPRISE = frozenset({HolderKind.ENTERPRISE})
_CITIZEN = frozenset({HolderKind.CITIZEN})
_ENTERPRISE_NAME = _f("name", "名称", "Name")
_REPRESENTATIVE = _f("legalRepresentative", "法定代表人", "Legal representative")
_ADDRESS = _f("address", "住所", "Address")
_SCOPE = _f("scope", "经营范围", "Business scope")

SCHEMAS: Mapping[LicenceType, LicenceSchema] = {
    schema.type: schema
    for schema in (
        LicenceSchema(
            LicenceType.BUSINESS_LICENCE,
            Localized(zh="营业执照", en="Business licence"),
            _ENTERPRISE,
            frozenset({_SCJG}),
            (
                _ENTERPRISE_NAME,
                _f("legalForm", "类型", "Legal form"),
                _REPRESENTATIVE,
                _f(
                    "registeredCapital",
                    "注册资本（万元）",
                    "Registered capital (10k CNY)",
                    FieldKind.INTEGER,
                ),
                _f("establishedOn", "成立日期", "Established on", FieldKind.DATE),
                _ADDRESS,
                _SCOPE,
            ),
        ),
        LicenceSchema(
            LicenceType.FOOD_BUSINESS_LICENCE,
            Localized(zh="食品经营许可证", en="Food business licence"),
            _ENTERPRISE,
            frozenset({_SCJG}),
            (
                _ENTERPRISE_NAME,
                _REPRESENTATIVE,
                _ADDRESS,
                _f("mainFormat", "主体业态", "Main format"),
                _SCOPE,
            ),
        ),
        LicenceSchema(
            LicenceType.MEDICAL_DEVICE_BUSINESS_PERMIT,
            Localized(zh="医疗器械经营许可证", en="Medical-device business permit"),
            _ENTERPRISE,
            frozenset({_SCJG}),
            (
                _ENTERPRISE_NAME,
                _REPRESENTATIVE,
                _ADDRESS,
                _f("warehouseAddress", "库房地址", "Warehouse address"),
                _SCOPE,
            ),
        ),
        LicenceSchema(
            LicenceType.PHARMACY_LICENCE,
            Localized(zh="药品经营许可证", en="Pharmacy licence"),
            _ENTERPRISE,
            frozenset({_SCJG}),
            (
                _ENTERPRISE_NAME,
                _REPRESENTATIVE,
                _f("pharmacistInCharge", "质量负责人", "Pharmacist in charge"),
                _ADDRESS,
                _SCOPE,
            ),
        ),
        LicenceSchema(
            LicenceType.REAL_ESTATE_CERTIFICATE,
            Localized(zh="不动产权证书", en="Real-estate certificate"),
            frozenset(HolderKind),
            frozenset({"430200-ZRZY"}),
            (
                _f("owners", "权利人", "Owners"),
                _f("location", "坐落", "Location"),
                _f("unitNumber", "不动产单元号", "Real-estate unit number"),
                _f("use", "用途", "Use"),
                _f("areaSquareMetres", "面积（平方米）", "Area (m²)", FieldKind.INTEGER),
            ),
        ),
        LicenceSchema(
            LicenceType.RESIDENT_ID,
            Localized(zh="居民身份证", en="Resident ID card"),
            _CITIZEN,
            frozenset({"430200-GA"}),
            (
                _f("name", "姓名", "Name"),
                _f("sex", "性别", "Sex"),
                _f("ethnicity", "民族", "Ethnicity"),
                _f("birthDate", "出生", "Date of birth", FieldKind.DATE),
                _f("address", "住址", "Address"),
            ),
        ),
        LicenceSchema(
            LicenceType.DRIVING_LICENCE,
            Localized(zh="机动车驾驶证", en="Driving licence"),
            _CITIZEN,
            frozenset({"430200-GA"}),
            (
                _f("name", "姓名", "Name"),
                _f("vehicleClass", "准驾车型", "Vehicle class"),
                _f("firstIssuedOn", "初次领证日期", "First issued on", FieldKind.DATE),
            ),
        ),
        LicenceSchema(
            LicenceType.MARRIAGE_CERTIFICATE,
            Localized(zh="结婚证", en="Marriage certificate"),
            _CITIZEN,
            frozenset({"430200-MZ"}),
            (
                _f("holderName", "持证人", "Holder"),
                _f("spouseName", "配偶", "Spouse"),
                _f("registeredOn", "登记日期", "Registered on", FieldKind.DATE),
            ),
        ),
        LicenceSchema(
            LicenceType.PROVIDENT_FUND_CERTIFICATE,
            Localized(zh="住房公积金缴存证明", en="Provident fund certificate"),
            _CITIZEN,
            frozenset({"430200-GJJ"}),
            (
                _f("name", "姓名", "Name"),
                _f("employer", "缴存单位", "Employer"),
                _f(
                    "monthlyContribution",
                    "月缴存额（元）",
                    "Monthly contribution (CNY)",
                    FieldKind.INTEGER,
                ),
                _f("since", "缴存起始", "Contributing since", FieldKind.DATE),
            ),
        ),
    )
}
"""Every licence type's schema."""

SEALING_DEPARTMENTS = frozenset(issuer for schema in SCHEMAS.values() for issuer in schema.issuers)
"""The departments that issue some type, hence need a seal (the default key set)."""


@dataclass(frozen=True, slots=True)
class Holder:
    """Whose licence it is: a citizen's account id, or an enterprise's USCC (both opaque)."""

    kind: HolderKind
    id: str


@dataclass(frozen=True, slots=True)
class Seal:
    """A department's signature over a licence's canonical content."""

    alg: str
    kid: str
    signature: str
    """Base64url, no padding."""


@dataclass(frozen=True, slots=True)
class Licence:
    """An issued e-licence, its fields in clear (as the service holds it in memory).

    ``uri`` is ``urn:zhuzhou:licence:<issuer>:<type>:<docid>``; ``docid`` is a keyed
    hash of the document number, so the URI says nothing about the holder.
    """

    uri: str
    type: LicenceType
    holder: Holder
    issuer: str
    number: str
    """The document number (licence number, ID number…): personal for some types."""
    issued_on: date
    expires_on: date | None
    fields: Mapping[str, str | int]
    seal: Seal
    status: LicenceStatus = LicenceStatus.VALID
    """As stored: valid, suspended or revoked (see :meth:`status_on`)."""
    version: int = field(default=1)
    status_reason: str | None = None
    """Why the issuer last suspended, reinstated or revoked it (``None`` if never)."""
    status_index: int | None = None
    """Its position in the issuer's status list (offline revocation checks)."""

    def signed_content(self) -> dict[str, Canonical]:
        """What the seal signs, before canonical serialisation (status is not signed)."""
        return {
            "v": SIGNED_FORMAT_VERSION,
            "uri": self.uri,
            "type": self.type.value,
            "holder": {"kind": self.holder.kind.value, "id": self.holder.id},
            "issuer": self.issuer,
            "number": self.number,
            "issuedOn": self.issued_on.isoformat(),
            "expiresOn": self.expires_on.isoformat() if self.expires_on else None,
            "fields": dict(self.fields),
        }

    def status_on(self, today: date) -> LicenceStatus:
        """The status on ``today``: a valid licence past its expiry date is expired."""
        if (
            self.status is LicenceStatus.VALID
            and self.expires_on is not None
            and today > self.expires_on
        ):
            return LicenceStatus.EXPIRED
        return self.status


@dataclass(frozen=True, slots=True)
class StoredLicence:
    """A licence as stored: the number and typed fields sealed (encrypted), the rest in clear."""

    uri: str
    type: LicenceType
    holder: Holder
    issuer: str
    issued_on: date
    expires_on: date | None
    sealed_content: str
    """AES-GCM of ``{"number", "fields"}``, bound to the URI."""
    seal: Seal
    status: LicenceStatus
    version: int
    sealed_reason: str | None = None
    """AES-GCM of the last status change's reason, bound to the URI."""
    status_index: int | None = None


class StatusChange(StrEnum):
    """What an issuing department does to a licence's status (the outbox event's change)."""

    SUSPEND = "suspended"
    REINSTATE = "reinstated"
    REVOKE = "revoked"

    @property
    def allowed_from(self) -> frozenset[LicenceStatus]:
        """The stored statuses this change applies to."""
        if self is StatusChange.SUSPEND:
            return frozenset({LicenceStatus.VALID})
        if self is StatusChange.REINSTATE:
            return frozenset({LicenceStatus.SUSPENDED})
        return frozenset({LicenceStatus.VALID, LicenceStatus.SUSPENDED})

    @property
    def to(self) -> LicenceStatus:
        """The stored status after the change."""
        return {
            StatusChange.SUSPEND: LicenceStatus.SUSPENDED,
            StatusChange.REINSTATE: LicenceStatus.VALID,
            StatusChange.REVOKE: LicenceStatus.REVOKED,
        }[self]


EXPIRY_NOTICE_DAYS = (30, 7)
"""How many days before expiry the holder is told (``wallet.licence.expiring``)."""


class SealFailure(StrEnum):
    """Why a seal does not verify."""

    UNKNOWN_KEY = "unknown_key"
    """No published key has this id (never ours, or rotated out and withdrawn)."""
    WRONG_DEPARTMENT = "wrong_department"
    """The key belongs to another department than the licence's issuer."""
    ALGORITHM_MISMATCH = "algorithm_mismatch"
    """The seal names another algorithm than its key's."""
    BAD_SIGNATURE = "bad_signature"
    """The signature does not match the content (tampered, or not ours)."""


@dataclass(frozen=True, slots=True)
class SealCheck:
    """The result of verifying a licence's seal."""

    authentic: bool
    failure: SealFailure | None = None


class VerificationChannel(StrEnum):
    """How a licence was checked: a show-code scanned, or a share link opened."""

    SHOW_CODE = "show_code"
    SHARE = "share"


@dataclass(frozen=True, slots=True)
class VerificationEntry:
    """One check of a holder's licence, for the holder's log ("who checked my licence")."""

    id: str
    holder: Holder
    uri: str
    type: LicenceType
    channel: VerificationChannel
    outcome: str
    """``valid``/``expired``/``suspended``/``revoked`` when authentic, else the failure."""
    at: datetime
    verifier: str | None
    """The verifier's name when it identified itself (stored encrypted)."""


@dataclass(frozen=True, slots=True)
class Share:
    """A holder's consent to show some fields of one licence to a named party, until expiry."""

    id: str
    holder: Holder
    uri: str
    type: LicenceType
    fields: tuple[str, ...]
    party: str
    purpose: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        """Whether the link still opens: not revoked and not expired."""
        return self.revoked_at is None and now < self.expires_at

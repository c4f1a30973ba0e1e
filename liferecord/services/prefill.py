"""Consent-scoped prefill: a service item's form filled from the life record, and no more.

Each service item declares the form fields it needs; prefill reads only the sections
those fields live in and returns only those fields (data minimisation), each with the
provenance of its value. A section whose department is unavailable leaves its fields
missing for the citizen to fill in; it never fails the whole prefill.

:data:`DEMO_CATALOGUE` is a small stand-in catalogue of service items. The online
applications issue owns the real catalogue (same item, same code across the city
and its counties) and will hand its items to :class:`PrefillService` instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from kit.text import Localized
from liferecord.errors import LifeRecordError, UnknownServiceItem
from liferecord.models import Citizen, Provenance, Reader, Section
from liferecord.services.life_record import SectionResult
from liferecord.services.paths import FieldPath, parse_path, read_value

MAX_ITEM_CODE_LENGTH = 64


@dataclass(frozen=True, slots=True)
class PrefillField:
    """One form field a service item declares, and where in the life record it comes from."""

    key: str
    """The form's name for the field, ``<section>.<field>`` (``providentFund.balance``)."""
    label: Localized
    path: FieldPath


@dataclass(frozen=True, slots=True)
class ServiceItem:
    """A service item's code, name and the life-record fields its form needs."""

    code: str
    name: Localized
    fields: tuple[PrefillField, ...]

    @property
    def sections(self) -> list[Section]:
        """The sections the declared fields live in (each read once)."""
        return list(dict.fromkeys(field.path.section for field in self.fields))


@dataclass(frozen=True, slots=True)
class PrefilledValue:
    """A declared field filled from the life record."""

    field: PrefillField
    value: str
    provenance: Provenance
    stale: bool
    """The department did not answer; this is the last value it gave."""


@dataclass(frozen=True, slots=True)
class Prefill:
    """What prefill could fill for an item, and which declared fields are left to the citizen."""

    item: ServiceItem
    values: tuple[PrefilledValue, ...]
    missing: tuple[str, ...]
    """Keys of declared fields without a value (none on record, or the source unavailable)."""


class SectionReader(Protocol):
    """Reads one section of a citizen's record (``LifeRecordService``)."""

    @property
    def sections(self) -> list[Section]:
        """The sections served here."""

    async def read(self, citizen: Citizen, section: Section, reader: Reader) -> SectionResult:
        """One section, read by ``reader``."""


def declare(key: str, zh: str, en: str) -> PrefillField:
    """A form field from its key ``<section in camelCase>.<path>``, checked against the model.

    Raises ``ValueError`` at import time for a field the life record does not have,
    or one that is not a single value.
    """
    prefix, _, rest = key.partition(".")
    sections = {_camel_section(section): section for section in Section}
    section = sections.get(prefix)
    if section is None:
        raise ValueError(f"{key}: no section {prefix!r}")
    path = parse_path(section, rest)
    if not path.leaf:
        raise ValueError(f"{key}: not a single value")
    return PrefillField(key=key, label=Localized(zh, en), path=path)


def _camel_section(section: Section) -> str:
    head, *rest = section.value.split("_")
    return head + "".join(part.capitalize() for part in rest)


def catalogue_of(items: Iterable[ServiceItem]) -> dict[str, ServiceItem]:
    """Items by code."""
    return {item.code: item for item in items}


_NAME = declare("household.name", "姓名", "Name")
_HOUSEHOLD_ADDRESS = declare("household.householdAddress", "户籍地址", "Household address")
_PROPERTY_CERTIFICATE = declare(
    "properties.items[0].certificateNumber", "不动产权证书号", "Property certificate number"
)

DEMO_CATALOGUE: dict[str, ServiceItem] = catalogue_of(
    [
        ServiceItem(
            code="430200-GJJ-TQ-001",
            name=Localized("住房公积金提取", "Housing provident fund withdrawal"),
            fields=(
                _NAME,
                _HOUSEHOLD_ADDRESS,
                declare("providentFund.accountNumberMasked", "公积金账号", "Fund account number"),
                declare("providentFund.balance", "账户余额（元）", "Balance (CNY)"),
                _PROPERTY_CERTIFICATE,
            ),
        ),
        ServiceItem(
            code="430200-RS-CB-002",
            name=Localized("个人参保证明开具", "Certificate of social insurance contributions"),
            fields=(
                _NAME,
                declare("socialInsurance.schemes[0].scheme", "险种", "Scheme"),
                declare("socialInsurance.schemes[0].status", "参保状态", "Insured status"),
                declare("socialInsurance.schemes[0].monthsPaid", "累计缴费月数", "Months paid"),
            ),
        ),
        ServiceItem(
            code="430200-ZRZY-DY-003",
            name=Localized("不动产抵押登记", "Registration of a mortgage on real estate"),
            fields=(
                _NAME,
                _PROPERTY_CERTIFICATE,
                declare("properties.items[0].address", "不动产坐落", "Property address"),
                declare("properties.items[0].areaM2", "建筑面积（平方米）", "Floor area (m²)"),
            ),
        ),
        ServiceItem(
            code="430200-SDQ-GH-004",
            name=Localized("水电气过户", "Transfer of water, power and gas accounts"),
            fields=(
                _NAME,
                declare("utilities.accounts[0].accountNumber", "户号", "Account number"),
                declare("utilities.accounts[0].address", "用水用电地址", "Supply address"),
            ),
        ),
    ]
)
"""DEMO service items (the applications issue will own the real catalogue)."""


class PrefillService:
    """Fills a service item's declared fields from the citizen's own life record."""

    def __init__(
        self, record: SectionReader, *, catalogue: Mapping[str, ServiceItem] = DEMO_CATALOGUE
    ) -> None:
        self._record = record
        self._catalogue = dict(catalogue)

    def item(self, item_code: str) -> ServiceItem:
        """The catalogue's item with this code; raises :class:`UnknownServiceItem`."""
        code = item_code.strip().upper()
        item = self._catalogue.get(code) if len(code) <= MAX_ITEM_CODE_LENGTH else None
        if item is None:
            raise UnknownServiceItem(field="itemCode")
        return item

    async def prefill(self, citizen: Citizen, item_code: str) -> Prefill:
        """The item's declared fields that the citizen's record holds, with provenance.

        Reads as the citizen themself (so nothing is logged in their access log), with
        the purpose ``prefill:<itemCode>``, and only the sections the fields live in.
        """
        item = self.item(item_code)
        reader = Reader(
            kind="citizen",
            id=citizen.account_id,
            display_name="本人 (self)",
            purpose=f"prefill:{item.code}",
        )
        served = set(self._record.sections)
        wanted = [section for section in item.sections if section in served]
        results = await asyncio.gather(
            *(self._read(citizen, section, reader) for section in wanted)
        )
        by_section = dict(zip(wanted, results, strict=True))
        values: list[PrefilledValue] = []
        missing: list[str] = []
        for field in item.fields:
            result = by_section.get(field.path.section)
            found = (
                None
                if result is None or result.payload is None
                else read_value(result.payload, field.path)
            )
            if found is None or result is None:
                missing.append(field.key)
                continue
            values.append(PrefilledValue(field, found.value, found.provenance, result.stale))
        return Prefill(item=item, values=tuple(values), missing=tuple(missing))

    async def _read(
        self, citizen: Citizen, section: Section, reader: Reader
    ) -> SectionResult | None:
        try:
            return await self._record.read(citizen, section, reader)
        except LifeRecordError:
            return None

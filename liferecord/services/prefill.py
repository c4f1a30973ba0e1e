"""Consent-scoped prefill: a service item's form filled from the life record, and no more.

Each service item declares the form fields it needs; prefill reads only the sections
those fields live in and returns only those fields (data minimisation), each with the
provenance of its value. A section whose department is unavailable leaves its fields
missing for the citizen to fill in; it never fails the whole prefill.

:class:`PrefillService` reads the service catalogue (owned by the applications domain)
through :class:`~liferecord.adapters.catalogue.PrefillCatalogue`: an item's fields that
carry a prefill key the life record knows are filled; the others are the citizen's.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

from kit.text import Localized
from liferecord.adapters.catalogue import CatalogueEntry, PrefillCatalogue
from liferecord.errors import LifeRecordError, UnknownServiceItem
from liferecord.models import Citizen, Provenance, Reader, Section
from liferecord.services.life_record import SectionResult
from liferecord.services.paths import FieldPath, parse_path, read_value

MAX_ITEM_CODE_LENGTH = 64

logger = logging.getLogger(__name__)


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


def prefillable(key: str) -> bool:
    """Whether ``key`` names a single value the life record holds (see :func:`declare`)."""
    try:
        declare(key, "", "")
    except ValueError:
        return False
    return True


def item_of(entry: CatalogueEntry) -> ServiceItem:
    """The prefill view of a catalogue entry: its fields whose keys the record holds.

    A key the life record does not know (the catalogue is data, edited by people) is
    left to the citizen to fill rather than failing the whole prefill.
    """
    fields: list[PrefillField] = []
    for field in entry.fields:
        if not prefillable(field.prefill_key):
            logger.warning("item %s: %s is not a life-record field", entry.code, field.prefill_key)
            continue
        fields.append(declare(field.prefill_key, field.label.zh, field.label.en))
    return ServiceItem(code=entry.code, name=entry.name, fields=tuple(fields))


class PrefillService:
    """Fills a service item's declared fields from the citizen's own life record."""

    def __init__(self, record: SectionReader, *, catalogue: PrefillCatalogue) -> None:
        self._record = record
        self._catalogue = catalogue

    async def item(self, item_code: str) -> ServiceItem:
        """The catalogue's item with this code; raises :class:`UnknownServiceItem`."""
        code = item_code.strip().upper()
        entry = (
            await self._catalogue.prefill_entry(code)
            if 0 < len(code) <= MAX_ITEM_CODE_LENGTH
            else None
        )
        if entry is None:
            raise UnknownServiceItem(field="itemCode")
        return item_of(entry)

    async def prefill(self, citizen: Citizen, item_code: str) -> Prefill:
        """The item's declared fields that the citizen's record holds, with provenance.

        Reads as the citizen themself (so nothing is logged in their access log), with
        the purpose ``prefill:<itemCode>``, and only the sections the fields live in.
        """
        item = await self.item(item_code)
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

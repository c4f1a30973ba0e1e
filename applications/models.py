"""Records of the service catalogue and its one-thing bundles (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kit.text import Localized

MAX_PAGE_SIZE = 50
"""The most catalogue items one page holds."""

MAX_CODE_LENGTH = 64
"""Longer codes are never looked up (no catalogue code comes near it)."""

MAX_SEARCH_LENGTH = 100
"""Longer search texts are refused rather than scanned."""


@dataclass(frozen=True, slots=True)
class Material:
    """A document an item requires: what may be uploaded, or which e-licence replaces it."""

    key: str
    """City-wide key of the material (``id-card``, ``lease-contract``): bundles ask for it once."""
    name: Localized
    formats: tuple[str, ...]
    """Accepted MIME types (``application/pdf``, ``image/jpeg``)."""
    max_bytes: int
    e_licence_type: str | None = None
    """The e-licence type in the wallet that replaces the upload, or ``None``."""


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of an item's form.

    ``key`` is the declared, city-wide key (``applicant.name``, ``enterprise.uscc``,
    ``site.address``): it names the property in the item's JSON Schema and is what a
    bundle deduplicates on. ``prefill_key`` names the life record's prefill field
    (``household.name``) where the record holds the value.
    """

    key: str
    label: Localized
    schema: dict[str, Any]
    """The JSON Schema of the value (``{"type": "string", "maxLength": 50}``)."""
    required: bool = True
    prefill_key: str | None = None


@dataclass(frozen=True, slots=True)
class Fee:
    """One fee an item charges: an amount in CNY and what it is for."""

    amount: Decimal
    description: Localized


@dataclass(frozen=True, slots=True)
class ResultLicence:
    """The e-licence an approval issues into the applicant's wallet.

    ``fields`` maps each licence field to where its value comes from: ``form:<key>``
    (the application form), ``const:<text>`` or ``today`` (the date of approval).
    ``holder_field`` names the form key holding the enterprise's USCC when an
    enterprise holds the licence and no agent applied for it.
    """

    licence_type: str
    fields: dict[str, str]
    holder_field: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceItem:
    """A service item of the catalogue, the same under its code across the city and counties."""

    code: str
    """Standard code, e.g. ``430200-SCJG-001``."""
    name: Localized
    department_code: str
    legal_limit_days: int
    """The time limit the law sets, in working days."""
    committed_limit_days: int
    """The (shorter) time limit the city commits to, in working days."""
    steps: int
    """Steps a citizen goes through applying for this item alone (fill and submit, have
    it checked at the counter, come back for the result …), as the department publishes."""
    materials: tuple[Material, ...]
    form_fields: tuple[FormField, ...]
    fees: tuple[Fee, ...] = ()
    """Empty when the item is free."""
    needs_assurance_level_3: bool = False
    agent_scope: str | None = None
    """The scope an enterprise agent must hold to apply (``applications:submit``); ``None``
    when enterprise agents may not apply for it."""
    result: ResultLicence | None = None
    """The e-licence an approval issues, if any."""

    @property
    def free(self) -> bool:
        """No fee is charged."""
        return not self.fees

    @property
    def form_schema(self) -> dict[str, Any]:
        """The item's form as one JSON Schema object, its properties named by field key."""
        return form_schema(self.form_fields)


def form_schema(fields: tuple[FormField, ...]) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) object with one property per field."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {field.key: field.schema for field in fields},
        "required": [field.key for field in fields if field.required],
        "additionalProperties": False,
    }


@dataclass(frozen=True, slots=True)
class Bundle:
    """A one-thing bundle (一件事) as stored: its code, name and items' codes, in order."""

    code: str
    name: Localized
    item_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BundleField:
    """A field of a bundle's one form, asked once for every item that declares its key."""

    field: FormField
    item_codes: tuple[str, ...]
    """The bundle's items whose forms declare this key."""


@dataclass(frozen=True, slots=True)
class BundleMaterial:
    """A material of a bundle's one list, asked once for every item that requires it."""

    material: Material
    item_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Savings:
    """What a bundle saves against applying for each of its items on its own."""

    steps: int
    materials: int
    days: int
    steps_alone: int
    materials_alone: int
    days_alone: int

    @property
    def steps_percent(self) -> float:
        """Steps saved as a share of the steps alone, in percent (one decimal)."""
        return percent(self.steps, self.steps_alone)

    @property
    def materials_percent(self) -> float:
        """Materials saved as a share of the materials alone, in percent (one decimal)."""
        return percent(self.materials, self.materials_alone)

    @property
    def days_percent(self) -> float:
        """Days saved as a share of the days alone, in percent (one decimal)."""
        return percent(self.days, self.days_alone)


def percent(part: int, whole: int) -> float:
    """``part`` of ``whole`` in percent, rounded to one decimal (0 when ``whole`` is 0)."""
    return round(100 * part / whole, 1) if whole else 0.0


@dataclass(frozen=True, slots=True)
class BundleView:
    """A bundle with its items and what is computed from them."""

    bundle: Bundle
    items: tuple[ServiceItem, ...]
    form: tuple[BundleField, ...]
    materials: tuple[BundleMaterial, ...]
    time_limit_days: int
    steps: int
    savings: Savings

    @property
    def form_schema(self) -> dict[str, Any]:
        """The bundle's one form as a JSON Schema object."""
        return form_schema(tuple(entry.field for entry in self.form))

"""GraphQL types of the service catalogue (办事指南) and one-thing bundles (一件事).

Form schemas are JSON Schema documents exposed as the ``JSON`` scalar, not as a string:
the client reads a structure it hands straight to its form renderer and validator,
with no second parse and no escaping, and it is still one opaque value the GraphQL
schema need not mirror (JSON Schema is recursive and open-ended).
"""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from schema.common import LocalizedText
from schema.directory import Department


@strawberry.type(description="A document a service item requires (申请材料).")
class Material:
    """One required material."""

    key: str = strawberry.field(
        description="City-wide key of the material (e.g. `business-licence`); a bundle asks "
        "for each key once."
    )
    name: LocalizedText = strawberry.field(description="What the material is.")
    formats: list[str] = strawberry.field(
        description="Accepted file types, as MIME types (e.g. `application/pdf`)."
    )
    max_bytes: int = strawberry.field(description="Largest accepted file, in bytes.")
    e_licence_type: str | None = strawberry.field(
        description="The e-licence type in the wallet that replaces the upload, or null when "
        "none does."
    )


@strawberry.type(description="A field of a service item's form.")
class FormField:
    """One form field and the keys it is known by."""

    key: str = strawberry.field(
        description="Declared city-wide key (e.g. `applicant.name`, `enterprise.uscc`, "
        "`site.address`): the property name in the form schema, and what bundles deduplicate on."
    )
    label: LocalizedText = strawberry.field(description="The field's label.")
    schema: JSON = strawberry.field(description="JSON Schema of the field's value.")
    required: bool = strawberry.field(description="Whether the form needs a value.")
    prefill_key: str | None = strawberry.field(
        description="The life record's field (as in `prefill`) that fills it, or null when the "
        "record holds no such value."
    )


@strawberry.type(description="A fee a service item charges.")
class Fee:
    """One fee."""

    amount: str = strawberry.field(
        description="Amount in CNY as a decimal string (e.g. `50.00`), never a float."
    )
    description: LocalizedText = strawberry.field(description="What the fee is for.")


@strawberry.type(description="A service item of the catalogue (办事指南).")
class ServiceItem:
    """A service item, the same under its code across the city and its counties."""

    code: str = strawberry.field(
        description="Standard code, the same across the city and its counties "
        "(e.g. `430200-SCJG-001`)."
    )
    name: LocalizedText = strawberry.field(description="The item's name.")
    department_code: str = strawberry.field(description="Code of the owning department.")
    department: Department | None = strawberry.field(
        description="The owning department (null only if the directory lacks it)."
    )
    legal_limit_days: int = strawberry.field(description="Time limit set by law, in working days.")
    committed_limit_days: int = strawberry.field(
        description="Time limit the city commits to, in working days."
    )
    steps: int = strawberry.field(
        description="Steps an applicant goes through for this item alone (submit, have it "
        "checked, collect the result …), as the department publishes them."
    )
    materials: list[Material] = strawberry.field(description="Required materials.")
    form_fields: list[FormField] = strawberry.field(description="The form's fields, in order.")
    form_schema: JSON = strawberry.field(
        description="The whole form as one JSON Schema (draft 2020-12) object whose properties "
        "are the fields' keys."
    )
    fees: list[Fee] = strawberry.field(description="Fees charged; empty when free.")
    free: bool = strawberry.field(description="True when no fee is charged.")
    needs_assurance_level3: bool = strawberry.field(
        name="needsAssuranceLevel3",
        description="Whether applying needs assurance level 3 (real name confirmed by face).",
    )
    enterprise_agents_may_apply: bool = strawberry.field(
        description="Whether an enterprise's agent may apply for the enterprise."
    )
    agent_scope: str | None = strawberry.field(
        description="The scope an enterprise agent must hold to apply (e.g. "
        "`applications:submit`); null when agents may not apply."
    )


@strawberry.type(description="A field of a bundle's one form, asked once for all its items.")
class BundleFormField:
    """A deduplicated form field."""

    key: str = strawberry.field(description="The declared key the items share.")
    label: LocalizedText = strawberry.field(description="The label (from the first item).")
    schema: JSON = strawberry.field(description="JSON Schema of the value (from the first item).")
    required: bool = strawberry.field(description="Whether any item requires it.")
    prefill_key: str | None = strawberry.field(
        description="The life record's field that fills it, or null."
    )
    item_codes: list[str] = strawberry.field(
        description="Codes of the bundle's items whose forms ask for it."
    )


@strawberry.type(description="A material of a bundle's one list, supplied once for all items.")
class BundleMaterial:
    """A deduplicated material."""

    material: Material = strawberry.field(description="The material (from the first item).")
    item_codes: list[str] = strawberry.field(
        description="Codes of the bundle's items that require it."
    )


@strawberry.type(
    description="What a bundle saves against applying for each of its items on its own."
)
class BundleSavings:
    """Steps, materials and days saved, absolute and in percent of applying item by item."""

    steps: int = strawberry.field(
        description="Steps saved: the sum of the items' own steps minus the bundle's steps."
    )
    materials: int = strawberry.field(
        description="Materials saved: the sum of the items' material counts minus the bundle's "
        "unique materials."
    )
    days: int = strawberry.field(
        description="Working days saved: the sum of the items' committed limits minus the "
        "bundle's limit."
    )
    steps_percent: float = strawberry.field(
        description="Steps saved in percent of the steps alone (one decimal)."
    )
    materials_percent: float = strawberry.field(
        description="Materials saved in percent of the materials alone (one decimal)."
    )
    days_percent: float = strawberry.field(
        description="Days saved in percent of the days alone (one decimal)."
    )
    steps_alone: int = strawberry.field(description="Steps when applying item by item.")
    materials_alone: int = strawberry.field(description="Materials when applying item by item.")
    days_alone: int = strawberry.field(
        description="Working days when applying item by item (sum of committed limits)."
    )


@strawberry.type(description="A one-thing bundle (一件事): several items, one form, one visit.")
class Bundle:
    """A bundle and what is computed from its items."""

    code: str = strawberry.field(description="The bundle's code (e.g. `YJS-QYKB`).")
    name: LocalizedText = strawberry.field(description="The bundle's name.")
    items: list[ServiceItem] = strawberry.field(
        description="Its service items, from several departments, in order."
    )
    form: list[BundleFormField] = strawberry.field(
        description="The one form: each field key the items declare, asked once."
    )
    form_schema: JSON = strawberry.field(
        description="The one form as a JSON Schema (draft 2020-12) object."
    )
    materials: list[BundleMaterial] = strawberry.field(
        description="The one materials list: each material key, asked once."
    )
    time_limit_days: int = strawberry.field(
        description="The bundle's time limit in working days: the departments process their "
        "parts in parallel, so it is the longest committed limit of its items."
    )
    steps: int = strawberry.field(
        description="Steps of the bundle: one form, one submission, one collection for all "
        "items, so the steps of its longest item."
    )
    savings: BundleSavings = strawberry.field(
        description="Steps, materials and days saved against applying item by item."
    )

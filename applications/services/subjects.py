"""What an application is for, resolved from the catalogue: one item or a bundle of items.

Both answer the same questions, so drafts and submissions treat them alike: the one
form (fields deduplicated by key), the one materials list, and which department does
which items within which limit (one sub-case per department).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from applications.case_models import SubjectKind
from applications.errors import UnknownService
from applications.models import MAX_CODE_LENGTH, FormField, Material, ServiceItem, form_schema
from applications.services.catalogue import CatalogueService, bundle_form, bundle_materials
from kit.text import Localized


@dataclass(frozen=True, slots=True)
class DepartmentPart:
    """The items one department processes, and its limit (the longest committed one)."""

    department_code: str
    items: tuple[ServiceItem, ...]

    @property
    def limit_days(self) -> int:
        """Committed working days for this department's part."""
        return max(item.committed_limit_days for item in self.items)

    @property
    def item_codes(self) -> tuple[str, ...]:
        """The codes of this part's items."""
        return tuple(item.code for item in self.items)


@dataclass(frozen=True, slots=True)
class Subject:
    """An item or a bundle, with its one form, one materials list and its departments."""

    kind: SubjectKind
    code: str
    title: Localized
    items: tuple[ServiceItem, ...]
    fields: tuple[FormField, ...]
    materials: tuple[Material, ...]

    @property
    def schema(self) -> dict[str, Any]:
        """The one form's JSON Schema."""
        return form_schema(self.fields)

    @property
    def parts(self) -> tuple[DepartmentPart, ...]:
        """One part per department, in the order the items first name them."""
        by_department: dict[str, list[ServiceItem]] = {}
        for item in self.items:
            by_department.setdefault(item.department_code, []).append(item)
        return tuple(DepartmentPart(code, tuple(items)) for code, items in by_department.items())

    @property
    def needs_assurance_level_3(self) -> bool:
        """Any item needs real-person assurance."""
        return any(item.needs_assurance_level_3 for item in self.items)

    def material(self, key: str) -> Material | None:
        """The material with this key, or ``None``."""
        return next((m for m in self.materials if m.key == key), None)

    def field(self, key: str) -> FormField | None:
        """The form field with this key, or ``None``."""
        return next((f for f in self.fields if f.key == key), None)

    def materials_of(self, item_codes: tuple[str, ...]) -> tuple[Material, ...]:
        """The materials some of these items require."""
        wanted = {m.key for item in self.items if item.code in item_codes for m in item.materials}
        return tuple(m for m in self.materials if m.key in wanted)

    def fields_of(self, item_codes: tuple[str, ...]) -> tuple[FormField, ...]:
        """The form fields some of these items declare."""
        wanted = {f.key for item in self.items if item.code in item_codes for f in item.form_fields}
        return tuple(f for f in self.fields if f.key in wanted)


async def resolve_subject(catalogue: CatalogueService, kind: SubjectKind, code: str) -> Subject:
    """The item or bundle with ``code``; :class:`UnknownService` when there is none."""
    if len(code) > MAX_CODE_LENGTH:
        raise UnknownService(field="code")
    if kind is SubjectKind.ITEM:
        item = await catalogue.item(code)
        if item is None:
            raise UnknownService(field="code")
        return Subject(kind, code, item.name, (item,), item.form_fields, item.materials)
    if kind is SubjectKind.BUNDLE:
        view = await catalogue.bundle(code)
        if view is None:
            raise UnknownService(field="code")
        return Subject(
            kind,
            code,
            view.bundle.name,
            view.items,
            tuple(entry.field for entry in bundle_form(view.items)),
            tuple(entry.material for entry in bundle_materials(view.items)),
        )
    raise UnknownService(field="kind")

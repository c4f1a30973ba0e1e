"""A bundle's one form, materials list, time limit and savings, on a hand-built bundle."""

from __future__ import annotations

from applications.models import Bundle, FormField, Material, ServiceItem
from applications.services.catalogue import (
    bundle_form,
    bundle_materials,
    bundle_savings,
    bundle_time_limit,
    bundle_view,
)
from kit.text import Localized

PDF = ("application/pdf",)


def _material(key: str) -> Material:
    return Material(key, Localized(key, key), PDF, 1024)


def _field(key: str, *, required: bool = True) -> FormField:
    return FormField(key, Localized(key, key), {"type": "string"}, required)


def _item(
    code: str,
    steps: int,
    committed: int,
    materials: tuple[str, ...],
    fields: tuple[FormField, ...],
) -> ServiceItem:
    return ServiceItem(
        code=code,
        name=Localized(code, code),
        department_code=f"DEPT-{code}",
        legal_limit_days=committed * 3,
        committed_limit_days=committed,
        steps=steps,
        materials=tuple(_material(key) for key in materials),
        form_fields=fields,
    )


A = _item("A", 4, 5, ("id-card", "lease"), (_field("applicant.name"), _field("site.address")))
B = _item(
    "B",
    3,
    2,
    ("id-card", "licence"),
    (
        _field("applicant.name"),
        _field("enterprise.uscc", required=False),
        _field("site.address", required=False),
    ),
)
C = _item(
    "C",
    2,
    7,
    ("licence", "plan", "id-card"),
    (_field("enterprise.uscc"), _field("applicant.phone", required=False)),
)
ITEMS = [A, B, C]


def test_the_form_asks_each_declared_key_once_and_names_the_items_needing_it() -> None:
    form = bundle_form(ITEMS)
    assert [(entry.field.key, entry.item_codes) for entry in form] == [
        ("applicant.name", ("A", "B")),
        ("site.address", ("A", "B")),
        ("enterprise.uscc", ("B", "C")),
        ("applicant.phone", ("C",)),
    ]


def test_a_field_is_required_when_any_item_requires_it() -> None:
    required = {entry.field.key: entry.field.required for entry in bundle_form(ITEMS)}
    # enterprise.uscc is optional for B (first) but required by C; site.address the reverse
    assert required == {
        "applicant.name": True,
        "site.address": True,
        "enterprise.uscc": True,
        "applicant.phone": False,
    }


def test_the_materials_list_asks_each_material_once() -> None:
    materials = bundle_materials(ITEMS)
    assert [(entry.material.key, entry.item_codes) for entry in materials] == [
        ("id-card", ("A", "B", "C")),
        ("lease", ("A",)),
        ("licence", ("B", "C")),
        ("plan", ("C",)),
    ]


def test_the_time_limit_is_the_longest_committed_limit_as_departments_work_in_parallel() -> None:
    assert bundle_time_limit(ITEMS) == 7
    assert bundle_time_limit([A, B]) == 5


def test_savings_are_counted_against_applying_item_by_item() -> None:
    savings = bundle_savings(ITEMS)
    # steps: 4 + 3 + 2 alone, one path of the longest item (4) bundled
    assert (savings.steps_alone, savings.steps, savings.steps_percent) == (9, 5, 55.6)
    # materials: 2 + 2 + 3 alone, 4 unique bundled
    assert (savings.materials_alone, savings.materials, savings.materials_percent) == (7, 3, 42.9)
    # days: 5 + 2 + 7 alone, 7 bundled
    assert (savings.days_alone, savings.days, savings.days_percent) == (14, 7, 50.0)


def test_the_view_joins_form_schema_limit_and_savings_in_the_bundle_order() -> None:
    view = bundle_view(Bundle("X", Localized("x", "x"), ("A", "B", "C")), ITEMS)
    assert [item.code for item in view.items] == ["A", "B", "C"]
    assert view.time_limit_days == 7
    assert view.steps == 4
    assert view.form_schema["required"] == ["applicant.name", "site.address", "enterprise.uscc"]
    assert list(view.form_schema["properties"]) == [
        "applicant.name",
        "site.address",
        "enterprise.uscc",
        "applicant.phone",
    ]


def test_a_bundle_of_one_item_saves_nothing() -> None:
    savings = bundle_savings([A])
    assert (savings.steps, savings.materials, savings.days) == (0, 0, 0)
    assert savings.days_percent == 0.0

"""The README's demo tables say what the demo data holds (newcomers read them, not Python)."""

from __future__ import annotations

import re
from pathlib import Path

from demo.data.enterprises import ENTERPRISES
from demo.data.liferecord import city_today, life_records
from demo.data.people import RESIDENTS
from demo.data.staff import STAFF
from demo.data.wallet import demo_licences

README = Path(__file__).resolve().parents[2] / "README.md"
SECTIONS = [
    "household",
    "licences",
    "socialInsurance",
    "medicalInsurance",
    "providentFund",
    "properties",
    "utilities",
    "income",
]
SNAKE = {
    "household": "household",
    "licences": "licences",
    "social_insurance": "socialInsurance",
    "medical_insurance": "medicalInsurance",
    "provident_fund": "providentFund",
    "properties": "properties",
    "utilities": "utilities",
    "income": "income",
}


def table_after(heading: str) -> list[list[str]]:
    """The rows of the first Markdown table after ``heading``, cells without backticks."""
    text = README.read_text(encoding="utf-8")
    rest = text[text.index(heading) :]
    rows = []
    for line in rest[rest.index("\n|") + 1 :].splitlines():
        if not line.startswith("|"):
            break
        cells = [cell.strip().replace("`", "") for cell in line.strip("|").split("|")]
        if not set(cells[0]) <= {"-"}:
            rows.append(cells)
    return rows[1:]  # without the header


def sections(cell: str) -> set[str]:
    if cell == "all 8":
        return set(SECTIONS)
    if cell.startswith("all but "):
        return set(SECTIONS) - {name.strip() for name in cell[8:].split(",")}
    return {name.strip() for name in cell.split(",")}


def test_citizens_table_matches_the_demo_register_and_life_records() -> None:
    held: dict[str, set[str]] = {}
    for demo in life_records(city_today()):
        held.setdefault(demo.resident.id_number, set()).add(SNAKE[demo.section.value])
    for licence in demo_licences(city_today()):  # the licences section is the wallet's
        if licence.citizen is not None:
            held.setdefault(licence.citizen.id_number, set()).add("licences")
    represented: dict[str, set[str]] = {}
    for entity in ENTERPRISES:
        represented.setdefault(entity.legal_representative_id_number, set()).add(entity.uscc)

    rows = table_after("**Citizens.**")
    expected = [
        (resident.phone or "—", resident.name, resident.id_number) for resident in RESIDENTS
    ]
    assert [(row[0], row[1], row[2]) for row in rows] == expected
    for row, resident in zip(rows, RESIDENTS, strict=True):
        assert sections(row[3]) == held[resident.id_number], resident.name
        listed = set() if row[4] == "—" else {uscc.strip() for uscc in row[4].split(",")}
        assert listed == represented.get(resident.id_number, set()), resident.name


def test_enterprises_table_matches_the_demo_register() -> None:
    rows = table_after("**Enterprises.**")
    assert [(row[0], row[1]) for row in rows] == [(e.uscc, e.name.zh) for e in ENTERPRISES]
    for row, entity in zip(rows, ENTERPRISES, strict=True):
        assert row[3].startswith(entity.status.value), entity.uscc
        assert row[4].startswith(entity.legal_representative_name), entity.uscc
        phone = re.search(r"\d{11}", row[4])
        citizen = next(
            (r for r in RESIDENTS if r.id_number == entity.legal_representative_id_number), None
        )
        assert (phone.group() if phone else None) == (citizen.phone if citizen else None)


def test_staff_table_matches_the_demo_staff() -> None:
    rows = table_after("**Staff.**")
    expected = [
        (s.resident.phone, s.resident.name, s.role.name, s.department_code or "—") for s in STAFF
    ]
    assert [(row[0], row[1], row[2], row[3].split()[0]) for row in rows] == expected

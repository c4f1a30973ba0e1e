"""The demo life-record data: deterministic, consistent, attributed to its departments."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from demo.data.departments import DEPARTMENTS
from demo.data.enterprises import ENTERPRISES
from demo.data.liferecord import DemoSection, exchange_records, life_records, provenances
from demo.data.people import RESIDENTS, ZENG_ZIXUAN
from demo.data.wallet import demo_licences
from liferecord.models import (
    PAYLOAD_TYPES,
    Household,
    Income,
    MedicalInsurance,
    Properties,
    ProvidentFund,
    Section,
    SocialInsurance,
    Utilities,
)
from wallet.models import LicenceType

# Several dates: month and year boundaries, a leap day, and before/after the 15th.
DATES = [date(2026, 11, 27), date(2027, 1, 3), date(2028, 2, 29), date(2026, 7, 15)]
CERTIFICATE = re.compile(r"湘\((\d{4})\)(株洲市|醴陵市|攸县|茶陵县|炎陵县)不动产权第\d{7}号")
OWNERS = {
    Section.HOUSEHOLD: {"430200-GA"},
    Section.SOCIAL_INSURANCE: {"430200-RS"},
    Section.MEDICAL_INSURANCE: {"430200-YB"},
    Section.PROVIDENT_FUND: {"430200-GJJ"},
    Section.PROPERTIES: {"430200-ZRZY"},
    Section.UTILITIES: {"430200-WATER", "430200-POWER", "430200-GAS"},
    Section.INCOME: {"430200-SW"},
}


def _by_section(today: date) -> dict[Section, dict[str, DemoSection]]:
    found: dict[Section, dict[str, DemoSection]] = defaultdict(dict)
    for item in life_records(today):
        found[item.section][item.resident.id_number] = item
    return found


@pytest.mark.parametrize("today", DATES, ids=str)
def test_the_data_is_a_pure_function_of_the_date(today: date) -> None:
    # when
    first, second = exchange_records(today), exchange_records(today)
    # then
    assert first == second
    assert first != exchange_records(today + timedelta(days=40)), "it follows the calendar"


@pytest.mark.parametrize("today", DATES, ids=str)
def test_every_payload_is_its_sections_model_attributed_to_its_department(today: date) -> None:
    # given
    codes = {department.code for department in DEPARTMENTS}
    the_night_after = datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC)
    for item in life_records(today):
        # when
        payload = PAYLOAD_TYPES[item.section].model_validate(item.payload.model_dump(mode="json"))
        found = list(provenances(item.payload))
        # then
        assert payload == item.payload, "round-trips through its JSON form"
        for provenance in found:
            assert provenance.source in OWNERS[item.section] & codes, item.section
            assert provenance.verified is (item.section is not Section.INCOME), item.section
            assert provenance.as_of.tzinfo is not None
            assert provenance.as_of < the_night_after, "never in the future"
        if found:
            assert item.as_of == max(p.as_of for p in found)


def test_every_citizen_has_a_household_matching_the_register() -> None:
    # given
    households = _by_section(DATES[0])[Section.HOUSEHOLD]
    for resident in RESIDENTS:
        # when
        household = households[resident.id_number].payload
        # then
        assert isinstance(household, Household)
        assert household.name == resident.name
        assert household.birth_date == resident.birth_date
        assert household.household_address_zh == resident.household_address.zh


def test_the_child_has_only_a_household_and_medical_insurance_and_no_e_licence() -> None:
    # when
    sections = {item.section for item in life_records(DATES[0]) if item.resident == ZENG_ZIXUAN}
    licences = [licence for licence in demo_licences(DATES[0]) if licence.citizen == ZENG_ZIXUAN]
    # then
    assert sections == {Section.HOUSEHOLD, Section.MEDICAL_INSURANCE}
    assert licences == []


@pytest.mark.parametrize("today", DATES, ids=str)
def test_social_insurance_has_three_schemes_with_up_to_two_years_of_history(
    today: date,
) -> None:
    last_month = f"{(today.replace(day=1) - timedelta(days=1)):%Y-%m}"
    for item in _by_section(today)[Section.SOCIAL_INSURANCE].values():
        payload = item.payload
        assert isinstance(payload, SocialInsurance)
        schemes = {scheme.scheme: scheme for scheme in payload.schemes}
        assert set(schemes) == {"pension", "unemployment", "work_injury"}
        pension = schemes["pension"]
        assert 12 <= len(pension.history) <= 24, item.resident.name
        for scheme in payload.schemes:
            months = [month.month for month in scheme.history]
            assert months == sorted(set(months)), "one entry a month, in order"
            assert all(month <= last_month for month in months)
            assert scheme.months_paid >= len(scheme.history)
            assert (scheme.status == "insured") == (bool(months) and months[-1] == last_month)
        for month in pension.history:
            assert month.personal + month.employer in (
                month.base * Decimal("0.24"),
                month.base * Decimal("0.20"),  # flexible employment: all personal
            )


@pytest.mark.parametrize("today", DATES, ids=str)
def test_accounts_add_up(today: date) -> None:
    sections = _by_section(today)
    for item in sections[Section.MEDICAL_INSURANCE].values():
        medical = item.payload
        assert isinstance(medical, MedicalInsurance)
        assert medical.account_balance >= 0
        for settlement in medical.reimbursements:
            assert settlement.fund_paid + settlement.self_paid == settlement.total
            assert "（演示）" in settlement.hospital, "demo hospitals only"
            assert today - timedelta(days=366) < settlement.settled_on < today
    for item in sections[Section.PROVIDENT_FUND].values():
        fund = item.payload
        assert isinstance(fund, ProvidentFund)
        assert fund.balance > 0
        assert "*" in fund.account_number_masked
        for loan in fund.loans:
            assert 0 < loan.outstanding < loan.principal
            assert loan.ends_on > today
    for item in sections[Section.UTILITIES].values():
        utilities = item.payload
        assert isinstance(utilities, Utilities)
        for account in utilities.accounts:
            assert len(account.bills) == 6
            assert account.arrears == sum(b.amount for b in account.bills if not b.paid)
    assert any(
        account.arrears > 0
        for item in sections[Section.UTILITIES].values()
        if isinstance(item.payload, Utilities)
        for account in item.payload.accounts
    ), "some citizens owe a bill"


@pytest.mark.parametrize("today", DATES, ids=str)
def test_properties_carry_well_formed_numbers_and_a_current_title_in_the_wallet_each(
    today: date,
) -> None:
    sections = _by_section(today)
    wallet = demo_licences(today)
    for id_number, item in sections[Section.PROPERTIES].items():
        properties = item.payload
        assert isinstance(properties, Properties)
        assert len(properties.items) <= 2
        for estate in properties.items:
            match = CERTIFICATE.fullmatch(estate.certificate_number)
            assert match, estate.certificate_number
            assert int(match[1]) == estate.registered_on.year
        certificates = [
            licence
            for licence in wallet
            if licence.citizen is not None
            and licence.citizen.id_number == id_number
            and licence.type is LicenceType.REAL_ESTATE_CERTIFICATE
        ]
        assert len(certificates) == len(properties.items), "one title per property"
    for licence in wallet:
        assert licence.issued_on <= today
        assert licence.expires_on is None or licence.expires_on > today, "current cards"


@pytest.mark.parametrize("today", DATES, ids=str)
def test_income_is_declared_by_demo_enterprises_for_at_most_twelve_months(today: date) -> None:
    employers = {entity.name.zh for entity in ENTERPRISES}
    full_years = 0
    for item in _by_section(today)[Section.INCOME].values():
        income = item.payload
        assert isinstance(income, Income)
        assert len(income.months) <= 12
        full_years += len(income.months) == 12
        for month in income.months:
            assert month.employer in employers
            assert 0 <= month.tax_withheld < month.gross * Decimal("0.2")
    assert full_years >= 5, "most employees have a full year declared"

"""Fictional e-licences the departments hold for the demo citizens and enterprises.

The same people and enterprises as the life record's demo data, with the same dates
(a resident ID card renewed just before it expires, the homes' registrations …), in
the wallet's typed fields. Each licence names the department whose source yields it.
Like the rest of the demo data it is a pure function of ``today`` (the city's date),
so seeding twice on one day issues nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from demo.data.enterprise_records import NOODLES, RAIL, SCOPES
from demo.data.enterprises import ENTERPRISES
from demo.data.liferecord.accounts import provident_fund_account
from demo.data.liferecord.profiles import Month, Profile, add_years, age_on, demo_random, profiles
from demo.data.liferecord.registrations import current_card, driving_licence_term
from demo.data.people import LIU_JIANJUN, TANG_YAQIN
from demo.exchange.models import (
    EntityStatus,
    EntityType,
    Gender,
    LegalEntityRecord,
    ResidentRecord,
)
from wallet.models import LicenceType

GA, ZRZY, MZ, GJJ, SCJG = "430200-GA", "430200-ZRZY", "430200-MZ", "430200-GJJ", "430200-SCJG"
DEPARTMENTS = (GA, ZRZY, MZ, GJJ, SCJG)
"""The departments whose sources hold demo licences."""

LEGAL_FORMS = {
    EntityType.LIMITED_LIABILITY_COMPANY: "有限责任公司",
    EntityType.JOINT_STOCK_COMPANY: "股份有限公司",
    EntityType.SOLE_PROPRIETORSHIP: "个人独资企业",
    EntityType.INDIVIDUAL_BUSINESS: "个体工商户",
}

MARRIAGES = ((LIU_JIANJUN, TANG_YAQIN, date(2012, 10, 1)),)
"""Demo couples (the same household address) and the day they registered."""


@dataclass(frozen=True, slots=True)
class DemoLicence:
    """One licence as its department's system holds it: for a citizen or an enterprise."""

    type: LicenceType
    issuer: str
    number: str
    issued_on: date
    expires_on: date | None
    fields: Mapping[str, str | int]
    citizen: ResidentRecord | None = None
    uscc: str | None = None


def _sex(resident: ResidentRecord) -> str:
    return "男" if resident.gender is Gender.MALE else "女"


def _citizen_licences(profile: Profile, today: date) -> list[DemoLicence]:
    resident = profile.resident
    if age_on(resident, today) < 16:
        return []  # a child's birth certificate is not an e-licence of the wallet
    found: list[DemoLicence] = []
    rng = demo_random(resident, "licences")
    first = add_years(resident.birth_date, 16) + timedelta(days=rng.randint(20, 300))

    def id_card_term(issued: date, renewals: int) -> int | None:
        age = age_on(resident, issued)
        return 10 if age < 26 else 20 if age < 46 else None

    issued, until = current_card(resident, first, today, id_card_term)
    found.append(
        DemoLicence(
            LicenceType.RESIDENT_ID,
            GA,
            resident.id_number,
            issued,
            until,
            {
                "name": resident.name,
                "sex": _sex(resident),
                "ethnicity": "汉",
                "birthDate": resident.birth_date.isoformat(),
                "address": resident.household_address.zh,
            },
            citizen=resident,
        )
    )
    if profile.driving_since is not None:
        issued, until = current_card(resident, profile.driving_since, today, driving_licence_term)
        found.append(
            DemoLicence(
                LicenceType.DRIVING_LICENCE,
                GA,
                resident.id_number,  # the licence number is the ID number
                issued,
                until,
                {
                    "name": resident.name,
                    "vehicleClass": "C1",
                    "firstIssuedOn": profile.driving_since.isoformat(),
                },
                citizen=resident,
            )
        )
    for home in profile.homes:
        year = home.registered_on.year
        found.append(
            DemoLicence(
                LicenceType.REAL_ESTATE_CERTIFICATE,
                ZRZY,
                f"({year})第{home.serial:07d}号",
                home.registered_on,
                None,
                {
                    "owners": resident.name,
                    "location": home.address_zh,
                    "unitNumber": f"430200{year}GB{home.serial:08d}F0001",
                    "use": home.usage,
                    "areaSquareMetres": int(Decimal(home.area_m2)),
                },
                citizen=resident,
            )
        )
    current = profile.job_in(Month.of(today).shift(-1))
    if current is not None:
        # A deposit certificate is valid for three months from the first of its month.
        month_start = today.replace(day=1)
        first_job = min(profile.jobs, key=lambda job: job.since)
        found.append(
            DemoLicence(
                LicenceType.PROVIDENT_FUND_CERTIFICATE,
                GJJ,
                f"{provident_fund_account(profile)}-{today:%Y%m}",
                month_start,
                month_start + timedelta(days=90),
                {
                    "name": resident.name,
                    "employer": current.employer.name.zh,
                    "monthlyContribution": int(current.base * current.hpf_rate * 2),
                    "since": first_job.since.day(1).isoformat(),
                },
                citizen=resident,
            )
        )
    for first_spouse, second_spouse, registered in MARRIAGES:
        if resident in (first_spouse, second_spouse):
            spouse = second_spouse if resident is first_spouse else first_spouse
            found.append(
                DemoLicence(
                    LicenceType.MARRIAGE_CERTIFICATE,
                    MZ,
                    # A registry serial, not derived from the ID number.
                    f"J430204-{registered:%Y}-"
                    f"{demo_random(resident, 'marriage').randint(10**5, 10**6 - 1)}",
                    registered,
                    None,
                    {
                        "holderName": resident.name,
                        "spouseName": spouse.name,
                        "registeredOn": registered.isoformat(),
                    },
                    citizen=resident,
                )
            )
    return found


def _enterprise_licences(entity: LegalEntityRecord) -> list[DemoLicence]:
    if entity.status is EntityStatus.DEREGISTERED:
        return []
    capital = entity.registered_capital
    found = [
        DemoLicence(
            LicenceType.BUSINESS_LICENCE,
            SCJG,
            entity.uscc,
            entity.established_on,
            None,
            {
                "name": entity.name.zh,
                "legalForm": LEGAL_FORMS[entity.entity_type],
                "legalRepresentative": entity.legal_representative_name,
                # Individual businesses declare no capital: 0 on the licence.
                "registeredCapital": int(capital / 10_000) if capital else 0,
                "establishedOn": entity.established_on.isoformat(),
                "address": entity.address.zh,
                "scope": SCOPES.get(entity.uscc, "一般项目（演示）"),
            },
            uscc=entity.uscc,
        )
    ]
    if entity is NOODLES:
        found.append(
            DemoLicence(
                LicenceType.FOOD_BUSINESS_LICENCE,
                SCJG,
                "JY24302230035816",
                date(2025, 6, 20),
                date(2030, 6, 19),
                {
                    "name": entity.name.zh,
                    "legalRepresentative": entity.legal_representative_name,
                    "address": entity.address.zh,
                    "mainFormat": "餐饮服务经营者（小型餐馆）",
                    "scope": "热食类食品制售（演示）",
                },
                uscc=entity.uscc,
            )
        )
    if entity is RAIL:
        found.append(
            DemoLicence(
                LicenceType.REAL_ESTATE_CERTIFICATE,
                ZRZY,
                "(2011)第0004217号",
                date(2011, 5, 16),
                None,
                {
                    "owners": entity.name.zh,
                    "location": "株洲市石峰区田心高科园示范路1号",
                    "unitNumber": "4302042011GB00004217F0001",
                    "use": "工业",
                    "areaSquareMetres": 48_600,
                },
                uscc=entity.uscc,
            )
        )
    return found


def demo_licences(today: date) -> list[DemoLicence]:
    """Every licence the departments hold for the demo citizens and enterprises on ``today``."""
    citizens = [
        licence for profile in profiles(today) for licence in _citizen_licences(profile, today)
    ]
    return citizens + [
        licence for entity in ENTERPRISES for licence in _enterprise_licences(entity)
    ]


def department_licences(today: date) -> dict[str, list[DemoLicence]]:
    """:func:`demo_licences` by issuing department."""
    grouped: dict[str, list[DemoLicence]] = {}
    for licence in demo_licences(today):
        grouped.setdefault(licence.issuer, []).append(licence)
    return grouped

"""Registrations: household (户籍), licences (证照) and real estate (不动产)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from demo.data.liferecord.profiles import (
    CHILDRENS_HOSPITAL,
    Home,
    Profile,
    add_years,
    age_on,
    city_instant,
    demo_random,
    mask,
)
from demo.exchange.models import ResidentRecord
from liferecord.models import Household, Licence, Licences, Properties, Property, Provenance

GA, ZRZY, WJ = "430200-GA", "430200-ZRZY", "430200-WJ"

POLICE = {
    "430202": "株洲市公安局荷塘分局",
    "430203": "株洲市公安局芦淞分局",
    "430204": "株洲市公安局石峰分局",
    "430211": "株洲市公安局天元分局",
    "430212": "株洲市公安局渌口分局",
    "430223": "攸县公安局",
    "430224": "茶陵县公安局",
    "430225": "炎陵县公安局",
    "430281": "醴陵市公安局",
}


def household(profile: Profile, today: date) -> Household:
    """户籍 from the population register, as last updated."""
    resident = profile.resident
    if age_on(resident, today) < 16:
        updated = resident.birth_date + timedelta(days=25)  # birth registration
    elif profile.homes:
        updated = min(home.registered_on for home in profile.homes) + timedelta(days=40)
    else:
        updated = date(2015, 1, 1) + timedelta(
            days=demo_random(resident, "household").randint(0, 3650)
        )
    return Household(
        name=resident.name,
        gender=resident.gender.value,
        birth_date=resident.birth_date,
        household_address_zh=resident.household_address.zh,
        household_address_en=resident.household_address.en,
        provenance=Provenance(source=GA, as_of=city_instant(updated, 10, 15), verified=True),
    )


def _current_card(
    resident: ResidentRecord,
    first_issued: date,
    today: date,
    term: Callable[[date, int], int | None],
) -> tuple[date, date | None]:
    """Issue date and expiry of the card valid on ``today``, each renewed just before expiry.

    ``term(issued, renewals)`` gives a card's validity in years (``None``: permanent).
    """
    rng = demo_random(resident, f"renewal:{first_issued}")
    issued = first_issued
    for renewals in range(100):
        years = term(issued, renewals)
        valid_until = None if years is None else add_years(issued, years)
        if valid_until is None or valid_until > today:
            return issued, valid_until
        issued = valid_until - timedelta(days=rng.randint(10, 60))
    raise AssertionError("a card becomes permanent long before")


def _driving_licence_term(issued: date, renewals: int) -> int | None:
    return (6, 10)[renewals] if renewals < 2 else None


def licences(profile: Profile, today: date) -> Licences:
    """The licences the citizen holds (a child: the birth certificate only)."""
    resident = profile.resident
    rng = demo_random(resident, "licences")
    items: list[Licence] = []
    if age_on(resident, today) < 16:
        issued = resident.birth_date + timedelta(days=3)
        number = f"T43{rng.randint(10**7, 10**8 - 1)}"
        items.append(
            Licence(
                kind_zh="出生医学证明",
                kind_en="Medical Birth Certificate",
                number_masked=mask(number, 3, 3),
                issuer=CHILDRENS_HOSPITAL,
                issued_on=issued,
                valid_until=None,
                provenance=Provenance(source=WJ, as_of=city_instant(issued, 11), verified=True),
            )
        )
        return Licences(items=items)
    first = add_years(resident.birth_date, 16) + timedelta(days=rng.randint(20, 300))

    def id_card_term(issued: date, renewals: int) -> int | None:
        # 10 years when issued at 16-25, 20 years at 26-45, permanent from 46.
        age = age_on(resident, issued)
        return 10 if age < 26 else 20 if age < 46 else None

    issued, valid_until = _current_card(resident, first, today, id_card_term)
    items.append(
        Licence(
            kind_zh="居民身份证",
            kind_en="Resident Identity Card",
            number_masked=mask(resident.id_number),
            issuer=POLICE[resident.id_number[:6]],
            issued_on=issued,
            valid_until=valid_until,
            provenance=Provenance(source=GA, as_of=city_instant(issued, 10), verified=True),
        )
    )
    if profile.driving_since is not None:
        issued, valid_until = _current_card(
            resident, profile.driving_since, today, _driving_licence_term
        )
        items.append(
            Licence(
                kind_zh="机动车驾驶证",
                kind_en="Motor Vehicle Driving Licence",
                number_masked=mask(resident.id_number),  # the licence number is the ID number
                issuer="株洲市公安局交通警察支队",
                issued_on=issued,
                valid_until=valid_until,
                provenance=Provenance(source=GA, as_of=city_instant(issued, 15), verified=True),
            )
        )
    for home in profile.homes:
        items.append(
            Licence(
                kind_zh="不动产权证书",
                kind_en="Real Estate Title Certificate",
                number_masked=_certificate_number(home, masked=True),
                issuer=f"{home.city}不动产登记中心",
                issued_on=home.registered_on,
                valid_until=None,
                provenance=Provenance(
                    source=ZRZY, as_of=city_instant(home.registered_on, 10, 30), verified=True
                ),
            )
        )
    return Licences(items=items)


def _certificate_number(home: Home, *, masked: bool = False) -> str:
    serial = f"{home.serial:07d}"
    if masked:
        serial = "****" + serial[-3:]
    return f"湘({home.registered_on.year}){home.city}不动产权第{serial}号"


def properties(profile: Profile, today: date) -> Properties | None:
    """不动产 registered to the citizen (adults only; none is an answer too)."""
    if age_on(profile.resident, today) < 18:
        return None
    return Properties(
        items=[
            Property(
                certificate_number=_certificate_number(home),
                address_zh=home.address_zh,
                area_m2=Decimal(home.area_m2),
                usage=home.usage,
                registered_on=home.registered_on,
                share=home.share,
                mortgaged=home.mortgaged,
                seized=False,
                provenance=Provenance(
                    source=ZRZY, as_of=city_instant(home.registered_on, 10, 30), verified=True
                ),
            )
            for home in profile.homes
        ]
    )

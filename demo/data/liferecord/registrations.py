"""Registrations: household (户籍) and real estate (不动产); the licences are the wallet's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from demo.data.liferecord.profiles import (
    Home,
    Profile,
    add_years,
    age_on,
    city_instant,
    demo_random,
)
from demo.exchange.models import ResidentRecord
from liferecord.models import Household, Properties, Property, Provenance

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


def current_card(
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


def driving_licence_term(issued: date, renewals: int) -> int | None:
    return (6, 10)[renewals] if renewals < 2 else None


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

"""Fictional market entities of the demo register of legal entities.

Every name carries "示范" (demo) and none of these entities exists. Their unified
social credit codes are built the way real ones are (GB 32100): registration
authority 9 (market regulation), an entity-type digit (1 enterprise, 2 individual
business), the Zhuzhou area code of the registering office, a nine-character
organisation code with its GB 11714 check character, and the GB 32100 check
character.

Most legal representatives are demo citizens (so they can claim their company in
the app); :data:`NON_CITIZEN_REPRESENTATIVES` lists the ones who are deliberately
not in the demo population register.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from demo.data.people import (
    LI_XIAOYAN,
    LIU_JIANJUN,
    PENG_LIHUA,
    TAN_ZHIQIANG,
    YI_WENBIN,
    resident_id_number,
)
from demo.exchange.models import EntityStatus, EntityType, Gender, LegalEntityRecord, ResidentRecord
from kit.text import Localized

# GB 32100 excludes I, O, S, V and Z so they are never mistaken for digits.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code_check_character(body: str) -> str:
    """The GB 11714 check character of an organisation code's first eight characters."""
    # Digits count as themselves and letters A-Z as 10-35.
    total = sum(int(c, 36) * w for c, w in zip(body, _ORGANISATION_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_character(first_17: str) -> str:
    """The GB 32100 check character of a unified social credit code's first 17 characters."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first_17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[-total % 31]


def unified_social_credit_code(
    authority_and_type: str, area_code: str, organisation_body: str
) -> str:
    """A well-formed 18-character USCC from its parts (both check characters computed).

    ``organisation_body`` is the first eight characters of the organisation code.
    """
    organisation_code = organisation_body + organisation_code_check_character(organisation_body)
    first_17 = authority_and_type + area_code + organisation_code
    return first_17 + uscc_check_character(first_17)


@dataclass(frozen=True, slots=True)
class NonCitizenRepresentative:
    """A legal representative who is not in the demo population register."""

    id_number: str
    name: str


HUANG_ZHENYU = NonCitizenRepresentative(
    # Household registered in 长沙县 (Changsha County), outside Zhuzhou.
    id_number=resident_id_number("430121", date(1976, 8, 21), 17, Gender.MALE),
    name="黄振宇",
)

NON_CITIZEN_REPRESENTATIVES: list[NonCitizenRepresentative] = [HUANG_ZHENYU]
"""Legal representatives deliberately absent from the demo population register."""


def _entity(
    uscc: str,
    name: Localized,
    entity_type: EntityType,
    representative: ResidentRecord | NonCitizenRepresentative,
    capital_yuan: int | None,
    established_on: date,
    address: Localized,
    status: EntityStatus = EntityStatus.ACTIVE,
) -> LegalEntityRecord:
    return LegalEntityRecord(
        uscc=uscc,
        name=name,
        entity_type=entity_type,
        legal_representative_id_number=representative.id_number,
        legal_representative_name=representative.name,
        registered_capital=None if capital_yuan is None else Decimal(capital_yuan),
        established_on=established_on,
        address=address,
        status=status,
    )


ENTERPRISES: list[LegalEntityRecord] = [
    _entity(
        unified_social_credit_code("91", "430204", "MA4L2C7K"),
        Localized("株洲示范轨道科技有限公司", "Zhuzhou Shifan Rail Technology Co., Ltd. (demo)"),
        EntityType.LIMITED_LIABILITY_COMPANY,
        LIU_JIANJUN,
        5_000_000,
        date(2016, 3, 18),
        Localized(
            "湖南省株洲市石峰区田心街道示范路 18 号",
            "18 Shifan Road, Tianxin Subdistrict, Shifeng District, Zhuzhou, Hunan",
        ),
    ),
    _entity(
        unified_social_credit_code("91", "430203", "MA4M0A3D"),
        Localized("株洲示范服饰有限公司", "Zhuzhou Shifan Apparel Co., Ltd. (demo)"),
        EntityType.LIMITED_LIABILITY_COMPANY,
        LI_XIAOYAN,
        1_000_000,
        date(2017, 9, 6),
        Localized(
            "湖南省株洲市芦淞区建设街道示范服饰城 2 楼 218 号",
            "No. 218, 2/F, Shifan Apparel Mall, Jianshe Subdistrict, Lusong District, Zhuzhou",
        ),
    ),
    _entity(
        unified_social_credit_code("91", "430281", "MA4N5E8F"),
        Localized("醴陵示范陶瓷有限公司", "Liling Shifan Ceramics Co., Ltd. (demo)"),
        EntityType.LIMITED_LIABILITY_COMPANY,
        TAN_ZHIQIANG,
        3_000_000,
        date(2019, 5, 20),
        Localized(
            "湖南省醴陵市来龙门街道示范陶瓷产业园 6 栋",
            "Building 6, Shifan Ceramics Park, Lailongmen Subdistrict, Liling, Hunan",
        ),
    ),
    _entity(
        unified_social_credit_code("91", "430200", "MA4P1G6H"),
        Localized("株洲示范航空动力股份有限公司", "Zhuzhou Shifan Aero Power Co., Ltd. (demo)"),
        EntityType.JOINT_STOCK_COMPANY,
        HUANG_ZHENYU,
        80_000_000,
        date(2018, 11, 12),
        Localized(
            "湖南省株洲市芦淞区董家塅街道示范航空城 1 号",
            "1 Shifan Aviation City, Dongjiaduan Subdistrict, Lusong District, Zhuzhou",
        ),
    ),
    _entity(
        unified_social_credit_code("91", "430202", "MA4Q3J2K"),
        Localized(
            "株洲市荷塘区示范软件开发工作室",
            "Zhuzhou Hetang Shifan Software Studio (sole proprietorship, demo)",
        ),
        EntityType.SOLE_PROPRIETORSHIP,
        PENG_LIHUA,
        100_000,
        date(2021, 4, 8),
        Localized(
            "湖南省株洲市荷塘区月塘街道示范创业大厦 905 室",
            "Room 905, Shifan Start-up Tower, Yuetang Subdistrict, Hetang District, Zhuzhou",
        ),
    ),
    _entity(
        unified_social_credit_code("92", "430223", "MA4R6L4M"),
        Localized("攸县示范米粉店", "You County Shifan Rice Noodle Shop (demo)"),
        EntityType.INDIVIDUAL_BUSINESS,
        YI_WENBIN,
        None,
        date(2020, 7, 1),
        Localized(
            "湖南省攸县联星街道示范街 66 号", "66 Shifan Street, Lianxing Subdistrict, You County"
        ),
    ),
    _entity(
        unified_social_credit_code("92", "430204", "MA4L8N5P"),
        Localized("株洲市石峰区示范五金店", "Zhuzhou Shifeng Shifan Hardware Store (demo)"),
        EntityType.INDIVIDUAL_BUSINESS,
        LIU_JIANJUN,
        None,
        date(2016, 8, 23),
        Localized(
            "湖南省株洲市石峰区田心街道示范路 5 号",
            "5 Shifan Road, Tianxin Subdistrict, Shifeng District, Zhuzhou, Hunan",
        ),
        EntityStatus.DEREGISTERED,
    ),
]
"""The demo register of legal entities (all fictional)."""

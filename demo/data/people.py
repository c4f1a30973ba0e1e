"""Fictional citizens of the demo population register (not real people).

Every resident ID number is built the way the real ones are (GB 11643): a Zhuzhou
area code that existed in the birth year, the birth date, a two-digit order code,
a sex digit (odd for men, even for women) and the ISO 7064 MOD 11-2 check
character. Households sit in fictional "示范" (demo) communities. Phone numbers
are in the 139 0733 00xx block used only for the demo; nothing is ever sent to them.
"""

from __future__ import annotations

from datetime import date

from demo.exchange.models import Gender, ResidentRecord
from kit.text import Localized

_CHECK_CHARACTERS = "10X98765432"


def id_check_character(first_17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a resident ID number's first 17 digits."""
    # Weight of position i (from the left) is 2**(17 - i) mod 11.
    total = sum(int(digit) * pow(2, 17 - i, 11) for i, digit in enumerate(first_17))
    return _CHECK_CHARACTERS[total % 11]


def resident_id_number(area_code: str, birth_date: date, order: int, gender: Gender) -> str:
    """A well-formed 18-character resident ID number.

    ``order`` (0-99) picks the order code and, with ``gender``, the sex digit, so the
    same arguments always give the same number.
    """
    sex_digit = 2 * (order % 5) + (1 if gender is Gender.MALE else 0)
    first_17 = f"{area_code}{birth_date:%Y%m%d}{order:02d}{sex_digit}"
    return first_17 + id_check_character(first_17)


def _address(
    district_zh: str, district_en: str, street_zh: str, street_en: str, room: str
) -> Localized:
    building, flat = room.split("-")
    return Localized(
        f"湖南省株洲市{district_zh}{street_zh}示范社区{building}栋{flat}室",
        f"Room {flat}, Building {building}, Shifan (Demo) Community, {street_en}, "
        f"{district_en}, Zhuzhou, Hunan",
    )


def _resident(
    name: str,
    gender: Gender,
    *,
    born: date,
    area_code: str,
    order: int,
    address: Localized,
    phone: str | None,
) -> ResidentRecord:
    return ResidentRecord(
        id_number=resident_id_number(area_code, born, order, gender),
        name=name,
        gender=gender,
        birth_date=born,
        household_address=address,
        phone=phone,
    )


LIU_JIANJUN = _resident(
    "刘建军",
    Gender.MALE,
    born=date(1984, 5, 12),
    area_code="430204",
    order=21,
    address=_address("石峰区", "Shifeng District", "田心街道", "Tianxin Subdistrict", "8-201"),
    phone="13907330001",
)
LI_XIAOYAN = _resident(
    "李晓燕",
    Gender.FEMALE,
    born=date(1988, 11, 3),
    area_code="430203",
    order=12,
    address=_address("芦淞区", "Lusong District", "建设街道", "Jianshe Subdistrict", "3-502"),
    phone="13907330002",
)
TAN_ZHIQIANG = _resident(
    "谭志强",
    Gender.MALE,
    born=date(1990, 2, 27),
    area_code="430281",
    order=35,
    address=_address("醴陵市", "Liling City", "来龙门街道", "Lailongmen Subdistrict", "5-101"),
    phone="13907330003",
)
PENG_LIHUA = _resident(
    "彭丽华",
    Gender.FEMALE,
    born=date(1986, 7, 19),
    area_code="430202",
    order=8,
    address=_address("荷塘区", "Hetang District", "月塘街道", "Yuetang Subdistrict", "12-1203"),
    phone="13907330004",
)
YI_WENBIN = _resident(
    "易文斌",
    Gender.MALE,
    born=date(1992, 9, 8),
    area_code="430223",
    order=47,
    address=_address("攸县", "You County", "联星街道", "Lianxing Subdistrict", "2-302"),
    phone="13907330005",
)
CHEN_SIYU = _resident(
    "陈思雨",
    Gender.FEMALE,
    born=date(1998, 4, 21),
    area_code="430211",
    order=16,
    address=_address(
        "天元区", "Tianyuan District", "嵩山路街道", "Songshanlu Subdistrict", "6-801"
    ),
    phone="13907330006",
)
LUO_HAITAO = _resident(
    "罗海涛",
    Gender.MALE,
    born=date(1983, 12, 30),
    area_code="430224",
    order=52,
    address=_address("茶陵县", "Chaling County", "思聪街道", "Sicong Subdistrict", "1-402"),
    phone="13907330007",
)
ZHOU_TING = _resident(
    "周婷",
    Gender.FEMALE,
    born=date(1995, 6, 15),
    area_code="430225",
    order=23,
    address=_address("炎陵县", "Yanling County", "霞阳镇", "Xiayang Town", "4-201"),
    phone="13907330008",
)
WANG_HAORAN = _resident(
    "王浩然",
    Gender.MALE,
    born=date(2001, 1, 9),
    area_code="430211",
    order=64,
    address=_address("天元区", "Tianyuan District", "栗雨街道", "Liyu Subdistrict", "9-1502"),
    phone="13907330009",
)
TANG_YAQIN = _resident(
    "唐雅琴",
    Gender.FEMALE,
    born=date(1987, 3, 5),
    area_code="430204",
    order=29,
    address=_address("石峰区", "Shifeng District", "田心街道", "Tianxin Subdistrict", "8-201"),
    phone="13907330010",
)
DENG_WEIDONG = _resident(
    "邓卫东",
    Gender.MALE,
    born=date(1985, 10, 26),
    area_code="430202",
    order=3,
    address=_address("荷塘区", "Hetang District", "宋家桥街道", "Songjiaqiao Subdistrict", "7-603"),
    phone="13907330011",
)
# 渌口区 exists since 2018, so only children born since carry its area code.
ZENG_ZIXUAN = _resident(
    "曾梓萱",
    Gender.FEMALE,
    born=date(2019, 8, 16),
    area_code="430212",
    order=5,
    address=_address("渌口区", "Lukou District", "渌口镇", "Lukou Town", "3-101"),
    phone=None,
)

RESIDENTS: list[ResidentRecord] = [
    LIU_JIANJUN,
    LI_XIAOYAN,
    TAN_ZHIQIANG,
    PENG_LIHUA,
    YI_WENBIN,
    CHEN_SIYU,
    LUO_HAITAO,
    ZHOU_TING,
    WANG_HAORAN,
    TANG_YAQIN,
    DENG_WEIDONG,
    ZENG_ZIXUAN,
]
"""The demo population register, in the order the README lists it."""

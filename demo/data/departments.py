"""The departments and public utilities of the demo city directory (fictional contacts)."""

from __future__ import annotations

from directory.models import Contact, Department, DepartmentKind
from kit.text import Localized

_CIVIC_CENTRE = Localized(
    "株洲市天元区神农大道市民中心", "Citizen Centre, Shennong Avenue, Tianyuan District"
)
_WEEKDAYS = Localized(
    "工作日 8:30-12:00, 14:30-17:30（夏季 15:00-18:00）",
    "Working days 8:30-12:00 and 14:30-17:30 (summer 15:00-18:00)",
)
_ALWAYS = Localized("24 小时服务热线", "24-hour service line")


def _gov(
    code: str,
    zh: str,
    en: str,
    short_zh: str,
    short_en: str,
    phone: str,
    address: Localized = _CIVIC_CENTRE,
) -> Department:
    return Department(
        code=code,
        name=Localized(zh, en),
        short_name=Localized(short_zh, short_en),
        kind=DepartmentKind.GOVERNMENT,
        contact=Contact(phone=phone, address=address, office_hours=_WEEKDAYS),
    )


def _utility(
    code: str, zh: str, en: str, short_zh: str, short_en: str, phone: str, address: Localized
) -> Department:
    return Department(
        code=code,
        name=Localized(zh, en),
        short_name=Localized(short_zh, short_en),
        kind=DepartmentKind.PUBLIC_UTILITY,
        contact=Contact(phone=phone, address=address, office_hours=_ALWAYS),
    )


DEPARTMENTS: list[Department] = [
    _gov(
        "430200-XZSP",
        "株洲市行政审批服务局",
        "Zhuzhou Administrative Approval Service Bureau",
        "审批服务局",
        "Approval Service",
        "0731-28680001",
    ),
    _gov(
        "430200-SCJG",
        "株洲市市场监督管理局",
        "Zhuzhou Administration for Market Regulation",
        "市场监管局",
        "Market Regulation",
        "0731-28680002",
    ),
    _gov(
        "430200-SW",
        "国家税务总局株洲市税务局",
        "Zhuzhou Municipal Tax Service, STA",
        "税务局",
        "Taxation",
        "0731-28680003",
    ),
    _gov(
        "430200-GA",
        "株洲市公安局",
        "Zhuzhou Public Security Bureau",
        "公安局",
        "Public Security",
        "0731-28680004",
        Localized("株洲市芦淞区建设中路", "Jianshe Middle Road, Lusong District"),
    ),
    _gov(
        "430200-RS",
        "株洲市人力资源和社会保障局",
        "Zhuzhou Human Resources and Social Security Bureau",
        "人社局",
        "HR & Social Security",
        "0731-28680005",
    ),
    _gov(
        "430200-YB",
        "株洲市医疗保障局",
        "Zhuzhou Healthcare Security Administration",
        "医保局",
        "Medical Insurance",
        "0731-28680006",
    ),
    _gov(
        "430200-GJJ",
        "株洲市住房公积金管理中心",
        "Zhuzhou Housing Provident Fund Management Centre",
        "公积金中心",
        "Provident Fund",
        "0731-28680007",
    ),
    _gov(
        "430200-ZRZY",
        "株洲市自然资源和规划局（不动产登记中心）",
        "Zhuzhou Natural Resources and Planning Bureau (Real Estate Registration Centre)",
        "不动产登记",
        "Real Estate Registration",
        "0731-28680008",
    ),
    _gov(
        "430200-ZJ",
        "株洲市住房和城乡建设局",
        "Zhuzhou Housing and Urban-Rural Development Bureau",
        "住建局",
        "Housing & Construction",
        "0731-28680009",
    ),
    _gov(
        "430200-MZ",
        "株洲市民政局",
        "Zhuzhou Civil Affairs Bureau",
        "民政局",
        "Civil Affairs",
        "0731-28680010",
    ),
    _gov(
        "430200-WJ",
        "株洲市卫生健康委员会",
        "Zhuzhou Health Commission",
        "卫健委",
        "Health Commission",
        "0731-28680011",
    ),
    _utility(
        "430200-WATER",
        "株洲市自来水有限公司（演示）",
        "Zhuzhou Water Supply Co. (demo)",
        "自来水",
        "Water",
        "0731-28681001",
        Localized("株洲市荷塘区新华东路", "Xinhua East Road, Hetang District"),
    ),
    _utility(
        "430200-POWER",
        "国网株洲供电公司（演示）",
        "State Grid Zhuzhou Power Supply (demo)",
        "供电",
        "Power",
        "95598",
        Localized("株洲市芦淞区人民南路", "Renmin South Road, Lusong District"),
    ),
    _utility(
        "430200-GAS",
        "株洲市燃气有限公司（演示）",
        "Zhuzhou Gas Co. (demo)",
        "燃气",
        "Gas",
        "0731-28681003",
        Localized("株洲市石峰区响石路", "Xiangshi Road, Shifeng District"),
    ),
]

"""A demo service catalogue (办事指南) and its one-thing bundles (一件事) for Zhuzhou.

Shaped like the real guides: standard codes ``430200-<department>-<number>``, legal and
committed limits in working days, materials with formats, size limits and the e-licence
that replaces them, JSON Schema forms whose fields carry city-wide keys, fees. Limits
and fees are plausible, not official. The four codes the prefill demo started with
(``430200-GJJ-TQ-001`` …) are kept, with the same prefilled fields.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from applications.models import Bundle, Fee, FormField, Material, ResultLicence, ServiceItem
from kit.text import Localized

MB = 1024 * 1024
DOCUMENT = ("application/pdf", "image/jpeg", "image/png")
SCAN = ("image/jpeg", "image/png")
AGENT_SCOPE = "applications:submit"
"""The scope an enterprise agent holds to apply for its enterprise."""


def material(
    key: str,
    zh: str,
    en: str,
    *,
    licence: str | None = None,
    max_mb: int = 10,
    formats: tuple[str, ...] = DOCUMENT,
) -> Material:
    """A material, ``max_mb`` megabytes at most."""
    return Material(key, Localized(zh, en), formats, max_mb * MB, licence)


def text(
    key: str,
    zh: str,
    en: str,
    *,
    max_length: int = 100,
    pattern: str | None = None,
    prefill: str | None = None,
    required: bool = True,
) -> FormField:
    """A text field."""
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": max_length}
    if pattern is not None:
        schema["pattern"] = pattern
    return FormField(key, Localized(zh, en), schema, required, prefill)


def number(
    key: str, zh: str, en: str, *, minimum: int = 0, prefill: str | None = None
) -> FormField:
    """A number field."""
    return FormField(key, Localized(zh, en), {"type": "number", "minimum": minimum}, True, prefill)


def choice(key: str, zh: str, en: str, options: tuple[str, ...]) -> FormField:
    """A field whose value is one of ``options``."""
    return FormField(key, Localized(zh, en), {"type": "string", "enum": list(options)}, True)


# Materials several items ask for: one key each, so a bundle asks once.
ID_CARD = material(
    "id-card", "居民身份证", "Resident ID card", licence="resident_id", max_mb=5, formats=SCAN
)
BUSINESS_LICENCE = material(
    "business-licence", "营业执照", "Business licence", licence="business_licence"
)
SITE_PROOF = material(
    "site-proof", "经营场所使用证明（租赁合同或产权证明）", "Proof of the premises (lease or title)"
)
ARTICLES = material("articles-of-association", "公司章程", "Articles of association")
FLOOR_PLAN = material("floor-plan", "经营场所平面布局图", "Floor plan of the premises")
FOOD_SAFETY_RULES = material(
    "food-safety-rules", "食品安全管理制度", "Food safety management rules"
)
BANK_ACCOUNT = material("bank-account", "银行开户证明", "Proof of the bank account")
PROPERTY_CERTIFICATE = material(
    "property-certificate",
    "不动产权证书",
    "Real estate title certificate",
    licence="real_estate_certificate",
)
PLANNING_PERMIT = material(
    "planning-permit",
    "建设工程规划许可证",
    "Construction planning permit",
    licence="planning-permit",
)
PHARMACIST = material(
    "pharmacist-qualification",
    "执业药师资格证书",
    "Licensed pharmacist certificate",
    licence="pharmacist-certificate",
)
QUALITY_RULES = material("quality-rules", "质量管理制度文件", "Quality management documents")
HOUSEHOLD_BOOKLET = material(
    "household-booklet", "户口簿", "Household registration booklet", licence="household-booklet"
)
BANK_CARD = material(
    "bank-card", "社会保障卡或银行卡", "Social security card or bank card", formats=SCAN
)

# Form fields several items ask for: the key is what a bundle deduplicates on.
APPLICANT_NAME = text("applicant.name", "姓名", "Name", max_length=50, prefill="household.name")
APPLICANT_ID = text("applicant.idNumber", "身份证号码", "ID card number", pattern=r"^\d{17}[\dX]$")
APPLICANT_PHONE = text("applicant.phone", "联系电话", "Phone number", pattern=r"^1\d{10}$")
HOUSEHOLD_ADDRESS = text(
    "applicant.householdAddress",
    "户籍地址",
    "Household address",
    max_length=200,
    prefill="household.householdAddress",
)
ENTERPRISE_NAME = text("enterprise.name", "企业名称", "Enterprise name")
USCC = text(
    "enterprise.uscc",
    "统一社会信用代码",
    "Unified social credit code",
    pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
)
SITE_ADDRESS = text("site.address", "经营场所地址", "Address of the premises", max_length=200)
BUSINESS_SCOPE = text("enterprise.businessScope", "经营范围", "Business scope", max_length=500)
PROPERTY_NUMBER = text(
    "property.certificateNumber",
    "不动产权证书号",
    "Property certificate number",
    prefill="properties.items[0].certificateNumber",
)
BUILDING_ADDRESS = text("building.address", "用水用气用电地址", "Supply address", max_length=200)

FREE: tuple[Fee, ...] = ()
REGISTRATION_FEE = (
    Fee(
        Decimal("80.00"),
        Localized("住宅类不动产登记费（每件）", "Registration fee, housing (per case)"),
    ),
    Fee(
        Decimal("10.00"), Localized("证书工本费（首本免收，每增加一本）", "Each extra certificate")
    ),
)


def item(
    code: str,
    zh: str,
    en: str,
    department: str,
    limits: tuple[int, int],
    steps: int,
    materials: tuple[Material, ...],
    fields: tuple[FormField, ...],
    *,
    fees: tuple[Fee, ...] = FREE,
    level_3: bool = False,
    agents: bool = False,
) -> ServiceItem:
    """An item; ``limits`` is (legal, committed) working days."""
    legal, committed = limits
    return ServiceItem(
        code=code,
        name=Localized(zh, en),
        department_code=department,
        legal_limit_days=legal,
        committed_limit_days=committed,
        steps=steps,
        materials=materials,
        form_fields=fields,
        fees=fees,
        needs_assurance_level_3=level_3,
        agent_scope=AGENT_SCOPE if agents else None,
    )


ENTERPRISE_FIELDS = (APPLICANT_NAME, APPLICANT_ID, APPLICANT_PHONE, ENTERPRISE_NAME, USCC)

# Enterprise start-up (企业开办).
BUSINESS_LICENCE_ITEM = replace(
    item(
        "430200-SCJG-001",
        "企业设立登记（营业执照）",
        "Company registration (business licence)",
        "430200-SCJG",
        (15, 3),
        4,
        (ID_CARD, ARTICLES, SITE_PROOF),
        (
            APPLICANT_NAME,
            APPLICANT_ID,
            APPLICANT_PHONE,
            ENTERPRISE_NAME,
            SITE_ADDRESS,
            BUSINESS_SCOPE,
            number(
                "enterprise.registeredCapital", "注册资本（万元）", "Registered capital (10k CNY)"
            ),
        ),
        agents=True,
    ),
    # Approval issues the business licence into the enterprise's wallet.
    result=ResultLicence(
        "business_licence",
        {
            "name": "form:enterprise.name",
            "legalForm": "const:有限责任公司",
            "legalRepresentative": "form:applicant.name",
            "registeredCapital": "form:enterprise.registeredCapital",
            "establishedOn": "today",
            "address": "form:site.address",
            "scope": "form:enterprise.businessScope",
        },
        holder_field="enterprise.uscc",
    ),
)

SEAL = item(
    "430200-GA-001",
    "印章刻制备案",
    "Company seal engraving and filing",
    "430200-GA",
    (3, 1),
    3,
    (BUSINESS_LICENCE, ID_CARD),
    ENTERPRISE_FIELDS,
    agents=True,
)
TAX = item(
    "430200-SW-001",
    "新办纳税人涉税事项（税务登记）",
    "Tax registration of a new taxpayer",
    "430200-SW",
    (5, 1),
    3,
    (BUSINESS_LICENCE, ID_CARD, BANK_ACCOUNT),
    (*ENTERPRISE_FIELDS, text("enterprise.bankAccount", "基本存款账户", "Basic bank account")),
    agents=True,
)
SOCIAL_INSURANCE_REGISTRATION = item(
    "430200-RS-001",
    "单位社会保险登记",
    "Employer social insurance registration",
    "430200-RS",
    (15, 1),
    3,
    (BUSINESS_LICENCE, ID_CARD),
    (*ENTERPRISE_FIELDS, SITE_ADDRESS),
    agents=True,
)

# Regulated businesses.
FOOD_BUSINESS = item(
    "430200-SCJG-002",
    "食品经营许可（餐饮服务）",
    "Food business licence (catering)",
    "430200-SCJG",
    (20, 5),
    4,
    (BUSINESS_LICENCE, ID_CARD, SITE_PROOF, FLOOR_PLAN, FOOD_SAFETY_RULES),
    (
        *ENTERPRISE_FIELDS,
        SITE_ADDRESS,
        number("site.areaM2", "经营面积（平方米）", "Floor area (m²)"),
    ),
    agents=True,
)
DRUG_RETAIL = item(
    "430200-SCJG-003",
    "药品经营许可（零售）",
    "Drug retail licence",
    "430200-SCJG",
    (30, 10),
    5,
    (BUSINESS_LICENCE, ID_CARD, SITE_PROOF, PHARMACIST, QUALITY_RULES),
    (
        *ENTERPRISE_FIELDS,
        SITE_ADDRESS,
        text("pharmacist.name", "执业药师姓名", "Licensed pharmacist"),
    ),
    level_3=True,
    agents=True,
)
FOOD_PRODUCTION = item(
    "430200-SCJG-004",
    "食品生产许可",
    "Food production licence",
    "430200-SCJG",
    (20, 10),
    5,
    (
        BUSINESS_LICENCE,
        ID_CARD,
        SITE_PROOF,
        FLOOR_PLAN,
        FOOD_SAFETY_RULES,
        material("process-flow", "生产工艺流程图", "Production process flow chart"),
    ),
    (*ENTERPRISE_FIELDS, SITE_ADDRESS, text("food.category", "食品类别", "Food category")),
    level_3=True,
    agents=True,
)
DEVICE_FILING = item(
    "430200-SCJG-005",
    "第二类医疗器械经营备案",
    "Class II medical device sales filing",
    "430200-SCJG",
    (1, 1),
    2,
    (BUSINESS_LICENCE, ID_CARD, SITE_PROOF, QUALITY_RULES),
    (*ENTERPRISE_FIELDS, SITE_ADDRESS),
    agents=True,
)
DEVICE_PERMIT = item(
    "430200-SCJG-006",
    "第三类医疗器械经营许可",
    "Class III medical device sales permit",
    "430200-SCJG",
    (20, 10),
    5,
    (
        BUSINESS_LICENCE,
        ID_CARD,
        SITE_PROOF,
        QUALITY_RULES,
        material("storage-plan", "贮存设施设备目录", "Storage facilities"),
    ),
    (*ENTERPRISE_FIELDS, SITE_ADDRESS),
    level_3=True,
    agents=True,
)
OUTDOOR_SIGN = item(
    "430200-ZJ-001",
    "户外招牌设置备案",
    "Outdoor shop sign filing",
    "430200-ZJ",
    (5, 2),
    3,
    (
        BUSINESS_LICENCE,
        SITE_PROOF,
        material("sign-design", "招牌设计效果图", "Sign design drawing"),
    ),
    (*ENTERPRISE_FIELDS, SITE_ADDRESS),
    agents=True,
)
DESIGNATED_PHARMACY = item(
    "430200-YB-001",
    "医保定点零售药店申请",
    "Designated medical insurance pharmacy",
    "430200-YB",
    (30, 15),
    4,
    (BUSINESS_LICENCE, ID_CARD, PHARMACIST, QUALITY_RULES),
    (*ENTERPRISE_FIELDS, SITE_ADDRESS),
    agents=True,
)

# People's items.
PENSION = item(
    "430200-RS-002",
    "职工退休申请（基本养老金申领）",
    "Retirement and pension claim",
    "430200-RS",
    (20, 10),
    4,
    (ID_CARD, HOUSEHOLD_BOOKLET, BANK_CARD),
    (
        APPLICANT_NAME,
        APPLICANT_ID,
        APPLICANT_PHONE,
        HOUSEHOLD_ADDRESS,
        text("pension.bankAccount", "养老金发放账户", "Account for the pension"),
    ),
    level_3=True,
)
RETIREE_MEDICAL = item(
    "430200-YB-002",
    "退休人员医保待遇核定",
    "Medical insurance benefits on retirement",
    "430200-YB",
    (15, 5),
    3,
    (ID_CARD, BANK_CARD),
    (APPLICANT_NAME, APPLICANT_ID, APPLICANT_PHONE),
)
PENSION_TRANSFER = item(
    "430200-RS-003",
    "基本养老保险关系转移接续",
    "Transfer of pension insurance",
    "430200-RS",
    (45, 15),
    3,
    (ID_CARD,),
    (
        APPLICANT_NAME,
        APPLICANT_ID,
        APPLICANT_PHONE,
        text("transfer.fromRegion", "转出地", "Region transferred from"),
    ),
)
MEDICAL_TRANSFER = item(
    "430200-YB-003",
    "基本医疗保险关系转移接续",
    "Transfer of medical insurance",
    "430200-YB",
    (15, 10),
    3,
    (ID_CARD,),
    (
        APPLICANT_NAME,
        APPLICANT_ID,
        APPLICANT_PHONE,
        text("transfer.fromRegion", "转出地", "Region transferred from"),
    ),
)
REAL_ESTATE_TRANSFER = item(
    "430200-ZRZY-001",
    "不动产转移登记（二手房买卖）",
    "Real estate transfer registration (resale)",
    "430200-ZRZY",
    (30, 5),
    4,
    (
        ID_CARD,
        PROPERTY_CERTIFICATE,
        material("sale-contract", "存量房买卖合同", "Contract of sale"),
        material("tax-receipt", "完税凭证", "Tax payment receipt"),
    ),
    (
        APPLICANT_NAME,
        APPLICANT_ID,
        APPLICANT_PHONE,
        PROPERTY_NUMBER,
        text("property.address", "不动产坐落", "Property address", max_length=200),
    ),
    fees=REGISTRATION_FEE,
    level_3=True,
)

# Utilities (水电气): committed limits as the companies publish them.
WATER = item(
    "430200-WATER-001",
    "用水报装",
    "Water supply connection",
    "430200-WATER",
    (10, 10),
    4,
    (ID_CARD, PROPERTY_CERTIFICATE, PLANNING_PERMIT),
    (
        APPLICANT_NAME,
        APPLICANT_PHONE,
        BUILDING_ADDRESS,
        number("water.pipeDiameterMm", "用水管径（毫米）", "Pipe diameter (mm)", minimum=15),
    ),
    agents=True,
)
GAS = item(
    "430200-GAS-001",
    "用气报装",
    "Gas supply connection",
    "430200-GAS",
    (7, 7),
    4,
    (ID_CARD, PROPERTY_CERTIFICATE, PLANNING_PERMIT),
    (APPLICANT_NAME, APPLICANT_PHONE, BUILDING_ADDRESS),
    agents=True,
)
POWER_LOW = item(
    "430200-POWER-001",
    "低压用电报装",
    "Low-voltage electricity connection",
    "430200-POWER",
    (18, 18),
    3,
    (ID_CARD, PROPERTY_CERTIFICATE),
    (
        APPLICANT_NAME,
        APPLICANT_PHONE,
        BUILDING_ADDRESS,
        number("power.capacityKw", "用电容量（千瓦）", "Capacity (kW)", minimum=1),
    ),
    agents=True,
)
POWER_HIGH = item(
    "430200-POWER-002",
    "高压用电报装",
    "High-voltage electricity connection",
    "430200-POWER",
    (33, 33),
    5,
    (
        ID_CARD,
        PROPERTY_CERTIFICATE,
        PLANNING_PERMIT,
        material("power-plan", "用电设备清单", "List of electrical equipment"),
    ),
    (
        APPLICANT_NAME,
        APPLICANT_PHONE,
        BUILDING_ADDRESS,
        number("power.capacityKw", "用电容量（千瓦）", "Capacity (kW)", minimum=1),
    ),
    agents=True,
)

# The items the prefill demo started with, under the same codes and prefilled fields.
FUND_WITHDRAWAL = item(
    "430200-GJJ-TQ-001",
    "住房公积金提取",
    "Housing provident fund withdrawal",
    "430200-GJJ",
    (3, 1),
    2,
    (ID_CARD, BANK_CARD),
    (
        APPLICANT_NAME,
        HOUSEHOLD_ADDRESS,
        text(
            "fund.accountNumber",
            "公积金账号",
            "Fund account number",
            prefill="providentFund.accountNumberMasked",
        ),
        number("fund.balance", "账户余额（元）", "Balance (CNY)", prefill="providentFund.balance"),
        PROPERTY_NUMBER,
    ),
)
CONTRIBUTION_CERTIFICATE = item(
    "430200-RS-CB-002",
    "个人参保证明开具",
    "Certificate of social insurance contributions",
    "430200-RS",
    (1, 0),
    1,
    (),
    (
        APPLICANT_NAME,
        text("insurance.scheme", "险种", "Scheme", prefill="socialInsurance.schemes[0].scheme"),
        text(
            "insurance.status",
            "参保状态",
            "Insured status",
            prefill="socialInsurance.schemes[0].status",
        ),
        number(
            "insurance.monthsPaid",
            "累计缴费月数",
            "Months paid",
            prefill="socialInsurance.schemes[0].monthsPaid",
        ),
    ),
)
MORTGAGE = item(
    "430200-ZRZY-DY-003",
    "不动产抵押登记",
    "Registration of a mortgage on real estate",
    "430200-ZRZY",
    (30, 5),
    3,
    (
        ID_CARD,
        PROPERTY_CERTIFICATE,
        material("loan-contract", "借款合同及抵押合同", "Loan and mortgage contracts"),
    ),
    (
        APPLICANT_NAME,
        PROPERTY_NUMBER,
        text(
            "property.address",
            "不动产坐落",
            "Property address",
            max_length=200,
            prefill="properties.items[0].address",
        ),
        number(
            "property.areaM2",
            "建筑面积（平方米）",
            "Floor area (m²)",
            prefill="properties.items[0].areaM2",
        ),
    ),
    fees=REGISTRATION_FEE,
)
UTILITY_TRANSFER = item(
    "430200-SDQ-GH-004",
    "水电气过户",
    "Transfer of water, power and gas accounts",
    "430200-XZSP",
    (5, 3),
    2,
    (ID_CARD, PROPERTY_CERTIFICATE),
    (
        APPLICANT_NAME,
        text(
            "utility.accountNumber",
            "户号",
            "Account number",
            prefill="utilities.accounts[0].accountNumber",
        ),
        text(
            "utility.address",
            "用水用电地址",
            "Supply address",
            max_length=200,
            prefill="utilities.accounts[0].address",
        ),
    ),
)

ITEMS: tuple[ServiceItem, ...] = (
    BUSINESS_LICENCE_ITEM, SEAL, TAX, SOCIAL_INSURANCE_REGISTRATION,
    FOOD_BUSINESS, DRUG_RETAIL, FOOD_PRODUCTION, DEVICE_FILING, DEVICE_PERMIT,
    OUTDOOR_SIGN, DESIGNATED_PHARMACY,
    PENSION, RETIREE_MEDICAL, PENSION_TRANSFER, MEDICAL_TRANSFER, REAL_ESTATE_TRANSFER,
    WATER, GAS, POWER_LOW, POWER_HIGH,
    FUND_WITHDRAWAL, CONTRIBUTION_CERTIFICATE, MORTGAGE, UTILITY_TRANSFER,
)  # fmt: skip
"""Every demo catalogue item."""


def bundle(code: str, zh: str, en: str, *items: ServiceItem) -> Bundle:
    """A bundle of ``items``, in order."""
    return Bundle(code, Localized(zh, en), tuple(i.code for i in items))


START_UP = bundle(
    "YJS-QYKB",
    "企业开办一件事",
    "Start a business",
    BUSINESS_LICENCE_ITEM,
    SEAL,
    TAX,
    SOCIAL_INSURANCE_REGISTRATION,
)
BUNDLES: tuple[Bundle, ...] = (
    START_UP,
    bundle("YJS-KCG", "开餐馆一件事", "Open a restaurant",
           BUSINESS_LICENCE_ITEM, FOOD_BUSINESS, OUTDOOR_SIGN, TAX),
    bundle("YJS-KYD", "开药店一件事", "Open a pharmacy",
           BUSINESS_LICENCE_ITEM, DRUG_RETAIL, DESIGNATED_PHARMACY, TAX),
    bundle("YJS-SDQ", "新建项目水电气报装一件事", "Utilities for a new building",
           WATER, GAS, POWER_HIGH),
    bundle("YJS-TX", "退休一件事", "Retire", PENSION, RETIREE_MEDICAL, FUND_WITHDRAWAL),
)  # fmt: skip
"""Every demo bundle."""

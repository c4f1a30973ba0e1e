"""Test helpers of the wallet: real-name callers, officers, licences to issue."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from app.resources import Resources
from demo.data.departments import DEPARTMENTS
from demo.data.people import resident_id_number
from demo.exchange.models import Gender as DemoGender
from directory.repository import DepartmentRepository
from identity.models import Gender, OfficerRole, RealName
from identity.services.officers import OfficerService
from tests.identity.factories import SignedInCaller, sign_in
from tests.identity.verification_factories import accounts_of
from wallet.models import Holder, HolderKind, LicenceType
from wallet.service import IssueRequest, WalletService

GA, SCJG = "430200-GA", "430200-SCJG"
USCC = "91430200MA4L000001"

_orders = itertools.count(100)
_numbers = itertools.count(1)


def resources(app: FastAPI) -> Resources:
    """The app's open clients."""
    opened: Resources = app.state.resources
    return opened


def wallet(app: FastAPI) -> WalletService:
    """The app's wallet service."""
    service: WalletService = app.state.services.get(WalletService)
    return service


async def verified(client: httpx.AsyncClient, app: FastAPI) -> SignedInCaller:
    """A signed-in citizen with a fictional verified real name (level REAL_NAME)."""
    caller = await sign_in(client, app)
    id_number = resident_id_number("430202", date(1990, 1, 1), next(_orders), DemoGender.MALE)
    real_name = RealName(
        name="测试员",
        id_number=id_number,
        birth_date=date(1990, 1, 1),
        gender=Gender.MALE,
        verified_at=datetime.now(UTC),
    )
    opened = resources(app)
    fields = accounts_of(app).document_fields_for_real_name(
        caller.account_id, real_name, opened.keys.lookup.digest(id_number)
    )
    await opened.database["accounts"].update_one(
        {"_id": caller.account_id}, {"$set": {"real_name": fields}}
    )
    return caller


async def officer(
    client: httpx.AsyncClient, app: FastAPI, department: str, role: OfficerRole = OfficerRole.CLERK
) -> SignedInCaller:
    """A real-name citizen holding ``role`` in ``department`` (the directory is loaded)."""
    await DepartmentRepository(resources(app).database).upsert_many(DEPARTMENTS)
    caller = await verified(client, app)
    officers: OfficerService = app.state.services.get(OfficerService)
    await officers.grant_as_operator(caller.phone, role, department)
    return caller


def resident_id(account: str, *, expires_on: date | None = date(2040, 5, 1)) -> IssueRequest:
    """A resident ID card for ``account`` with a fresh number."""
    return IssueRequest(
        type=LicenceType.RESIDENT_ID,
        holder=Holder(HolderKind.CITIZEN, account),
        issuer=GA,
        number=f"43020219900101{next(_numbers):04d}",
        issued_on=date(2020, 5, 1),
        expires_on=expires_on,
        fields={
            "name": "张三丰",
            "sex": "男",
            "ethnicity": "汉",
            "birthDate": "1990-01-01",
            "address": "湖南省株洲市天元区神农大道1号",
        },
    )


def driving_licence(account: str, *, expires_on: date | None = date(2032, 1, 1)) -> IssueRequest:
    """A driving licence for ``account`` with a fresh number."""
    return IssueRequest(
        type=LicenceType.DRIVING_LICENCE,
        holder=Holder(HolderKind.CITIZEN, account),
        issuer=GA,
        number=f"D4302{next(_numbers):08d}",
        issued_on=date(2022, 1, 1),
        expires_on=expires_on,
        fields={"name": "张三丰", "vehicleClass": "C1", "firstIssuedOn": "2016-01-01"},
    )


def business_licence(uscc: str = USCC) -> IssueRequest:
    """A business licence of the enterprise ``uscc``."""
    return IssueRequest(
        type=LicenceType.BUSINESS_LICENCE,
        holder=Holder(HolderKind.ENTERPRISE, uscc),
        issuer=SCJG,
        number=uscc,
        issued_on=date(2021, 3, 15),
        expires_on=None,
        fields={
            "name": "株洲示例科技有限公司",
            "legalForm": "有限责任公司",
            "legalRepresentative": "李四",
            "registeredCapital": 500,
            "establishedOn": "2021-03-15",
            "address": "株洲市芦淞区建设中路2号",
            "scope": "软件开发；信息技术咨询服务",
        },
    )


async def outbox_events(app: FastAPI, kind_prefix: str = "wallet.") -> list[dict[str, Any]]:
    """The outbox's events whose kind starts with ``kind_prefix``, oldest first."""
    cursor = (
        resources(app)
        .database["outbox"]
        .find({"kind": {"$regex": f"^{kind_prefix.replace('.', '[.]')}"}})
        .sort([("occurred_at", 1), ("_id", 1)])
    )
    return [doc async for doc in cursor]

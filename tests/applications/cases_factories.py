"""Callers, documents and steps the case tests share (everything through ``/graphql``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from app.trusted_documents import document_text
from demo.data.people import LIU_JIANJUN, TANG_YAQIN, WANG_HAORAN
from demo.exchange.models import ResidentRecord
from tests.applications.uploads_factories import PDF, post_file, services_of
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from wallet.models import Holder, HolderKind, LicenceType
from wallet.service import IssueRequest, WalletService

START_UP = "YJS-QYKB"
ERROR = "... on UserError { code field message messageEn }"
CASE_FIELDS = """
  id reference kind code state dueAt completedAt submittedAt form
  materials { key uploadId licenceUri }
  subCases { id reference departmentCode state version dueAt decidedAt licenceUri
             supplement { materialKeys fieldKeys } itemCodes }
  rating { level comment followUpReply }
"""

SAVE_DRAFT = document_text("SaveDraft")  # the app's trusted document

SUBMIT = document_text("SubmitApplication")  # the app's trusted document

SLOT = """
mutation ($item: String!, $material: String!, $size: Int!) {
  requestUploadSlot(itemCode: $item, materialCode: $material, fileName: "doc.pdf",
                    contentType: "application/pdf", size: $size) {
    __typename
    ... on UploadSlot { url fields { name value } upload { id } }
    ... on UserError { code }
  }
}
"""

CONFIRM = """
mutation ($id: String!) {
  confirmUpload(uploadId: $id) { __typename ... on UserError { code } }
}
"""

# Which item of the start-up bundle asks for each material (an upload names one).
MATERIAL_ITEMS = {
    "articles-of-association": "430200-SCJG-001",
    "site-proof": "430200-SCJG-001",
    "business-licence": "430200-GA-001",
    "bank-account": "430200-SW-001",
}


def start_up_form(**overrides: Any) -> dict[str, Any]:
    """A complete, valid form of the enterprise start-up bundle."""
    form: dict[str, Any] = {
        "applicant.name": LIU_JIANJUN.name,
        "applicant.idNumber": LIU_JIANJUN.id_number,
        "applicant.phone": LIU_JIANJUN.phone,
        "enterprise.name": "株洲市荷塘区湘江餐饮有限公司",
        "enterprise.uscc": "91430202MA4L0XYW3K",
        "site.address": "株洲市荷塘区新华西路 88 号",
        "enterprise.businessScope": "餐饮服务；食品销售",
        "enterprise.registeredCapital": 50,
        "enterprise.bankAccount": "6222 0219 0300 1234 567",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


async def staff(
    client: httpx.AsyncClient, app: FastAPI, resident: ResidentRecord
) -> SignedInCaller:
    """A seeded demo officer, signed in (the seed bound their real names)."""
    assert resident.phone is not None
    return await sign_in(client, app, f"+86{resident.phone}")


async def officers(
    client: httpx.AsyncClient, app: FastAPI
) -> tuple[SignedInCaller, SignedInCaller]:
    """王浩然 (CLERK of SCJG and GA) and 唐雅琴 (HEAD of SCJG, CLERK of SW and RS)."""
    return await staff(client, app, WANG_HAORAN), await staff(client, app, TANG_YAQIN)


async def upload(
    client: httpx.AsyncClient, caller: SignedInCaller, material: str, data: bytes = PDF
) -> str:
    """Upload ``data`` as a PDF for ``material`` through the slot and confirm it."""
    body = await as_caller(
        client,
        caller,
        SLOT,
        {"item": MATERIAL_ITEMS[material], "material": material, "size": len(data)},
    )
    slot = body["data"]["requestUploadSlot"]
    assert slot["__typename"] == "UploadSlot", body
    fields = {f["name"]: f["value"] for f in slot["fields"]}
    response = await post_file(slot["url"], fields, data, "application/pdf")
    assert response.status_code in (200, 201, 204), response.text
    confirmed = await as_caller(client, caller, CONFIRM, {"id": slot["upload"]["id"]})
    assert confirmed["data"]["confirmUpload"]["__typename"] == "UploadVerified", confirmed
    upload_id: str = slot["upload"]["id"]
    return upload_id


async def resident_id_licence(app: FastAPI, caller: SignedInCaller) -> str:
    """Issue the caller an e-resident ID card into their wallet (as the GA's source would)."""
    wallet = services_of(app).get(WalletService)
    licence = await wallet.issue(
        IssueRequest(
            type=LicenceType.RESIDENT_ID,
            holder=Holder(HolderKind.CITIZEN, caller.account_id),
            issuer="430200-GA",
            number=f"RID-{uuid.uuid4().hex[:10]}",
            issued_on=date(2020, 5, 1),
            expires_on=date(2040, 5, 1),
            fields={
                "name": LIU_JIANJUN.name,
                "sex": "男",
                "ethnicity": "汉",
                "birthDate": "1980-01-01",
                "address": "株洲市荷塘区",
            },
        )
    )
    return licence.uri


async def start_up_materials(
    client: httpx.AsyncClient, app: FastAPI, caller: SignedInCaller
) -> list[dict[str, str]]:
    """Every material of the start-up bundle: four uploads and the e-resident ID card."""
    materials = [
        {"key": key, "uploadId": await upload(client, caller, key)} for key in MATERIAL_ITEMS
    ]
    materials.append({"key": "id-card", "licenceUri": await resident_id_licence(app, caller)})
    return materials


async def submit(
    client: httpx.AsyncClient,
    caller: SignedInCaller,
    materials: list[dict[str, str]],
    *,
    form: dict[str, Any] | None = None,
    key: str | None = None,
    code: str = START_UP,
    kind: str = "BUNDLE",
    acting_for: str | None = None,
) -> dict[str, Any]:
    """``submitApplication``'s payload (``acting_for``: the enterprise an agent acts for)."""
    body = await as_caller(
        client,
        caller,
        SUBMIT,
        {
            "key": key or uuid.uuid4().hex,
            "kind": kind,
            "code": code,
            "form": start_up_form() if form is None else form,
            "materials": materials,
        },
        headers={"X-Acting-For": acting_for} if acting_for else None,
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["submitApplication"]
    return payload


def officer_mutation(name: str, extra_args: str = "", extra_vars: str = "") -> str:
    """An officer action's document (``$sub`` and the extra arguments)."""
    return f"""
mutation ($sub: String!{extra_vars}) {{
  {name}(subCaseId: $sub{extra_args}) {{
    __typename
    ... on ApplicationChanged {{ application {{ {CASE_FIELDS} }} }}
    {ERROR}
  }}
}}
"""


ACCEPT = officer_mutation("acceptSubCase")
APPROVE = officer_mutation("approveSubCase")
REJECT = officer_mutation("rejectSubCase", ", reason: $reason", ", $reason: String!")
SUSPEND = officer_mutation("suspendSubCase", ", reason: $reason", ", $reason: String!")
RESUME = officer_mutation("resumeSubCase", ", reason: $reason", ", $reason: String!")
REQUEST_SUPPLEMENT = officer_mutation(
    "requestSupplement",
    ", reason: $reason, materialKeys: $materials",
    ", $reason: String!, $materials: [String!]",
)


async def act(
    client: httpx.AsyncClient, officer: SignedInCaller, document: str, **variables: Any
) -> dict[str, Any]:
    """An officer action's payload."""
    body = await as_caller(client, officer, document, variables)
    assert "errors" not in body, body
    payload: dict[str, Any] = next(iter(body["data"].values()))
    return payload


def sub_of(case: dict[str, Any], department: str) -> dict[str, Any]:
    """The case's sub-case for ``department``."""
    found: dict[str, Any] = next(s for s in case["subCases"] if s["departmentCode"] == department)
    return found

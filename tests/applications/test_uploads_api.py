"""``requestUploadSlot`` and ``confirmUpload`` through ``/graphql``, with the file posted to
SeaweedFS with the presigned fields over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from applications.services.uploads import UploadService
from demo.data.enterprises import ENTERPRISES
from demo.data.people import LI_XIAOYAN, LIU_JIANJUN
from tests.app.citizens import real_name_citizen
from tests.applications.uploads_factories import (
    ITEM_CODE,
    MAX_BYTES,
    NOT_A_PDF,
    PDF,
    SCAN,
    SECRET_MARKER,
    add_test_item,
    post_file,
    services_of,
)
from tests.conftest import graphql
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.identity.verification_factories import resources_of, sign_in_verified
from tests.stored import mongo_contents

RAIL = ENTERPRISES[0]
assert RAIL.legal_representative_id_number == LIU_JIANJUN.id_number

ERROR = "... on UserError { code field message messageEn }"

REQUEST_SLOT = f"""
mutation ($item: String!, $material: String!, $name: String!, $type: String!, $size: Int!) {{
  requestUploadSlot(itemCode: $item, materialCode: $material, fileName: $name,
                    contentType: $type, size: $size) {{
    __typename
    ... on UploadSlot {{
      url expiresAt fields {{ name value }}
      upload {{ id itemCode materialCode fileName contentType size state sha256 createdAt }}
    }}
    {ERROR}
  }}
}}
"""

CLAIM = """
mutation ($uscc: String!) { claimEnterprise(uscc: $uscc) { __typename } }
"""

CONFIRM = f"""
mutation ($id: String!) {{
  confirmUpload(uploadId: $id) {{
    __typename
    ... on UploadVerified {{ upload {{ id state size sha256 verifiedAt fileName }} }}
    {ERROR}
  }}
}}
"""


@pytest.fixture
async def liu(app: FastAPI, client: httpx.AsyncClient) -> SignedInCaller:
    """Liu Jianjun, real-name verified, with the demo catalogue and the test item."""
    caller = await real_name_citizen(client, app)
    await add_test_item(app)
    return caller


async def _request(
    client: httpx.AsyncClient,
    caller: SignedInCaller,
    *,
    item: str = ITEM_CODE,
    material: str = SCAN,
    content_type: str = "application/pdf",
    size: int = len(PDF),
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    variables = {
        "item": item,
        "material": material,
        "name": f"{SECRET_MARKER}.pdf",
        "type": content_type,
        "size": size,
    }
    body = await as_caller(client, caller, REQUEST_SLOT, variables, headers=headers)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["requestUploadSlot"]
    return payload


async def _confirm(
    client: httpx.AsyncClient, caller: SignedInCaller, upload_id: str
) -> dict[str, Any]:
    body = await as_caller(client, caller, CONFIRM, {"id": upload_id})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["confirmUpload"]
    return payload


async def _post(slot: dict[str, Any], data: bytes, content_type: str) -> httpx.Response:
    fields = {field["name"]: field["value"] for field in slot["fields"]}
    return await post_file(slot["url"], fields, data, content_type)


async def test_a_citizen_uploads_a_material_with_the_presigned_post_and_confirms_it(
    app: FastAPI, client: httpx.AsyncClient, liu: SignedInCaller
) -> None:
    # given a slot for a PDF scan
    slot = await _request(client, liu)
    assert slot["__typename"] == "UploadSlot", slot
    assert slot["upload"]["state"] == "PENDING"
    assert slot["upload"]["fileName"] == f"{SECRET_MARKER}.pdf"
    fields = {field["name"]: field["value"] for field in slot["fields"]}
    assert fields["key"] == f"incoming/{slot['upload']['id']}"
    assert {"policy", "x-amz-signature", "Content-Type"} <= set(fields)
    # when the client posts the file to the object store with the fields
    response = await _post(slot, PDF, "application/pdf")
    assert response.status_code == 204, response.text
    confirmed = await _confirm(client, liu, slot["upload"]["id"])
    # then the upload is verified
    assert confirmed["__typename"] == "UploadVerified", confirmed
    upload = confirmed["upload"]
    assert (upload["state"], upload["size"]) == ("VERIFIED", len(PDF))
    assert upload["sha256"]
    assert upload["verifiedAt"]
    # and the service the applications use takes it as Liu's
    found = (
        await services_of(app).get(UploadService).verified_uploads(liu.account_id, [upload["id"]])
    )
    assert found[upload["id"]].material_code == SCAN
    # and nothing of it rests in clear in MongoDB
    assert SECRET_MARKER not in await mongo_contents(resources_of(app))


async def test_a_slot_is_refused_over_the_size_limit_or_for_a_type_not_accepted(
    client: httpx.AsyncClient, liu: SignedInCaller
) -> None:
    too_large = await _request(client, liu, size=MAX_BYTES + 1)
    assert too_large["__typename"] == "MaterialFileRefused", too_large
    assert (too_large["code"], too_large["field"]) == ("UPLOAD_TOO_LARGE", "size")
    wrong_type = await _request(client, liu, content_type="text/html")
    assert wrong_type["__typename"] == "MaterialFileRefused", wrong_type
    assert (wrong_type["code"], wrong_type["field"]) == ("CONTENT_TYPE_NOT_ACCEPTED", "contentType")
    # the real catalogue: the ID card is accepted as a scan (JPEG or PNG) only
    as_pdf = await _request(client, liu, item="430200-SCJG-001", material="id-card")
    assert as_pdf["code"] == "CONTENT_TYPE_NOT_ACCEPTED", as_pdf


async def test_a_slot_is_refused_for_an_unknown_item_or_material_or_a_bad_file_name(
    client: httpx.AsyncClient, liu: SignedInCaller
) -> None:
    unknown_item = await _request(client, liu, item="430200-NOPE-999")
    assert unknown_item["__typename"] == "MaterialUnknown", unknown_item
    assert unknown_item["field"] == "itemCode"
    unknown_material = await _request(client, liu, material="passport")
    assert (unknown_material["__typename"], unknown_material["field"]) == (
        "MaterialUnknown",
        "materialCode",
    )
    empty = await _request(client, liu, size=0)
    assert (empty["__typename"], empty["field"]) == ("InvalidInput", "size")


async def test_the_storage_policy_and_confirm_both_refuse_a_file_over_the_limit(
    client: httpx.AsyncClient, liu: SignedInCaller
) -> None:
    # given a slot declared within the limit
    slot = await _request(client, liu)
    # when a file over the material's limit is posted: SeaweedFS enforces the policy
    response = await _post(slot, PDF + b"0" * MAX_BYTES, "application/pdf")
    assert response.status_code == 400
    assert "EntityTooLarge" in response.text
    # then confirm finds nothing and rejects the upload
    rejected = await _confirm(client, liu, slot["upload"]["id"])
    assert (rejected["__typename"], rejected["code"]) == ("UploadRejected", "UPLOAD_MISSING")


async def test_the_storage_policy_refuses_a_file_posted_as_another_content_type(
    client: httpx.AsyncClient, liu: SignedInCaller
) -> None:
    slot = await _request(client, liu)
    fields = {field["name"]: field["value"] for field in slot["fields"]}
    response = await post_file(
        slot["url"], fields | {"Content-Type": "image/png"}, PDF, "image/png"
    )
    assert response.status_code == 403
    assert "Policy" in response.text
    rejected = await _confirm(client, liu, slot["upload"]["id"])
    assert rejected["code"] == "UPLOAD_MISSING", rejected


async def test_a_file_whose_bytes_are_not_of_the_declared_type_is_rejected(
    app: FastAPI, client: httpx.AsyncClient, liu: SignedInCaller
) -> None:
    # given an HTML page posted as a PDF (the policy cannot see the bytes)
    slot = await _request(client, liu)
    assert (await _post(slot, NOT_A_PDF, "application/pdf")).status_code == 204
    # when confirmed
    rejected = await _confirm(client, liu, slot["upload"]["id"])
    # then it is rejected with the reason, and the object is gone
    assert rejected["__typename"] == "UploadRejected", rejected
    assert (rejected["code"], rejected["field"]) == ("UPLOAD_BYTES_MISMATCH", "uploadId")
    assert rejected["message"]
    assert rejected["messageEn"]
    incoming = f"incoming/{slot['upload']['id']}"
    assert await resources_of(app).objects.head(incoming) is None
    # and asking again answers the same
    assert (await _confirm(client, liu, slot["upload"]["id"]))["code"] == "UPLOAD_BYTES_MISMATCH"


async def test_another_citizen_cannot_confirm_an_upload_that_is_not_theirs(
    app: FastAPI, client: httpx.AsyncClient, liu: SignedInCaller
) -> None:
    # given Liu's slot with the file posted
    slot = await _request(client, liu)
    await _post(slot, PDF, "application/pdf")
    li = await sign_in_verified(client, app, LI_XIAOYAN)
    # when Li confirms it
    answer = await _confirm(client, li, slot["upload"]["id"])
    # then it reads as not found, and it is still Liu's to confirm
    assert (answer["__typename"], answer["field"]) == ("NotFound", "uploadId")
    assert (await _confirm(client, liu, slot["upload"]["id"]))["__typename"] == "UploadVerified"


async def test_uploading_needs_a_signed_in_real_name_caller(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    variables = {
        "item": ITEM_CODE,
        "material": SCAN,
        "name": "a.pdf",
        "type": "application/pdf",
        "size": 10,
    }
    anonymous = await graphql(client, REQUEST_SLOT, variables)
    assert anonymous["data"]["requestUploadSlot"]["__typename"] == "AuthenticationRequired"
    phone_only = await sign_in(client, app)
    body = await as_caller(client, phone_only, REQUEST_SLOT, variables)
    assert body["data"]["requestUploadSlot"]["__typename"] == "StepUpRequired"
    confirm = await graphql(client, CONFIRM, {"id": "anything"})
    assert confirm["data"]["confirmUpload"]["__typename"] == "AuthenticationRequired"


async def test_acting_for_an_enterprise_needs_an_item_its_agents_may_apply_for(
    client: httpx.AsyncClient, liu: SignedInCaller
) -> None:
    claimed = await as_caller(client, liu, CLAIM, {"uscc": RAIL.uscc})
    assert claimed["data"]["claimEnterprise"]["__typename"] == "EnterpriseClaimed", claimed
    acting = {"X-Acting-For": RAIL.uscc}
    # an enterprise item: Liu, the rail company's representative, may upload for it
    allowed = await _request(
        client,
        liu,
        item="430200-SCJG-001",
        material="id-card",
        content_type="image/png",
        headers=acting,
    )
    assert allowed["__typename"] == "UploadSlot", allowed
    # a citizen's own item (retirement) no agent may apply for
    refused = await _request(
        client,
        liu,
        item="430200-RS-002",
        material="id-card",
        content_type="image/png",
        headers=acting,
    )
    assert (refused["__typename"], refused["code"]) == ("ActingForbidden", "ACTING_FORBIDDEN")
    # and an enterprise the caller may not act for
    stranger = await _request(client, liu, headers={"X-Acting-For": ENTERPRISES[5].uscc})
    assert stranger["__typename"] == "ActingForbidden", stranger

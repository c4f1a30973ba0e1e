"""The upload service on the real servers: SeaweedFS's POST policy, the server-side check,
encryption at rest, ``verified_uploads`` and ``open_upload``, and the purge.

SeaweedFS enforces the POST policy (measured here): a file over ``content-length-range``
is refused (400 ``EntityTooLarge``), another ``Content-Type`` or another key is refused
(403 ``AccessDenied``), and so is an expired or tampered policy. The server-side check
does not rely on it: files put straight into ``incoming/`` (as an S3 that enforced
nothing would let through) are rejected by ``confirm`` as well.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import pytest
from fastapi import FastAPI

from app.cli import purge_uploads_on
from applications.errors import (
    ContentTypeNotAccepted,
    MaterialUnknown,
    TooManyPendingUploads,
    UploadBytesMismatch,
    UploadContentTypeMismatch,
    UploadMissing,
    UploadNotUsable,
    UploadTooLarge,
)
from applications.services.uploads import UploadService
from applications.uploads_models import UploadSlot, UploadState
from identity.errors import ActingForbidden
from kit.errors import InvalidInput, NotFound
from tests.applications.uploads_factories import (
    ITEM_CODE,
    JPEG,
    MAX_BYTES,
    NOT_A_PDF,
    OFD,
    PDF,
    PNG,
    SCAN,
    SECRET_MARKER,
    Clock,
    add_test_item,
    ofd,
    post_file,
    post_to_slot,
    upload_service,
)
from tests.identity.verification_factories import resources_of
from tests.stored import mongo_contents

ALICE = "account-alice"
BOB = "account-bob"


@pytest.fixture
async def uploads(app: FastAPI) -> UploadService:
    """The upload service over the app's servers, with the test item in the catalogue."""
    await add_test_item(app)
    return upload_service(app)


async def _slot(
    service: UploadService,
    content_type: str = "application/pdf",
    *,
    account: str = ALICE,
    material: str = SCAN,
    size: int = 100,
) -> UploadSlot:
    return await service.request_slot(
        account,
        item_code=ITEM_CODE,
        material_code=material,
        file_name=f"{SECRET_MARKER}.pdf",
        content_type=content_type,
        size=size,
    )


async def _verified(service: UploadService, data: bytes = PDF, *, account: str = ALICE) -> str:
    kind = {PDF: "application/pdf", PNG: "image/png", JPEG: "image/jpeg"}[data]
    slot = await _slot(service, kind, account=account)
    assert (await post_to_slot(slot, data)).status_code == 204
    upload = await service.confirm(account, slot.upload.id)
    assert upload.state is UploadState.VERIFIED
    return upload.id


async def _stored(app: FastAPI, key: str) -> bytes | None:
    head = await resources_of(app).objects.head(key)
    return None if head is None else await resources_of(app).objects.get_bytes(key)


async def test_a_presigned_post_stores_the_file_and_confirm_verifies_and_encrypts_it(
    app: FastAPI, uploads: UploadService
) -> None:
    # given a slot
    slot = await _slot(uploads)
    assert slot.upload.incoming_key.startswith("incoming/")
    assert slot.fields["key"] == slot.upload.incoming_key
    assert slot.fields["Content-Type"] == "application/pdf"
    assert timedelta(minutes=9) < slot.expires_at - slot.upload.created_at <= timedelta(minutes=10)
    # when the file is posted with its fields, as a browser would, and confirmed
    response = await post_to_slot(slot, PDF)
    assert response.status_code == 204, response.text
    assert await _stored(app, slot.upload.incoming_key) == PDF
    upload = await uploads.confirm(ALICE, slot.upload.id)
    # then it is verified, with the stored size and digest
    assert upload.state is UploadState.VERIFIED
    assert (upload.size, upload.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert upload.verified_at is not None
    # and the bytes rest only encrypted under materials/; the incoming object is gone
    assert await _stored(app, slot.upload.incoming_key) is None
    sealed = await _stored(app, upload.material_key)
    assert sealed is not None
    assert upload.material_key.startswith("materials/")
    assert SECRET_MARKER.encode() not in sealed
    assert b"%PDF" not in sealed
    # and officers read the plaintext back
    assert await uploads.open_upload(upload.id) == PDF
    # and confirming again answers the same
    assert await uploads.confirm(ALICE, upload.id) == upload


async def test_nothing_of_the_file_or_its_name_rests_in_clear_in_s3_or_mongodb(
    app: FastAPI, uploads: UploadService
) -> None:
    # given verified uploads of each format, a pending slot and a rejected upload
    ids = [await _verified(uploads, data) for data in (PDF, PNG, JPEG)]
    await _slot(uploads)
    rejected = await _slot(uploads)
    await post_to_slot(rejected, NOT_A_PDF)
    with pytest.raises(UploadBytesMismatch):
        await uploads.confirm(ALICE, rejected.upload.id)
    # then no stored material and no database document holds the file or its name in clear
    for upload_id in ids:
        sealed = await _stored(app, f"materials/{upload_id}")
        assert sealed is not None
        assert SECRET_MARKER.encode() not in sealed
    assert SECRET_MARKER not in await mongo_contents(resources_of(app))
    for upload_id in [*ids, rejected.upload.id]:
        assert await _stored(app, f"incoming/{upload_id}") is None


async def test_the_storage_policy_refuses_a_file_over_the_limit_and_confirm_rejects_the_slot(
    app: FastAPI, uploads: UploadService
) -> None:
    # given a slot declared within the limit
    slot = await _slot(uploads)
    # when a larger file is posted: SeaweedFS enforces content-length-range
    response = await post_to_slot(slot, PDF + b"0" * MAX_BYTES)
    # then the storage refused it, and nothing is there to verify
    assert response.status_code == 400
    assert "EntityTooLarge" in response.text
    with pytest.raises(UploadMissing):
        await uploads.confirm(ALICE, slot.upload.id)
    assert (await uploads.upload_of(ALICE, slot.upload.id)).state is UploadState.REJECTED


async def test_the_storage_policy_refuses_another_content_type_or_another_key(
    app: FastAPI, uploads: UploadService
) -> None:
    # given a slot for a PDF
    slot = await _slot(uploads)
    # when the file is posted as a PNG, or to a key of the client's choosing
    as_png = await post_file(
        slot.url, slot.fields | {"Content-Type": "image/png"}, PNG, "image/png"
    )
    elsewhere = await post_file(
        slot.url, slot.fields | {"key": "materials/forged"}, PDF, "application/pdf"
    )
    # then SeaweedFS refuses both by the policy, and stores nothing
    assert as_png.status_code == 403
    assert "Policy" in as_png.text
    assert elsewhere.status_code == 403
    assert "Policy" in elsewhere.text
    assert await _stored(app, slot.upload.incoming_key) is None
    assert await _stored(app, "materials/forged") is None


async def test_confirm_rejects_a_file_over_the_limit_even_when_the_storage_let_it_in(
    app: FastAPI, uploads: UploadService
) -> None:
    """An S3 that did not enforce the policy: the file is put straight into the slot's key."""
    # given an over-size file stored under the slot's key
    slot = await _slot(uploads)
    objects = resources_of(app).objects
    await objects.put_bytes(slot.upload.incoming_key, PDF + b"0" * MAX_BYTES, "application/pdf")
    # when confirmed
    with pytest.raises(UploadTooLarge):
        await uploads.confirm(ALICE, slot.upload.id)
    # then it is rejected and deleted, and stays rejected
    assert await _stored(app, slot.upload.incoming_key) is None
    with pytest.raises(UploadTooLarge):
        await uploads.confirm(ALICE, slot.upload.id)


async def test_confirm_rejects_a_file_stored_with_another_content_type(
    app: FastAPI, uploads: UploadService
) -> None:
    """An S3 that did not enforce the policy's content type."""
    slot = await _slot(uploads)
    await resources_of(app).objects.put_bytes(slot.upload.incoming_key, PNG, "image/png")
    with pytest.raises(UploadContentTypeMismatch):
        await uploads.confirm(ALICE, slot.upload.id)
    assert await _stored(app, slot.upload.incoming_key) is None


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("application/pdf", NOT_A_PDF),
        ("image/png", JPEG),
        ("image/jpeg", PNG),
        ("application/pdf", b"%PD"),
    ],
)
async def test_bytes_that_are_not_of_the_declared_type_are_rejected_and_deleted(
    app: FastAPI, uploads: UploadService, content_type: str, data: bytes
) -> None:
    # given a file whose bytes are not of its declared type, accepted by the policy
    slot = await _slot(uploads, content_type)
    assert (await post_to_slot(slot, data)).status_code == 204
    # when confirmed
    with pytest.raises(UploadBytesMismatch):
        await uploads.confirm(ALICE, slot.upload.id)
    # then it is rejected, deleted, and cannot be submitted
    assert await _stored(app, slot.upload.incoming_key) is None
    assert (await uploads.upload_of(ALICE, slot.upload.id)).rejection is not None
    with pytest.raises(UploadNotUsable):
        await uploads.verified_uploads(ALICE, [slot.upload.id])


async def test_an_ofd_package_is_verified_and_a_zip_without_ofd_xml_is_not(
    uploads: UploadService,
) -> None:
    good = await _slot(uploads, "application/ofd", material=OFD)
    await post_to_slot(good, ofd())
    assert (await uploads.confirm(ALICE, good.upload.id)).state is UploadState.VERIFIED
    plain_zip = await _slot(uploads, "application/ofd", material=OFD)
    await post_to_slot(plain_zip, ofd(with_root=False))
    with pytest.raises(UploadBytesMismatch):
        await uploads.confirm(ALICE, plain_zip.upload.id)


async def test_a_slot_is_refused_for_an_unknown_item_or_material_type_or_size(
    uploads: UploadService,
) -> None:
    async def ask(**changes: object) -> None:
        arguments: dict[str, object] = {
            "item_code": ITEM_CODE,
            "material_code": SCAN,
            "file_name": "scan.pdf",
            "content_type": "application/pdf",
            "size": 100,
        } | changes
        await uploads.request_slot(ALICE, **arguments)  # type: ignore[arg-type]

    with pytest.raises(MaterialUnknown) as unknown_item:
        await ask(item_code="430200-NOPE-001")
    assert unknown_item.value.field == "itemCode"
    with pytest.raises(MaterialUnknown) as unknown_material:
        await ask(material_code="passport")
    assert unknown_material.value.field == "materialCode"
    with pytest.raises(ContentTypeNotAccepted) as not_accepted:
        await ask(content_type="text/html")
    assert not_accepted.value.accepted == ("application/pdf", "image/png", "image/jpeg")
    with pytest.raises(ContentTypeNotAccepted):
        await ask(content_type="application/ofd")  # accepted by another material only
    with pytest.raises(UploadTooLarge):
        await ask(size=MAX_BYTES + 1)
    for size in (0, -1):
        with pytest.raises(InvalidInput):
            await ask(size=size)
    for name in ("", " ", "a" * 256, "bad\nname.pdf"):
        with pytest.raises(InvalidInput) as bad_name:
            await ask(file_name=name)
        assert bad_name.value.field == "fileName"
    with pytest.raises(ActingForbidden):
        await ask(acting_scopes=frozenset({"profile:read"}))  # the item lets no agent apply


async def test_another_accounts_upload_is_refused_by_confirm_and_verified_uploads(
    uploads: UploadService,
) -> None:
    # given Alice's verified upload and Bob's pending one
    alices = await _verified(uploads)
    bobs = await _slot(uploads, account=BOB)
    await post_to_slot(bobs, PDF)
    # then Bob cannot confirm or use Alice's, nor Alice Bob's
    with pytest.raises(NotFound):
        await uploads.confirm(BOB, alices)
    with pytest.raises(NotFound):
        await uploads.confirm(ALICE, bobs.upload.id)
    with pytest.raises(UploadNotUsable) as refused:
        await uploads.verified_uploads(BOB, [alices])
    assert refused.value.upload_ids == (alices,)
    # and Bob's upload is still his to confirm
    assert (await uploads.confirm(BOB, bobs.upload.id)).state is UploadState.VERIFIED


async def test_verified_uploads_returns_only_verified_own_uploads_and_lists_every_other_id(
    uploads: UploadService,
) -> None:
    # given two verified uploads, a pending one, a rejected one and another account's
    first, second = await _verified(uploads), await _verified(uploads, PNG)
    pending = (await _slot(uploads)).upload.id
    rejected = await _slot(uploads)
    await post_to_slot(rejected, NOT_A_PDF)
    with pytest.raises(UploadBytesMismatch):
        await uploads.confirm(ALICE, rejected.upload.id)
    bobs = await _verified(uploads, account=BOB)
    # when all are asked for
    asked = [first, pending, "no-such-upload", second, rejected.upload.id, bobs]
    with pytest.raises(UploadNotUsable) as refused:
        await uploads.verified_uploads(ALICE, asked)
    # then every unusable id is listed, in order
    assert refused.value.upload_ids == (pending, "no-such-upload", rejected.upload.id, bobs)
    # and the usable ones are returned with what the application needs
    found = await uploads.verified_uploads(ALICE, [first, second])
    assert set(found) == {first, second}
    assert found[second].content_type == "image/png"
    assert found[second].sha256 == hashlib.sha256(PNG).hexdigest()
    assert (found[first].item_code, found[first].material_code) == (ITEM_CODE, SCAN)
    assert await uploads.verified_uploads(ALICE, []) == {}
    # and the lenient form leaves the others out, in one query
    assert set(await uploads.usable_uploads(ALICE, asked)) == {first, second}


async def test_open_upload_refuses_an_upload_that_is_not_verified(uploads: UploadService) -> None:
    slot = await _slot(uploads)
    with pytest.raises(NotFound):
        await uploads.open_upload(slot.upload.id)
    with pytest.raises(NotFound):
        await uploads.open_upload("no-such-upload")


async def test_two_confirmations_at_once_both_answer_verified_and_one_material_remains(
    app: FastAPI, uploads: UploadService
) -> None:
    slot = await _slot(uploads)
    await post_to_slot(slot, PDF)
    first, second = await asyncio.gather(
        uploads.confirm(ALICE, slot.upload.id), uploads.confirm(ALICE, slot.upload.id)
    )
    assert first.state is second.state is UploadState.VERIFIED
    assert await uploads.open_upload(slot.upload.id) == PDF
    assert await _stored(app, slot.upload.incoming_key) is None


async def test_uploads_never_confirmed_are_purged_with_their_objects(app: FastAPI) -> None:
    # given a pending upload with its file posted, a verified one, and a fresh pending one
    await add_test_item(app)
    clock = Clock()
    service = upload_service(app, clock=clock)
    abandoned = await _slot(service)
    await post_to_slot(abandoned, PDF)
    kept = await _verified(service)
    clock.advance(timedelta(hours=23))
    fresh = await _slot(service)
    # when the purge runs a day after the first slot
    clock.advance(timedelta(hours=1, minutes=1))
    purged = await service.purge_abandoned()
    # then only the abandoned upload and its object are gone (and the verified one's
    # expired slot is swept)
    assert purged == 2
    assert await _stored(app, abandoned.upload.incoming_key) is None
    with pytest.raises(NotFound):
        await service.upload_of(ALICE, abandoned.upload.id)
    assert (await service.upload_of(ALICE, fresh.upload.id)).state is UploadState.PENDING
    assert await service.open_upload(kept) == PDF
    assert await service.purge_abandoned() == 0


async def test_an_account_cannot_hold_more_than_its_share_of_pending_slots(app: FastAPI) -> None:
    await add_test_item(app)
    service = upload_service(app, max_pending=2)
    await _slot(service)
    await _slot(service)
    with pytest.raises(TooManyPendingUploads):
        await _slot(service)
    assert (await _slot(service, account=BOB)).upload.account_id == BOB


async def test_the_purge_command_purges_uploads_abandoned_a_day_ago(app: FastAPI) -> None:
    # given a slot handed out two days ago, its file posted, and one handed out now
    await add_test_item(app)
    clock = Clock()
    clock.advance(timedelta(days=-2))
    abandoned = await _slot(upload_service(app, clock=clock))
    await post_to_slot(abandoned, PDF)
    fresh = await _slot(upload_service(app))
    # when the operator's command runs
    status, line = await purge_uploads_on(resources_of(app))
    # then the old one is gone with its object, the fresh one is kept
    assert (status, line) == (0, "purged or swept 1 uploads")
    assert await _stored(app, abandoned.upload.incoming_key) is None
    uploads = upload_service(app)
    with pytest.raises(NotFound):
        await uploads.upload_of(ALICE, abandoned.upload.id)
    assert (await uploads.upload_of(ALICE, fresh.upload.id)).state is UploadState.PENDING


async def test_a_file_posted_again_after_confirmation_is_swept_once_the_slot_expires(
    app: FastAPI,
) -> None:
    # given a verified upload, and the same file posted again to its still valid slot
    await add_test_item(app)
    clock = Clock()
    service = upload_service(app, clock=clock)
    slot = await _slot(service)
    await post_to_slot(slot, PDF)
    await service.confirm(ALICE, slot.upload.id)
    assert (await post_to_slot(slot, PDF)).status_code == 204
    # when the purge runs before and after the slot expired
    assert await service.purge_abandoned() == 0
    clock.advance(timedelta(minutes=12))
    assert await service.purge_abandoned() == 1
    # then the second post is gone, the verified material stays, and nothing is swept twice
    assert await _stored(app, slot.upload.incoming_key) is None
    assert await service.open_upload(slot.upload.id) == PDF
    assert await service.purge_abandoned() == 0

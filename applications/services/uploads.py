"""Material uploads: a presigned POST slot, the server-side check, and encryption at rest.

1. :meth:`UploadService.request_slot` checks the item's material accepts the file (type,
   size) and hands out a presigned POST for a key the server chose under ``incoming/``;
   its policy bounds the content type (exact) and the size (up to the material's limit).
2. The client posts the file straight to the object store.
3. :meth:`UploadService.confirm` checks what was stored (size, content type, magic
   bytes), then encrypts the bytes under ``materials/`` and deletes the incoming object.
   A failing upload is ``REJECTED`` with a typed reason and its object deleted.
4. The applications service takes only ``VERIFIED`` uploads of the applicant's own
   account (:meth:`UploadService.verified_uploads`); officers read the bytes back with
   :meth:`UploadService.open_upload`.

Uploads never confirmed are purged by :meth:`UploadService.purge_abandoned` (objects
and records).
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
import zipfile
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta

from applications.adapters.storage import MaterialStorage
from applications.errors import (
    ApplicationsError,
    ContentTypeNotAccepted,
    MaterialUnknown,
    TooManyPendingUploads,
    UploadBytesMismatch,
    UploadContentTypeMismatch,
    UploadEmpty,
    UploadMissing,
    UploadNotUsable,
    UploadTooLarge,
)
from applications.models import MAX_CODE_LENGTH, Material, ServiceItem
from applications.repositories.uploads import UploadRepository
from applications.services.catalogue import CatalogueService
from applications.uploads_models import (
    ABANDONED_AFTER,
    MAX_FILE_NAME_LENGTH,
    MAX_PENDING_PER_ACCOUNT,
    REJECTED_KEPT_FOR,
    SLOT_TTL,
    Rejection,
    Upload,
    UploadSlot,
    UploadState,
    incoming_key,
)
from identity.errors import ActingForbidden
from infra.crypto import FieldCipher
from kit.errors import InvalidInput, NotFound

logger = logging.getLogger(__name__)

MAX_UPLOAD_IDS = 100
"""More upload ids in one call are refused (an application names a handful)."""


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


def _is_jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff")


def _is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n")


def _is_tiff(data: bytes) -> bool:
    return data.startswith((b"II*\x00", b"MM\x00*"))


def _is_ofd(data: bytes) -> bool:
    """OFD (GB/T 33190) is a zip package whose root holds ``OFD.xml``."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return "OFD.xml" in package.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


MAGIC: dict[str, Callable[[bytes], bool]] = {
    "application/pdf": _is_pdf,
    "image/jpeg": _is_jpeg,
    "image/png": _is_png,
    "image/tiff": _is_tiff,
    "application/ofd": _is_ofd,
}
"""The content types the server can check by their bytes, and how.

A material listing a type missing here cannot be uploaded in it (refused as not
accepted): nothing the server cannot check is ever counted as verified.
"""


def matches_type(content_type: str, data: bytes) -> bool:
    """Whether ``data`` starts as a file of ``content_type`` does (its magic bytes)."""
    check = MAGIC.get(content_type)
    return check is not None and check(data)


def _millis(moment: datetime) -> datetime:
    # MongoDB keeps milliseconds: what we return equals what a later read returns.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _checkable(material: Material) -> tuple[str, ...]:
    return tuple(fmt for fmt in material.formats if fmt in MAGIC)


REJECTION_ERRORS: dict[Rejection, type[ApplicationsError]] = {
    Rejection.MISSING: UploadMissing,
    Rejection.EMPTY: UploadEmpty,
    Rejection.CONTENT_TYPE_MISMATCH: UploadContentTypeMismatch,
    Rejection.BYTES_MISMATCH: UploadBytesMismatch,
}


def rejection_error(upload: Upload, max_bytes: int) -> ApplicationsError:
    """The typed error a rejected upload answers with."""
    if upload.rejection is Rejection.TOO_LARGE:
        return UploadTooLarge(max_bytes, field="uploadId")
    kind = REJECTION_ERRORS.get(upload.rejection or Rejection.MISSING, UploadMissing)
    return kind(field="uploadId")


class UploadService:
    """Hands out upload slots, checks and encrypts what was uploaded, and serves it back."""

    def __init__(
        self,
        repository: UploadRepository,
        storage: MaterialStorage,
        catalogue: CatalogueService,
        cipher: FieldCipher,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        slot_ttl: timedelta = SLOT_TTL,
        abandoned_after: timedelta = ABANDONED_AFTER,
        max_pending: int = MAX_PENDING_PER_ACCOUNT,
    ) -> None:
        self._repository = repository
        self._storage = storage
        self._catalogue = catalogue
        self._cipher = cipher
        self._clock = clock
        self._slot_ttl = slot_ttl
        self._abandoned_after = abandoned_after
        self._max_pending = max_pending

    async def _material(self, item_code: str, material_code: str) -> tuple[ServiceItem, Material]:
        item = await self._catalogue.item(item_code)
        if item is None:
            raise MaterialUnknown(field="itemCode")
        material = next((m for m in item.materials if m.key == material_code), None)
        if material is None:
            raise MaterialUnknown(field="materialCode")
        return item, material

    async def request_slot(
        self,
        account_id: str,
        *,
        item_code: str,
        material_code: str,
        file_name: str,
        content_type: str,
        size: int,
        acting_scopes: Collection[str] | None = None,
    ) -> UploadSlot:
        """A new ``PENDING`` upload owned by ``account_id`` and its presigned POST.

        ``acting_scopes`` are the caller's scopes when acting for an enterprise: the
        item must then let agents apply, with a scope the caller holds, else
        :class:`~identity.errors.ActingForbidden`. The upload is still the caller's
        account's. Raises :class:`MaterialUnknown`, :class:`ContentTypeNotAccepted`,
        :class:`UploadTooLarge`, :class:`TooManyPendingUploads` or
        :class:`~kit.errors.InvalidInput` otherwise.
        """
        name = file_name.strip()
        if not name or len(name) > MAX_FILE_NAME_LENGTH or not name.isprintable():
            raise InvalidInput(field="fileName")
        if len(material_code) > MAX_CODE_LENGTH:
            raise MaterialUnknown(field="materialCode")
        item, material = await self._material(item_code, material_code)
        if acting_scopes is not None and (
            item.agent_scope is None or item.agent_scope not in acting_scopes
        ):
            raise ActingForbidden()
        accepted = _checkable(material)
        if content_type not in accepted:
            raise ContentTypeNotAccepted(accepted)
        if size < 1:
            raise InvalidInput(field="size")
        if size > material.max_bytes:
            raise UploadTooLarge(material.max_bytes)
        if await self._repository.count_pending(account_id) >= self._max_pending:
            raise TooManyPendingUploads()
        now = _millis(self._clock())
        upload = Upload(
            id=f"upl_{uuid.uuid4().hex}",
            account_id=account_id,
            item_code=item.code,
            material_code=material.key,
            file_name=name,
            content_type=content_type,
            size=size,
            state=UploadState.PENDING,
            created_at=now,
            slot_expires_at=now + self._slot_ttl,
        )
        slot = self._storage.post_slot(
            upload.incoming_key,
            content_type=content_type,
            max_bytes=material.max_bytes,
            ttl=self._slot_ttl,
        )
        await self._repository.insert(upload)
        return UploadSlot(
            upload=upload, url=slot.url, fields=slot.fields, expires_at=upload.slot_expires_at
        )

    async def _own(self, account_id: str, upload_id: str) -> Upload:
        """The caller's upload; another account's reads as not found."""
        upload = await self._repository.get(upload_id) if len(upload_id) <= 64 else None
        if upload is None or upload.account_id != account_id:
            raise NotFound(field="uploadId")
        return upload

    async def confirm(self, account_id: str, upload_id: str) -> Upload:
        """Check the posted file; ``VERIFIED`` (encrypted at rest) or a typed rejection.

        Idempotent: a verified upload is returned again, a rejected one answers its
        rejection again. Raises :class:`~kit.errors.NotFound` for an unknown upload or
        another account's, and the rejection's error (its object deleted) otherwise.
        """
        upload = await self._own(account_id, upload_id)
        if upload.state is UploadState.VERIFIED:
            return upload
        _, material = await self._material(upload.item_code, upload.material_code)
        if upload.state is UploadState.PENDING:
            upload = await self._check(upload, material.max_bytes)
        if upload.state is UploadState.REJECTED:
            raise rejection_error(upload, material.max_bytes)
        return upload

    async def _check(self, upload: Upload, max_bytes: int) -> Upload:
        """Verify or reject a pending upload; the state it ends in (another confirmation
        may have decided it first)."""
        stored = await self._storage.stat(upload.incoming_key)
        rejection: Rejection | None = None
        data = b""
        if stored is None:
            rejection = Rejection.MISSING
        elif stored.size == 0:
            rejection = Rejection.EMPTY
        elif stored.size > max_bytes:
            # Never read what is over the limit: the storage may not enforce the policy.
            rejection = Rejection.TOO_LARGE
        elif stored.content_type != upload.content_type:
            rejection = Rejection.CONTENT_TYPE_MISMATCH
        else:
            read = await self._storage.read(upload.incoming_key)
            data = read or b""
            if read is None:  # deleted since: another confirmation got there first
                rejection = Rejection.MISSING
            elif len(data) > max_bytes:
                rejection = Rejection.TOO_LARGE
            elif not matches_type(upload.content_type, data):
                rejection = Rejection.BYTES_MISMATCH
        if rejection is not None:
            return await self._reject(upload, rejection)
        sealed = self._cipher.encrypt_bytes(data, context=material_context(upload))
        await self._storage.write_sealed(upload.material_key, sealed.encode())
        verified = await self._repository.mark_verified(
            upload.id,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            at=_millis(self._clock()),
        )
        await self._storage.delete(upload.incoming_key)
        if verified is None:  # another confirmation decided it meanwhile
            return await self._current(upload.id)
        logger.info("applications.upload.verified upload=%s size=%d", upload.id, len(data))
        return verified

    async def _reject(self, upload: Upload, rejection: Rejection) -> Upload:
        await self._storage.delete(upload.incoming_key)
        rejected = await self._repository.mark_rejected(
            upload.id,
            rejection=rejection,
            forget_at=_millis(self._clock()) + REJECTED_KEPT_FOR,
        )
        if rejected is None:
            return await self._current(upload.id)
        logger.info("applications.upload.rejected upload=%s reason=%s", upload.id, rejection)
        return rejected

    async def _current(self, upload_id: str) -> Upload:
        current = await self._repository.get(upload_id)
        if current is None:  # purged between two steps: nothing of it is left
            raise NotFound(field="uploadId")
        return current

    async def upload_of(self, account_id: str, upload_id: str) -> Upload:
        """One of the caller's uploads (any state); :class:`~kit.errors.NotFound` otherwise."""
        return await self._own(account_id, upload_id)

    async def usable_uploads(self, account_id: str, upload_ids: Sequence[str]) -> dict[str, Upload]:
        """Those of ``upload_ids`` that are ``VERIFIED`` and the account's, by id (one query).

        The others are left out without an error: for a caller that reports each missing
        material itself.
        """
        if len(upload_ids) > MAX_UPLOAD_IDS:
            raise InvalidInput(field="uploadIds")
        found = await self._repository.by_ids(upload_ids) if upload_ids else {}
        return {
            upload_id: upload
            for upload_id, upload in found.items()
            if upload.account_id == account_id and upload.state is UploadState.VERIFIED
        }

    async def verified_uploads(
        self, account_id: str, upload_ids: Sequence[str]
    ) -> dict[str, Upload]:
        """The named uploads by id, each ``VERIFIED`` and owned by ``account_id`` (one query).

        Raises :class:`UploadNotUsable` listing every id that is unknown, another
        account's or not verified (nothing tells those apart to the caller).
        """
        usable = await self.usable_uploads(account_id, upload_ids)
        refused = tuple(dict.fromkeys(i for i in upload_ids if i not in usable))
        if refused:
            raise UploadNotUsable(refused)
        return usable

    async def open_upload(self, upload_id: str) -> bytes:
        """The plaintext bytes of a verified upload, for officers processing its case.

        No access check here: the caller (the case service) has checked the officer's
        right to the case and logged the read in the citizen's access log.
        Raises :class:`~kit.errors.NotFound` unless the upload is verified.
        """
        upload = await self._repository.get(upload_id)
        if upload is None or upload.state is not UploadState.VERIFIED:
            raise NotFound(field="uploadId")
        sealed = await self._storage.read(upload.material_key)
        if sealed is None:
            raise RuntimeError(f"verified upload {upload_id} has no stored material")
        return self._cipher.decrypt_bytes(sealed.decode(), context=material_context(upload))

    async def purge_abandoned(self, *, limit: int = 500) -> int:
        """Delete uploads left ``PENDING`` for :data:`ABANDONED_AFTER`, objects first.

        Also sweeps ``incoming/`` behind decided uploads once their slot has expired: a
        slot stays valid for its whole life, so a client may post again after the
        confirmation, and that file must not rest there in clear. Returns how many
        uploads were purged or swept; run it periodically (``limit`` bounds one run).
        """
        now = self._clock()
        purged = 0
        for upload_id in await self._repository.abandoned(now - self._abandoned_after, limit):
            await self._storage.delete(incoming_key(upload_id))
            if await self._repository.delete_pending(upload_id):
                purged += 1
        # A little margin: a POST that started just before expiry may finish after it.
        swept = await self._repository.unswept(now - timedelta(minutes=1), limit)
        for upload_id in swept:
            await self._storage.delete(incoming_key(upload_id))
        await self._repository.mark_swept(swept)
        if purged or swept:
            logger.info("applications.upload.purged abandoned=%d swept=%d", purged, len(swept))
        return purged + len(swept)


def material_context(upload: Upload) -> str:
    """What a material's ciphertext is bound to: its upload and owner (a copy elsewhere
    does not open)."""
    return f"application-material:{upload.id}:{upload.account_id}"

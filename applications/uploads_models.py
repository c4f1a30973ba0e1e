"""Records of material uploads: a slot the client posts a file to, then the server's check.

An upload is owned by the account that asked for its slot. It goes
``PENDING`` (slot handed out, file perhaps posted) -> ``VERIFIED`` (size and magic bytes
checked, bytes encrypted under ``materials/``) or ``REJECTED`` (with a reason, object
deleted). Uploads left ``PENDING`` are purged after :data:`ABANDONED_AFTER`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

SLOT_TTL = timedelta(minutes=10)
"""How long a presigned POST stays valid."""

ABANDONED_AFTER = timedelta(hours=24)
"""A ``PENDING`` upload this old is purged (its slot expired long before)."""

REJECTED_KEPT_FOR = timedelta(days=7)
"""A ``REJECTED`` upload's record (no bytes) answers confirmations this long, then goes."""

MAX_PENDING_PER_ACCOUNT = 50
"""Slots an account may hold unconfirmed at once (one application asks for a handful)."""

MAX_FILE_NAME_LENGTH = 255
"""Longer file names are refused (no file system keeps longer ones)."""

MATERIAL_KEY_PURPOSE = "application-materials/v1"
"""The derived key (``infra.crypto.derive_key``) that seals materials and their file names."""

INCOMING_PREFIX = "incoming/"
"""Where clients post files; nothing here is trusted or kept."""

MATERIALS_PREFIX = "materials/"
"""Where verified files rest, encrypted."""


class UploadState(StrEnum):
    """Where an upload stands."""

    PENDING = "pending"
    """The slot was handed out; the server has not checked a file yet."""
    VERIFIED = "verified"
    """The file passed the checks and rests encrypted: it may be attached to an application."""
    REJECTED = "rejected"
    """The file failed a check (or never came) and was deleted; see the rejection."""


class Rejection(StrEnum):
    """Why the server-side check refused an upload (the error code it answers with)."""

    MISSING = "UPLOAD_MISSING"
    """Nothing was posted to the slot."""
    EMPTY = "UPLOAD_EMPTY"
    """The posted file has no bytes."""
    TOO_LARGE = "UPLOAD_TOO_LARGE"
    """The posted file is over the material's size limit."""
    CONTENT_TYPE_MISMATCH = "UPLOAD_CONTENT_TYPE_MISMATCH"
    """The file was stored with another content type than the slot's."""
    BYTES_MISMATCH = "UPLOAD_BYTES_MISMATCH"
    """The file's bytes are not of the declared type (magic bytes)."""


@dataclass(frozen=True, slots=True)
class Upload:
    """One uploaded material of one account, for one item's material.

    ``size`` is the declared size until the upload is verified, then the stored size;
    ``sha256`` (of the plaintext) is set once it is verified.
    """

    id: str
    account_id: str
    item_code: str
    material_code: str
    file_name: str
    content_type: str
    size: int
    state: UploadState
    created_at: datetime
    slot_expires_at: datetime
    sha256: str | None = None
    verified_at: datetime | None = None
    rejection: Rejection | None = None

    @property
    def incoming_key(self) -> str:
        """Where the client posts the file."""
        return incoming_key(self.id)

    @property
    def material_key(self) -> str:
        """Where the verified, encrypted file rests."""
        return f"{MATERIALS_PREFIX}{self.id}"


def incoming_key(upload_id: str) -> str:
    """The object key a client posts upload ``upload_id``'s file to."""
    return f"{INCOMING_PREFIX}{upload_id}"


@dataclass(frozen=True, slots=True)
class UploadSlot:
    """A new upload and the presigned POST the client sends its file with.

    The client POSTs ``multipart/form-data`` to ``url`` with every one of ``fields``,
    then the file as the last part, named ``file``.
    """

    upload: Upload
    url: str
    fields: dict[str, str]
    expires_at: datetime

"""GraphQL types of material uploads: the presigned POST slot and the server's check."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from schema.enterprise import ActingForbidden
from schema.payloads import (
    AuthenticationRequired,
    InvalidInput,
    NotFound,
    ServiceUnavailable,
    StepUpRequired,
    UserError,
)


@strawberry.enum(description="Where an uploaded material stands.")
class UploadState(Enum):
    """State of an upload."""

    PENDING = strawberry.enum_value(
        "pending", description="The slot was handed out; post the file, then `confirmUpload`."
    )
    VERIFIED = strawberry.enum_value(
        "verified",
        description="The file passed the server's checks (size, file type by its content) and "
        "rests encrypted: name it in `submitApplication`.",
    )
    REJECTED = strawberry.enum_value(
        "rejected", description="The file failed a check and was deleted: upload it again."
    )


@strawberry.type(description="A material file you uploaded for a service item.")
class Upload:
    """One upload."""

    id: str = strawberry.field(description="Upload id: name it in `submitApplication`.")
    item_code: str = strawberry.field(description="The service item the material is for.")
    material_code: str = strawberry.field(description="The material's key in that item.")
    file_name: str = strawberry.field(description="The file name you gave.")
    content_type: str = strawberry.field(description="The file type declared (a MIME type).")
    size: int = strawberry.field(description="Bytes: as declared until verified, then as stored.")
    state: UploadState = strawberry.field(description="Where the upload stands.")
    sha256: str | None = strawberry.field(
        description="Hex SHA-256 of the file once verified (null before)."
    )
    created_at: datetime = strawberry.field(description="When the slot was asked for (UTC).")
    verified_at: datetime | None = strawberry.field(
        description="When the file passed the checks (UTC), or null."
    )


@strawberry.type(description="One form field of a presigned POST, sent back as it is.")
class PostField:
    """A name and value of the upload form."""

    name: str = strawberry.field(description="Form field name (e.g. `key`, `policy`).")
    value: str = strawberry.field(description="Its value.")


@strawberry.type(
    description="Where to upload the file: POST `multipart/form-data` to `url` with every one of "
    "`fields` (in any order), then the file itself as the last part, named `file`, before "
    "`expiresAt`. The storage refuses another content type or a file over the limit. Then call "
    "`confirmUpload`."
)
class UploadSlot:
    """`requestUploadSlot` succeeded."""

    upload: Upload = strawberry.field(description="The new upload (PENDING).")
    url: str = strawberry.field(description="Where to POST the file.")
    fields: list[PostField] = strawberry.field(description="Form fields to send with it.")
    expires_at: datetime = strawberry.field(description="The slot is refused after this (UTC).")


@strawberry.type(description="The file was checked and is kept encrypted: it may be submitted.")
class UploadVerified:
    """`confirmUpload` succeeded."""

    upload: Upload = strawberry.field(description="The upload (VERIFIED).")


@strawberry.type(
    description="No such service item (`field` `itemCode`), or the item asks for no such "
    "material (`materialCode`)."
)
class MaterialUnknown(UserError):
    """An unknown item or material."""

    codes = ("MATERIAL_UNKNOWN",)


@strawberry.type(
    description="The material is not accepted in this file type (`CONTENT_TYPE_NOT_ACCEPTED`: "
    "see the material's `formats`) or over its size limit (`UPLOAD_TOO_LARGE`: see `maxBytes`)."
)
class MaterialFileRefused(UserError):
    """The file does not fit the material."""

    codes = ("CONTENT_TYPE_NOT_ACCEPTED", "UPLOAD_TOO_LARGE")


@strawberry.type(
    description="The server's check rejected the file, which is deleted; `code` says why: "
    "`UPLOAD_MISSING` (nothing was posted), `UPLOAD_EMPTY`, `UPLOAD_TOO_LARGE`, "
    "`UPLOAD_CONTENT_TYPE_MISMATCH` (posted with another type than declared), "
    "`UPLOAD_BYTES_MISMATCH` (the content is not of the declared type). Ask for a new slot."
)
class UploadRejected(UserError):
    """A rejected upload."""

    codes = (
        "UPLOAD_MISSING",
        "UPLOAD_EMPTY",
        "UPLOAD_TOO_LARGE",
        "UPLOAD_CONTENT_TYPE_MISMATCH",
        "UPLOAD_BYTES_MISMATCH",
    )


@strawberry.type(
    description="Too many of your uploads wait for confirmation: confirm them, or wait a day "
    "for the unconfirmed ones to be purged."
)
class TooManyPendingUploads(UserError):
    """Too many unconfirmed slots."""

    codes = ("TOO_MANY_PENDING_UPLOADS",)


RequestUploadSlotPayload = Annotated[
    UploadSlot
    | MaterialUnknown
    | MaterialFileRefused
    | InvalidInput
    | TooManyPendingUploads
    | ActingForbidden
    | StepUpRequired
    | AuthenticationRequired
    | ServiceUnavailable,
    strawberry.union(
        "RequestUploadSlotPayload",
        description="Result of `requestUploadSlot`: `InvalidInput` names `fileName` (1 to 255 "
        "printable characters) or `size` (at least 1); `ActingForbidden` when acting for an "
        "enterprise on an item its agents may not apply for.",
    ),
]

ConfirmUploadPayload = Annotated[
    UploadVerified
    | UploadRejected
    | MaterialUnknown
    | NotFound
    | StepUpRequired
    | AuthenticationRequired
    | ServiceUnavailable,
    strawberry.union(
        "ConfirmUploadPayload",
        description="Result of `confirmUpload`: `NotFound` for an upload id that is not yours; "
        "`MaterialUnknown` when the item left the catalogue meanwhile.",
    ),
]

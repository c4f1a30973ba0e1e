"""Expected failures of the applications domain, each with a machine-readable code."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from applications.models import MAX_PAGE_SIZE, MAX_SEARCH_LENGTH
from kit.errors import DomainError


class ApplicationsError(DomainError):
    """Base of the applications domain's expected failures."""

    message_zh = "办事服务暂时无法使用"
    message_en = "Online applications are unavailable just now"


class InvalidPageSize(ApplicationsError):
    """The requested page size is outside the allowed range."""

    code = "INVALID_PAGE_SIZE"
    message_zh = f"每页条数须在 1 到 {MAX_PAGE_SIZE} 之间"
    message_en = f"first must be between 1 and {MAX_PAGE_SIZE}"


class SearchTooLong(ApplicationsError):
    """The search text is longer than the catalogue searches."""

    code = "SEARCH_TOO_LONG"
    message_zh = f"搜索内容不能超过 {MAX_SEARCH_LENGTH} 个字符"
    message_en = f"search must be at most {MAX_SEARCH_LENGTH} characters"


class CalendarUnknown(ApplicationsError):
    """The official holiday schedule of that date's year is not known yet."""

    code = "CALENDAR_UNKNOWN"
    code_description = (
        "The official holiday schedule for a date is not known yet, so no deadline is "
        "computed for it (the calendar data must be updated)."
    )
    message_zh: ClassVar[str] = "该日期所在年份的法定节假日安排尚未公布，暂无法计算办理时限"
    message_en: ClassVar[str] = (
        "The official holiday schedule for that year is not known yet; "
        "the deadline cannot be computed"
    )

    def __init__(self, day: date) -> None:
        super().__init__()
        self.day = day
        """The first date the calendar could not say anything about."""


# --- Material uploads (applications/services/uploads.py) ---


class MaterialUnknown(ApplicationsError):
    """No catalogue item has this code, or the item asks for no material of this code."""

    code = "MATERIAL_UNKNOWN"
    code_description = (
        "The item code is not in the catalogue, or the item does not ask for that material "
        "(`field` says which)."
    )
    message_zh = "办事事项或所需材料不存在"
    message_en = "No such service item, or the item does not ask for that material"


class ContentTypeNotAccepted(ApplicationsError):
    """The material is not accepted in this file type."""

    code = "CONTENT_TYPE_NOT_ACCEPTED"
    code_description = (
        "The material does not accept this content type: see the material's `formats`."
    )
    message_zh = "该材料不接受此文件格式"
    message_en = "This material is not accepted in that file format"

    def __init__(self, accepted: tuple[str, ...]) -> None:
        super().__init__(field="contentType")
        self.accepted = accepted
        """The content types the material accepts (and the server can check)."""


class UploadTooLarge(ApplicationsError):
    """The file is larger than the material's size limit."""

    code = "UPLOAD_TOO_LARGE"
    code_description = (
        "The file is over the material's size limit (`maxBytes`): refused when the slot is "
        "asked for, by the storage policy, and by the server-side check."
    )
    message_zh = "文件超过该材料的大小限制"
    message_en = "The file is larger than this material allows"

    def __init__(self, max_bytes: int, *, field: str | None = "size") -> None:
        super().__init__(field=field)
        self.max_bytes = max_bytes


class UploadMissing(ApplicationsError):
    """Nothing was posted to the upload's slot, so it was rejected."""

    code = "UPLOAD_MISSING"
    code_description = "Nothing was posted to the upload slot; the upload is rejected."
    message_zh = "未收到上传的文件，请重新上传"
    message_en = "No file was received for this upload; please upload again"


class UploadEmpty(ApplicationsError):
    """The posted file has no bytes, so the upload was rejected."""

    code = "UPLOAD_EMPTY"
    message_zh = "上传的文件为空"
    message_en = "The uploaded file is empty"


class UploadContentTypeMismatch(ApplicationsError):
    """The file was stored with another content type than the slot's, so it was rejected."""

    code = "UPLOAD_CONTENT_TYPE_MISMATCH"
    message_zh = "上传文件的格式与申请时声明的不一致"
    message_en = "The file was uploaded with another content type than declared"


class UploadBytesMismatch(ApplicationsError):
    """The file's content is not of the declared type (its magic bytes), so it was rejected."""

    code = "UPLOAD_BYTES_MISMATCH"
    code_description = (
        "The file's bytes are not of its declared type (e.g. a `.pdf` that is not a PDF); "
        "the upload is rejected and deleted."
    )
    message_zh = "文件内容与声明的格式不符"
    message_en = "The file's content does not match its declared format"


class UploadNotUsable(ApplicationsError):
    """Some uploads are unknown, another account's, or not verified."""

    code = "UPLOAD_NOT_USABLE"
    code_description = (
        "An upload named is unknown, not yours, or not verified (confirm it first, or "
        "upload again)."
    )
    message_zh = "部分上传材料不可用（不存在、不属于您或尚未通过校验）"
    message_en = "Some uploads cannot be used (unknown, not yours, or not verified)"

    def __init__(self, upload_ids: tuple[str, ...], *, field: str | None = "uploadIds") -> None:
        super().__init__(field=field)
        self.upload_ids = upload_ids
        """The ids that cannot be used, in the order given."""


class TooManyPendingUploads(ApplicationsError):
    """The account holds too many unconfirmed upload slots."""

    code = "TOO_MANY_PENDING_UPLOADS"
    code_description = (
        "Too many upload slots are waiting for confirmation: confirm them (or let them expire) "
        "before asking for more."
    )
    message_zh = "待确认的上传过多，请先确认已上传的材料"
    message_en = "Too many uploads are waiting for confirmation; confirm them first"

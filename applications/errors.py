"""Expected failures of the applications domain, each with a machine-readable code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from applications.models import MAX_PAGE_SIZE, MAX_SEARCH_LENGTH
from kit.errors import DomainError, InvalidInput, NotFound


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


# --- Drafts and submissions ---


@dataclass(frozen=True, slots=True)
class Problem:
    """One failing part of an application: where (a field path or a material key),
    a machine-readable code, and the message in zh and en."""

    path: str
    code: str
    message_zh: str
    message_en: str


class UnknownService(ApplicationsError, NotFound):
    """No catalogue item or bundle has that code."""

    code = "UNKNOWN_SERVICE"
    message_zh = "未找到该办事事项"
    message_en = "No such service item or bundle"


class CaseNotFound(ApplicationsError, NotFound):
    """No such case, draft or sub-case of the caller's (others' are not revealed)."""

    code = "CASE_NOT_FOUND"
    message_zh = "未找到该办件"
    message_en = "No such application"


class FormInvalid(ApplicationsError):
    """The form fails its schema; ``problems`` lists every failing field by path."""

    code = "FORM_INVALID"
    code_description = "The form fails its JSON Schema: `problems` lists every failing field."
    message_zh = "表单填写有误，请按提示修改"
    message_en = "Some fields of the form are wrong; see each problem"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(field="form")
        self.problems = problems


class MaterialsInvalid(ApplicationsError):
    """Materials are missing, unknown or unusable; ``problems`` lists each by its key."""

    code = "MATERIALS_INVALID"
    code_description = (
        "Materials are missing, unknown, or reference an upload or licence that is not "
        "the applicant's (or not verified): `problems` lists each by material key."
    )
    message_zh = "申请材料不齐全或不可用"
    message_en = "Some materials are missing or cannot be used"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(field="materials")
        self.problems = problems


class ClientKeyReused(ApplicationsError):
    """The idempotency key was already used for a different application."""

    code = "CLIENT_KEY_REUSED"
    message_zh = "该提交编号已用于另一份申请"
    message_en = "This client key was already used for a different application"


class AssuranceTooLow(ApplicationsError):
    """The item needs real-person assurance (level 3) in this session."""

    code = "REAL_PERSON_REQUIRED"
    code_description = (
        "The item needs assurance level 3: verify your face in this session "
        "(`startFaceVerification`) and try again."
    )
    message_zh = "该事项需先完成刷脸认证"
    message_en = "This service needs face verification in this session first"


class AgentNotAllowed(ApplicationsError):
    """Enterprise agents may not apply for this item, or lack the item's scope."""

    code = "AGENT_NOT_ALLOWED"
    message_zh = "企业经办人无权办理该事项"
    message_en = "An enterprise agent may not apply for this service, or lacks its scope"


# --- Officers' work on sub-cases ---


class IllegalTransition(ApplicationsError):
    """The action is not allowed from the sub-case's current state (see the table)."""

    code = "ILLEGAL_TRANSITION"
    message_zh = "当前办件状态下不能进行该操作"
    message_en = "This action is not allowed in the current state"


class ConcurrentChange(ApplicationsError):
    """Someone else changed the sub-case first; read it again and decide anew."""

    code = "CONCURRENT_CHANGE"
    message_zh = "办件已被他人处理，请刷新后重试"
    message_en = "Someone else changed this first; reload and try again"


class InvalidReason(ApplicationsError, InvalidInput):
    """A reason is required here, at most 500 characters."""

    code = "INVALID_REASON"
    message_zh = "请填写原因（不超过 500 字）"
    message_en = "Give a reason of at most 500 characters"


class InvalidSupplementRequest(ApplicationsError, InvalidInput):
    """A supplement request must name materials or fields of the sub-case's items."""

    code = "INVALID_SUPPLEMENT_REQUEST"
    message_zh = "补正要求须列明本事项的材料或表单项"
    message_en = "Name materials or fields of this sub-case's items to be supplied"


# --- Ratings and statistics ---


class NotRateable(ApplicationsError):
    """Only a finished case can be rated, once, by its applicant."""

    code = "NOT_RATEABLE"
    message_zh = "办件办结后方可评价，且只能评价一次"
    message_en = "A case can be rated once, after it is finished"


class InvalidRating(ApplicationsError, InvalidInput):
    """A rating is 1 to 5, with a comment of at most 500 characters."""

    code = "INVALID_RATING"
    message_zh = "评价须为 1 到 5 级，留言不超过 500 字"
    message_en = "A rating is 1 to 5, with a comment of at most 500 characters"


class InvalidDateRange(ApplicationsError, InvalidInput):
    """The date range is empty or longer than the statistics serve."""

    code = "INVALID_DATE_RANGE"
    message_zh = "日期范围有误（最长 366 天）"
    message_en = "The date range is wrong (at most 366 days)"


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

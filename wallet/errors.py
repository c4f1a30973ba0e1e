"""The wallet's expected failures, each with its code and a message in Chinese and English."""

from __future__ import annotations

from kit.errors import DomainError, InvalidInput, NotFound


class InvalidLicence(InvalidInput):
    """A licence to issue is wrong (holder, dates or a typed field); ``field`` names it."""

    message_zh = "证照信息有误"
    message_en = "The licence's details are wrong"


class LicenceTypeNotIssued(DomainError):
    """The department does not issue licences of this type."""

    code = "LICENCE_TYPE_NOT_ISSUED"
    message_zh = "该部门不签发此类证照"
    message_en = "This department does not issue licences of this type"


class LicenceAlreadyIssued(DomainError):
    """A licence with the same issuer, type and document number exists already."""

    code = "LICENCE_ALREADY_ISSUED"
    message_zh = "该证照已签发"
    message_en = "This licence has been issued already"


class NoSealForDepartment(DomainError):
    """The issuing department has no seal key configured, so nothing can be sealed."""

    code = "NO_SEAL_FOR_DEPARTMENT"
    message_zh = "该部门未配置电子印章"
    message_en = "The department has no electronic seal"


class LicenceNotFound(NotFound):
    """No such licence."""

    message_zh = "未找到该证照"
    message_en = "No such licence"


class LicenceStatusConflict(DomainError):
    """The licence's status does not allow this change (e.g. reinstating a valid licence)."""

    code = "LICENCE_STATUS_CONFLICT"
    message_zh = "证照当前状态不允许此操作"
    message_en = "The licence's current status does not allow this change"


class LicenceNotValid(DomainError):
    """The licence is expired, suspended or revoked: no show-code or share is made for it."""

    code = "LICENCE_NOT_VALID"
    message_zh = "证照已过期、暂停或撤销，无法出示或分享"
    message_en = "The licence is expired, suspended or revoked: it cannot be shown or shared"


class ShareNotFound(NotFound):
    """No such share of yours (another holder's share reads the same)."""

    message_zh = "未找到该分享"
    message_en = "No such share"

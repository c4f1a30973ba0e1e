"""Expected failures of the identity domain, each with a machine-readable code.

Every failure derives from :class:`IdentityError`, itself a
:class:`kit.errors.DomainError`; failures that are also a generic kind (a wrong
argument, an unknown item, too many attempts) derive from the kernel's class too, so
code that knows only the kernel recognises them. Each code is documented where it is
first declared (``code_description``), in the words the API publishes.

Messages come in Chinese first and English second. They never say more than the
client needs: "code invalid" whether or not the phone has an account.
"""

from __future__ import annotations

from kit.errors import DomainError, InvalidInput, NotFound, register_code
from kit.errors import RateLimited as KitRateLimited

register_code(
    "AUTHENTICATION_REQUIRED",
    "Sign in (or refresh the access token) first.",
)
register_code(
    "STEP_UP_REQUIRED",
    "A higher assurance level is needed; see `requiredLevel`.",
)
register_code(
    "ID_NUMBER_ALREADY_BOUND",
    "No longer returned: a number bound elsewhere gets REAL_NAME_MISMATCH.",
    deprecation="Told strangers which ID numbers are bound; see REAL_NAME_MISMATCH.",
)


class IdentityError(DomainError):
    """Base of the identity domain's expected failures."""

    code = "IDENTITY_ERROR"
    code_description = (
        "The identity operation could not be completed (e.g. the session ended meanwhile)."
    )
    message_zh = "身份认证失败"
    message_en = "Identity check failed"


class InvalidPhone(IdentityError, InvalidInput):
    """Not a valid mainland mobile number."""

    code = "INVALID_PHONE"
    code_description = "Not a valid mainland China mobile number."
    message_zh = "请输入有效的中国大陆手机号码"
    message_en = "Enter a valid mainland China mobile number"


class RateLimited(IdentityError, KitRateLimited):
    """Too many attempts; ``retry_after`` says when to try again (seconds)."""

    code = "RATE_LIMITED"
    message_zh = "操作过于频繁，请稍后再试"
    message_en = "Too many attempts, please try again later"


class InvalidCode(IdentityError):
    """The one-time code is wrong, expired, used, or voided by too many tries."""

    code = "INVALID_CODE"
    code_description = "The one-time code is wrong, expired or used up."
    message_zh = "验证码无效或已过期"
    message_en = "The code is invalid or has expired"


class InvalidRefreshToken(IdentityError):
    """The refresh token is unknown, expired, revoked or was already used."""

    code = "INVALID_REFRESH_TOKEN"
    code_description = "Sign in again: the refresh token is not valid."
    message_zh = "登录已失效，请重新登录"
    message_en = "Your sign-in has expired, please sign in again"


class SessionNotFound(IdentityError, NotFound):
    """No session of the caller's has this id."""

    code = "NOT_FOUND"
    message_zh = "未找到该登录设备"
    message_en = "No such session"


class InvalidDevice(IdentityError, InvalidInput):
    """The device description is empty or too long."""

    code = "INVALID_INPUT"
    message_zh = "设备名称应为 1 至 64 个字符"
    message_en = "The device name must be 1 to 64 characters"


# --- Real-name verification (实名认证) ---


class InvalidName(IdentityError, InvalidInput):
    """The name is empty or too long to be a registered name."""

    code = "INVALID_INPUT"
    message_zh = "请输入身份证上的姓名"
    message_en = "Enter your name as it appears on your ID card"


class InvalidIdNumber(IdentityError, InvalidInput):
    """Not a well-formed resident ID number (length, area, birth date or check digit)."""

    code = "INVALID_ID_NUMBER"
    code_description = "Not a valid resident ID number (length, area, birth date or check digit)."
    message_zh = "请输入有效的 18 位居民身份证号码"
    message_en = "Enter a valid 18-character resident ID number"


class RealNameMismatch(IdentityError):
    """The identity could not be confirmed, for whatever reason.

    One answer whether the register has no such number, names someone else, the
    carrier's record of the phone names someone else, the number is bound to another
    account or has been tried too often today: answers never reveal which name and ID
    pairs are real or bound. The precise reason goes to the identity audit log only.
    """

    code = "REAL_NAME_MISMATCH"
    code_description = (
        "This identity could not be confirmed (whatever the reason: unknown, another name, "
        "not the carrier's record of this phone, bound elsewhere, too many tries). Check the "
        "input or verify by face."
    )
    message_zh = "无法核验该身份信息：请核对姓名和身份证号码，或改用刷脸认证"
    message_en = (
        "This identity could not be confirmed: check the name and ID number, or verify by face"
    )


class GuardianRequired(IdentityError):
    """The ID number is a child's (under 14): only a guardian may act for them (PIPL)."""

    code = "GUARDIAN_REQUIRED"
    code_description = "The ID number is a child's (under 14): a guardian must act for them."
    message_zh = "未满十四周岁的未成年人不能自行实名认证，请由监护人代为办理"
    message_en = "Children under 14 cannot verify themselves; a guardian must act for them"


class RealNameAlreadyVerified(IdentityError):
    """The account is already verified with another identity, which cannot change."""

    code = "REAL_NAME_ALREADY_VERIFIED"
    code_description = "This account is already verified with another identity."
    message_zh = "本账号已完成实名认证，不能更换为其他身份"
    message_en = "This account is already verified with another identity"


# --- Real-person verification (实人认证, liveness) ---


class InvalidLivenessTicket(IdentityError):
    """The ticket is unknown, expired, already used or not the caller's."""

    code = "INVALID_LIVENESS_TICKET"
    code_description = "The liveness ticket is unknown, expired or used: start a new check."
    message_zh = "本次刷脸认证已失效，请重新开始"
    message_en = "This liveness check is no longer valid, please start a new one"


class InvalidLivenessResult(IdentityError):
    """The provider's result is malformed, not signed by the provider or for another ticket."""

    code = "INVALID_LIVENESS_RESULT"
    code_description = "The liveness result is not the provider's signed result for this ticket."
    message_zh = "刷脸认证结果无效，请重新开始"
    message_en = "The liveness result is not valid, please start a new check"


class LivenessFailed(IdentityError):
    """The provider checked the person and the check did not pass."""

    code = "LIVENESS_FAILED"
    code_description = "The liveness check did not pass: start a new one."
    message_zh = "刷脸认证未通过，请重试"
    message_en = "The liveness check did not pass, please try again"


# --- Enterprises, legal representatives and agents ---


class InvalidUscc(IdentityError, InvalidInput):
    """Not a well-formed unified social credit code (length, characters or check character)."""

    code = "INVALID_USCC"
    code_description = (
        "Not a valid unified social credit code (length, characters or check character)."
    )
    message_zh = "请输入有效的 18 位统一社会信用代码"
    message_en = "Enter a valid 18-character unified social credit code"


class EnterpriseNotRegistered(IdentityError):
    """The register of legal entities has no enterprise with this code."""

    code = "ENTERPRISE_NOT_REGISTERED"
    code_description = "The register of legal entities has no enterprise with this code."
    message_zh = "未在市场主体登记信息中查到该企业"
    message_en = "No registered enterprise has this code"


class EnterpriseNotActive(IdentityError):
    """The enterprise is deregistered or its business licence was revoked."""

    code = "ENTERPRISE_NOT_ACTIVE"
    code_description = "The enterprise is deregistered or its business licence was revoked."
    message_zh = "该企业已注销或被吊销营业执照，不能办理此业务"
    message_en = "The enterprise is deregistered or its business licence was revoked"


class NotLegalRepresentative(IdentityError):
    """The caller is not the legal representative the register names for the enterprise."""

    code = "NOT_LEGAL_REPRESENTATIVE"
    code_description = "The register names someone else as the enterprise's legal representative."
    message_zh = "您不是该企业登记的法定代表人"
    message_en = "You are not the registered legal representative of this enterprise"


class InvalidScopes(IdentityError, InvalidInput):
    """No scope, or a scope an agent cannot be granted."""

    code = "INVALID_INPUT"
    message_zh = "请从可授权的权限中选择：profile:read、wallet:read、applications:submit"
    message_en = "Choose grantable scopes: profile:read, wallet:read, applications:submit"


class InvalidGrantExpiry(IdentityError, InvalidInput):
    """The expiry is not in the future, more than a year away, or has no time zone."""

    code = "INVALID_INPUT"
    message_zh = "授权到期时间须晚于当前时间，且不超过一年（需带时区）"
    message_en = "The expiry must be in the future, within one year, and carry a time zone"


class AgentIsRepresentative(IdentityError, InvalidInput):
    """The representative named themselves as agent (they already hold every scope)."""

    code = "INVALID_INPUT"
    message_zh = "法定代表人无需授权给自己"
    message_en = "The legal representative cannot be their own agent"


class AgentNotEligible(IdentityError):
    """No account has this phone, or its holder has not verified their real name.

    One error for both, so that a grant attempt does not say which phones have accounts.
    """

    code = "AGENT_NOT_ELIGIBLE"
    code_description = "No real-name verified account has the agent's phone number."
    message_zh = "该手机号未注册或未完成实名认证，请对方先完成实名认证"
    message_en = "This phone has no real-name verified account; ask the agent to verify first"


class GrantNotFound(IdentityError, NotFound):
    """No unrevoked grant of an enterprise the caller represents has this id."""

    code = "NOT_FOUND"
    message_zh = "未找到该授权"
    message_en = "No such agent grant"


class ActingForbidden(IdentityError):
    """The request may not act for the enterprise it names, or not in this way."""

    code = "ACTING_FORBIDDEN"
    code_description = (
        "The request does not act for an enterprise with the scope needed "
        "(`X-Acting-For` missing, or no live grant with that scope)."
    )
    message_zh = "您无权以该企业身份办理此业务"
    message_en = "You may not do this on behalf of this enterprise"


# --- Mini-program sign-in ---


class InvalidMiniProgramCode(IdentityError, InvalidInput):
    """The platform did not accept the login code (wrong, expired or already used)."""

    code = "INVALID_MINI_PROGRAM_CODE"
    code_description = "The mini-program login code was refused; get a new one from the platform."
    message_zh = "小程序登录凭证无效或已过期，请重新进入小程序"
    message_en = "The mini-program login code is invalid or expired; reopen the mini-program"


class InvalidLinkTicket(IdentityError, InvalidInput):
    """The link ticket is unknown, expired or already used."""

    code = "INVALID_INPUT"
    message_zh = "绑定凭证无效或已过期，请重新从小程序登录"
    message_en = "The link ticket is invalid or expired; sign in from the mini-program again"


# --- Officers and administrators ---


class NotAnOfficer(IdentityError):
    """The caller holds no live officer grant in the department."""

    code = "NOT_AN_OFFICER"
    code_description = "The caller is not an officer of the department (or the grant ended)."
    message_zh = "您不是该部门的工作人员，或授权已失效"
    message_en = "You are not an officer of this department, or your grant has ended"


class RoleRequired(IdentityError):
    """The caller holds a grant, but not with the role the operation needs."""

    code = "ROLE_REQUIRED"
    code_description = "The operation needs a role the caller does not hold; see `requiredRole`."
    message_zh = "您没有办理此业务所需的角色"
    message_en = "You do not hold the role this operation needs"


class UnknownDepartment(IdentityError, InvalidInput):
    """The department code is not in the directory."""

    code = "UNKNOWN_DEPARTMENT"
    code_description = "No department in the directory has this code."
    message_zh = "部门代码不存在"
    message_en = "No department has this code"


class OfficerNotEligible(IdentityError):
    """No account has this phone, or its holder has not verified their real name.

    One error for both, so that a grant does not say which phones have accounts.
    """

    code = "OFFICER_NOT_ELIGIBLE"
    code_description = "No real-name verified account has this phone number."
    message_zh = "该手机号未注册或未完成实名认证，请对方先登录并完成实名认证"
    message_en = "This phone has no real-name verified account; ask them to sign in and verify"


class InvalidRoleGrant(IdentityError, InvalidInput):
    """A role or an expiry that cannot be granted this way."""

    code = "INVALID_INPUT"
    message_zh = "角色须为 CLERK 或 HEAD；到期时间须晚于当前时间且不超过一年（需带时区）"
    message_en = (
        "The role must be CLERK or HEAD; the expiry in the future, within a year, with a zone"
    )


class RoleGrantNotFound(IdentityError, NotFound):
    """No unrevoked role grant has this id."""

    code = "NOT_FOUND"
    message_zh = "未找到该角色授权"
    message_en = "No such role grant"

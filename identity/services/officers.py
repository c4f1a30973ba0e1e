"""Officers and administrators: role grants to real-name accounts, checked on every call.

An officer is a real-name account holding a live grant of ``CLERK`` or ``HEAD`` in a
department of the directory; an administrator holds the city-wide ``ADMINISTRATOR``
role. Grants are never cached in tokens or sessions: :meth:`OfficerService.require_role`
reads them afresh, so a revoked or expired grant stops working at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from identity.adapters.departments import DepartmentDirectory
from identity.errors import (
    InvalidPhone,
    InvalidRoleGrant,
    NotAnOfficer,
    OfficerNotEligible,
    RoleGrantNotFound,
    RoleRequired,
    UnknownDepartment,
)
from identity.masking import mask_phone
from identity.models import (
    DEPARTMENT_ROLES,
    AssuranceLevel,
    OfficerRole,
    Principal,
    RoleGrant,
    new_id,
    to_millis,
)
from identity.phone import normalize_mobile
from identity.repositories.accounts import AccountRepository
from identity.repositories.role_grants import RoleGrantRepository
from kit.paging import Page

logger = logging.getLogger("identity")

OPERATOR_CLI = "operator-cli"
"""The actor recorded for grants the operator makes with ``python -m app grant-administrator``."""
MAX_ROLES_LISTED = 50
MAX_PAGE_SIZE = 50
MAX_REASON_LENGTH = 500
MAX_CODE_LENGTH = 64


def _one_year_after(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)


def _expiry(expires_at: datetime | None, now: datetime) -> datetime | None:
    """``None`` (until revoked) or an aware moment within a year from now."""
    if expires_at is None:
        return None
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise InvalidRoleGrant(field="expiresAt")
    expiry = to_millis(expires_at.astimezone(UTC))
    if not now < expiry <= _one_year_after(now):
        raise InvalidRoleGrant(field="expiresAt")
    return expiry


class OfficerService:
    """Grants, revocations and the role checks other domains make."""

    def __init__(
        self,
        grants: RoleGrantRepository,
        accounts: AccountRepository,
        departments: DepartmentDirectory,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._grants = grants
        self._accounts = accounts
        self._departments = departments
        self._clock = clock

    # --- checks other domains call ---

    async def roles_of(self, principal: Principal) -> list[RoleGrant]:
        """The caller's live grants now (none below real-name level)."""
        if principal.level < AssuranceLevel.REAL_NAME:
            return []
        return await self._grants.live_of_account(
            principal.account_id, self._clock(), limit=MAX_ROLES_LISTED
        )

    async def holds_role(self, principal: Principal, role: OfficerRole) -> bool:
        """Whether the caller holds a live grant of ``role`` now, in any department."""
        return any(g.role is role for g in await self.roles_of(principal))

    async def require_role(
        self,
        principal: Principal,
        department_code: str | None,
        roles: Collection[OfficerRole],
    ) -> RoleGrant:
        """The caller's live grant of one of ``roles`` in ``department_code``, read now.

        ``department_code`` is ``None`` for the city-wide ``ADMINISTRATOR`` role. Raises
        :class:`NotAnOfficer` when the caller holds no live grant in that department
        (or is below real-name level), :class:`RoleRequired` when it holds one with
        another role. A revoked or expired grant fails at once.
        """
        held = [g for g in await self.roles_of(principal) if g.department_code == department_code]
        if not held:
            if department_code is None:
                raise RoleRequired
            raise NotAnOfficer
        for grant in held:
            if grant.role in roles:
                return grant
        raise RoleRequired

    async def require_administrator(self, principal: Principal) -> RoleGrant:
        """The caller's live ``ADMINISTRATOR`` grant; :class:`RoleRequired` otherwise."""
        return await self.require_role(principal, None, {OfficerRole.ADMINISTRATOR})

    # --- administration ---

    async def grant_officer_role(
        self,
        principal: Principal,
        raw_phone: str,
        department_code: str,
        role: OfficerRole,
        expires_at: datetime | None,
    ) -> RoleGrant:
        """As an administrator, make a real-name account an officer of a department.

        A new grant of the same role in the same department replaces the previous one.
        """
        await self.require_administrator(principal)
        if role not in DEPARTMENT_ROLES:
            raise InvalidRoleGrant(field="role")
        now = to_millis(self._clock())
        expiry = _expiry(expires_at, now)
        code = department_code.strip()
        if not code or len(code) > MAX_CODE_LENGTH or not await self._departments.exists(code):
            raise UnknownDepartment(field="departmentCode")
        return await self._grant(principal.account_id, raw_phone, code, role, expiry, now)

    async def revoke_role(self, principal: Principal, grant_id: str, reason: str) -> RoleGrant:
        """As an administrator, end a grant at once, with a reason (audit-logged)."""
        await self.require_administrator(principal)
        why = reason.strip()
        if not why or len(why) > MAX_REASON_LENGTH:
            raise InvalidRoleGrant(field="reason")
        if not grant_id.startswith("rgr_") or len(grant_id) > MAX_CODE_LENGTH:
            raise RoleGrantNotFound(field="grantId")
        revoked = await self._grants.revoke(
            grant_id, by=principal.account_id, reason=why, now=to_millis(self._clock())
        )
        if revoked is None:
            raise RoleGrantNotFound(field="grantId")
        logger.info("identity.role.revoked grant=%s by=%s", grant_id, principal.account_id)
        return revoked

    async def grants(
        self,
        principal: Principal,
        department_code: str | None,
        first: int,
        after: tuple[datetime, str] | None,
    ) -> Page[RoleGrant]:
        """As an administrator, one page of live grants (of a department, or all), newest first."""
        await self.require_administrator(principal)
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise InvalidRoleGrant(field="first")
        rows = await self._grants.live_page(
            department_code, self._clock(), after=after, limit=first + 1
        )
        return Page.of(rows, first)

    async def grant_as_operator(
        self,
        raw_phone: str,
        role: OfficerRole,
        department_code: str | None = None,
        *,
        actor: str = OPERATOR_CLI,
    ) -> RoleGrant:
        """The operator's grant (no expiry), outside any signed-in administrator's session.

        For the first administrator of a deployment (``python -m app grant-administrator``)
        and the demo's staff. ``ADMINISTRATOR`` takes no department, the other roles one
        of the directory's. Refused with :class:`OfficerNotEligible` unless the account
        exists and is real-name verified. A live grant of the same role in the same
        department is returned as it is (running it again changes nothing).
        """
        if (role is OfficerRole.ADMINISTRATOR) != (department_code is None):
            raise InvalidRoleGrant(field="departmentCode")
        if department_code is not None and not await self._departments.exists(department_code):
            raise UnknownDepartment(field="departmentCode")
        now = to_millis(self._clock())
        return await self._grant(actor, raw_phone, department_code, role, None, now, keep=True)

    async def _grant(
        self,
        actor: str,
        raw_phone: str,
        department_code: str | None,
        role: OfficerRole,
        expiry: datetime | None,
        now: datetime,
        *,
        keep: bool = False,
    ) -> RoleGrant:
        try:
            phone = normalize_mobile(raw_phone)
        except InvalidPhone:
            raise InvalidPhone(field="phone") from None
        account_id = await self._accounts.verified_account_id_by_phone(phone)
        if account_id is None:
            raise OfficerNotEligible(field="phone")
        if keep:
            held = await self._grants.live_of_account(account_id, now, limit=MAX_ROLES_LISTED)
            for same in held:
                if same.role is role and same.department_code == department_code:
                    return same
        grant = RoleGrant(
            id=new_id("rgr"),
            account_id=account_id,
            phone_masked=mask_phone(phone),
            department_code=department_code,
            role=role,
            expires_at=expiry,
            granted_by=actor,
            granted_at=now,
        )
        await self._grants.add(grant)
        logger.info(
            "identity.role.granted grant=%s account=%s department=%s role=%s by=%s",
            grant.id,
            account_id,
            department_code,
            role.value,
            actor,
        )
        return grant

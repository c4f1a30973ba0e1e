"""Records of the identity domain, and the pure helpers that read them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum

from kit.text import Localized

# How long a passed liveness check counts as "recently verified" (level 3), for the
# session that passed it and no other.
REAL_PERSON_WINDOW = timedelta(minutes=15)


class AssuranceLevel(IntEnum):
    """How sure we are who the caller is (the ``acr`` claim)."""

    PHONE = 1
    """Signed in with a one-time code sent to a mainland mobile number."""
    REAL_NAME = 2
    """The account holds a verified identity (实名), bound by possession: the mobile
    carrier's real-name record of its phone, or a face check against the register photo."""
    REAL_PERSON = 3
    """This session passed a liveness check within the last 15 minutes (实人)."""


class Gender(StrEnum):
    """Gender as recorded in the population register."""

    MALE = "male"
    FEMALE = "female"


class DevicePlatform(StrEnum):
    """Where the client runs."""

    IOS = "ios"
    ANDROID = "android"
    HARMONY = "harmony"
    WECHAT_MINI_PROGRAM = "wechat_mini_program"
    ALIPAY_MINI_PROGRAM = "alipay_mini_program"
    KIOSK = "kiosk"
    WEB = "web"


class MiniProgramPlatform(StrEnum):
    """The super-app platforms our mini-programs run in."""

    WECHAT = "wechat"
    ALIPAY = "alipay"


def new_id(prefix: str) -> str:
    """A random, unguessable identifier such as ``acc_3f2a…``."""
    return f"{prefix}_{uuid.uuid4().hex}"


def to_millis(moment: datetime) -> datetime:
    """``moment`` at millisecond precision: MongoDB keeps milliseconds, so an answer
    given with this value is what a later read will give."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(frozen=True, slots=True)
class Device:
    """The device a session was opened on, as the client describes it."""

    name: str
    platform: DevicePlatform


def birth_date_of(id_number: str) -> date:
    """The birth date a resident ID number encodes (digits 7–14)."""
    digits = id_number[6:14]
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def gender_of(id_number: str) -> Gender:
    """The gender a resident ID number encodes (digit 17: odd for male)."""
    return Gender.MALE if int(id_number[16]) % 2 == 1 else Gender.FEMALE


@dataclass(frozen=True, slots=True)
class RealName:
    """Verified identity attributes bound to an account (ID number kept encrypted)."""

    name: str
    id_number: str
    birth_date: date
    gender: Gender
    verified_at: datetime


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    """A name and ID number someone says are theirs, normalised, not yet confirmed."""

    name: str
    id_number: str

    @property
    def birth_date(self) -> date:
        """The birth date the ID number encodes."""
        return birth_date_of(self.id_number)


@dataclass(frozen=True, slots=True)
class Account:
    """A citizen's account; the phone number is its sign-in name."""

    id: str
    phone: str
    created_at: datetime
    real_name: RealName | None = None

    @property
    def base_level(self) -> AssuranceLevel:
        """The level any session of this account holds without a recent face check."""
        return AssuranceLevel.PHONE if self.real_name is None else AssuranceLevel.REAL_NAME


@dataclass(frozen=True, slots=True)
class Session:
    """One signed-in device: a family of rotating refresh tokens."""

    id: str
    account_id: str
    device: Device
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ip_masked: str
    ip_region: Localized
    methods: tuple[str, ...]
    revoked_at: datetime | None = None
    revoke_reason: str | None = None
    real_person_at: datetime | None = None
    """When this session last passed a liveness check (level 3 for a while after)."""

    @property
    def active(self) -> bool:
        """Not revoked (expiry is checked against the clock by the service)."""
        return self.revoked_at is None

    def real_person_until(self) -> datetime | None:
        """When this session's level 3 lapses; ``None`` when it never passed a check."""
        return None if self.real_person_at is None else self.real_person_at + REAL_PERSON_WINDOW


def session_level(account: Account, session: Session, now: datetime) -> AssuranceLevel:
    """The level a session holds at ``now``: assurance belongs to the session.

    A verified identity is the account's (level 2 on every one of its sessions), but a
    face check raises only the session that passed it, and only for a while.
    """
    until = session.real_person_until()
    if account.real_name is not None and until is not None and now < until:
        return AssuranceLevel.REAL_PERSON
    return account.base_level


@dataclass(frozen=True, slots=True)
class ActingFor:
    """The enterprise a request acts for, and what the caller may do for it."""

    uscc: str
    scopes: frozenset[str]
    as_legal_representative: bool


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the account, its session and its current assurance level."""

    account_id: str
    session_id: str
    level: AssuranceLevel
    methods: tuple[str, ...] = ()
    acting_for: ActingFor | None = None


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """What a sign-in or refresh hands to the client."""

    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    session_id: str


class AgentScope(StrEnum):
    """What a caller may do for an enterprise it acts for."""

    PROFILE_READ = "profile:read"
    """Read the enterprise's registered profile."""
    WALLET_READ = "wallet:read"
    """Read the enterprise's licence wallet."""
    APPLICATIONS_SUBMIT = "applications:submit"
    """File applications in the enterprise's name."""
    AGENTS_MANAGE = "agents:manage"
    """Grant and revoke agents (the legal representative only, never granted)."""


GRANTABLE_SCOPES = frozenset(
    {AgentScope.PROFILE_READ, AgentScope.WALLET_READ, AgentScope.APPLICATIONS_SUBMIT}
)
"""Scopes a legal representative may grant to an agent."""

REPRESENTATIVE_SCOPES = frozenset(AgentScope)
"""The legal representative holds every scope."""


@dataclass(frozen=True, slots=True)
class Enterprise:
    """An enterprise claimed in the app by its legal representative's account.

    ``representative_id_hash`` is the keyed hash of the representative's ID number as
    the register named it at the claim: the claim holds only while the register still
    names the same person.
    """

    uscc: str
    name: Localized
    representative_account_id: str
    representative_id_hash: str
    claimed_at: datetime


@dataclass(frozen=True, slots=True)
class AgentGrant:
    """Agent rights a legal representative gave a real-name citizen, until expiry or revocation."""

    id: str
    uscc: str
    agent_account_id: str
    agent_phone_masked: str
    scopes: frozenset[str]
    expires_at: datetime
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ActingOption:
    """An enterprise the caller may act for, as ``me.actingAs`` lists it."""

    acting_for: ActingFor
    name: Localized
    expires_at: datetime | None
    """When the agent grant ends; ``None`` for the legal representative."""


class LivenessPurpose(StrEnum):
    """What a liveness check was started for."""

    STEP_UP = "step_up"
    """Raise the session of an account with a verified identity to level 3."""
    BIND = "bind"
    """Bind the claimed identity to the account by a face check."""


@dataclass(frozen=True, slots=True)
class StartedCheck:
    """Who started a liveness check (its ticket), from which session, and for what.

    ``claim`` is the identity a binding check is about (``None`` for a step-up).
    """

    account_id: str
    session_id: str
    purpose: LivenessPurpose
    claim: IdentityClaim | None = None


class OfficerRole(StrEnum):
    """A role an account holds by a grant: an officer's in a department, or the city's."""

    CLERK = "clerk"
    """Handles the department's cases (科员)."""
    HEAD = "head"
    """Heads the department: handles and supervises its cases (负责人)."""
    ADMINISTRATOR = "administrator"
    """Grants and revokes roles, city-wide (no department)."""


DEPARTMENT_ROLES = frozenset({OfficerRole.CLERK, OfficerRole.HEAD})
"""Roles held in a department (the administrator's is city-wide)."""


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """A role granted to a real-name account: live until it expires or is revoked.

    ``department_code`` is ``None`` for the city-wide administrator role;
    ``expires_at`` ``None`` means until revoked. ``granted_by`` is the granting
    administrator's account id, or ``operator-cli`` for the operator's command.
    """

    id: str
    account_id: str
    phone_masked: str
    department_code: str | None
    role: OfficerRole
    expires_at: datetime | None
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None

    def live(self, now: datetime) -> bool:
        """Unrevoked and unexpired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

"""GraphQL types of officers' and administrators' role grants."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from schema.common import Connection
from schema.directory import Department
from schema.payloads import (
    AuthenticationRequired,
    InvalidInput,
    NotFound,
    StepUpRequired,
    UserError,
)


@strawberry.enum(description="A role held by a grant: a department's officer, or the city's.")
class OfficerRole(Enum):
    """Roles of role grants."""

    CLERK = strawberry.enum_value("clerk", description="Handles the department's cases (科员).")
    HEAD = strawberry.enum_value(
        "head", description="Heads the department: handles and supervises its cases (负责人)."
    )
    ADMINISTRATOR = strawberry.enum_value(
        "administrator",
        description="Grants and revokes roles, city-wide, in no department (管理员).",
    )


@strawberry.type(
    description="The operation needs a role the caller does not hold live now "
    "(`ROLE_REQUIRED`), or the caller is no officer of the department (`NOT_AN_OFFICER`)."
)
class RoleRequired(UserError):
    """Refused for want of a role."""

    codes = ("ROLE_REQUIRED", "NOT_AN_OFFICER")

    required_role: OfficerRole | None = strawberry.field(
        default=None, description="The role needed, where one role is."
    )


@strawberry.type(description="No real-name verified account has this phone number.")
class OfficerNotEligible(UserError):
    """The same answer whether the phone has no account or is not verified."""

    codes = ("OFFICER_NOT_ELIGIBLE",)


@strawberry.type(description="No department in the directory has this code.")
class UnknownDepartment(UserError):
    """Unknown department code."""

    codes = ("UNKNOWN_DEPARTMENT",)


@strawberry.type(
    description="A role granted to a real-name account, live until expiry or revocation."
)
class OfficerGrant:
    """One role grant."""

    id: str = strawberry.field(description="Grant id (for `revokeOfficerRole`).")
    department: Department | None = strawberry.field(
        description="The department the role is held in; null for `ADMINISTRATOR`."
    )
    role: OfficerRole = strawberry.field(description="The role granted.")
    phone_masked: str = strawberry.field(description="The holder's phone, partly hidden.")
    expires_at: datetime | None = strawberry.field(
        description="When the role ends (UTC); null: until revoked."
    )
    granted_at: datetime = strawberry.field(description="When it was granted.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked, if so.")
    revoke_reason: str | None = strawberry.field(description="Why it was revoked, if so.")


@strawberry.type(description="The account now holds the role; an earlier same grant is replaced.")
class OfficerRoleGranted:
    """Grant succeeded (audit-logged)."""

    grant: OfficerGrant = strawberry.field(description="The new grant.")


@strawberry.type(description="The grant is revoked: the role stops working at once.")
class OfficerRoleRevoked:
    """Revocation succeeded (audit-logged)."""

    grant: OfficerGrant = strawberry.field(description="The revoked grant.")


GrantOfficerRolePayload = Annotated[
    OfficerRoleGranted
    | OfficerNotEligible
    | UnknownDepartment
    | RoleRequired
    | StepUpRequired
    | AuthenticationRequired
    | InvalidInput,
    strawberry.union("GrantOfficerRolePayload", description="Result of `grantOfficerRole`."),
]

RevokeOfficerRolePayload = Annotated[
    OfficerRoleRevoked
    | NotFound
    | RoleRequired
    | StepUpRequired
    | AuthenticationRequired
    | InvalidInput,
    strawberry.union("RevokeOfficerRolePayload", description="Result of `revokeOfficerRole`."),
]

OfficerGrantsPayload = Annotated[
    Connection[OfficerGrant]
    | RoleRequired
    | StepUpRequired
    | AuthenticationRequired
    | InvalidInput,
    strawberry.union("OfficerGrantsPayload", description="Result of `officerGrants`."),
]

"""Officers' and administrators' role grants: grant, revoke, list (administrators only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry

from identity.models import OfficerRole as DomainRole
from identity.models import RoleGrant
from identity.services.officers import MAX_PAGE_SIZE, OfficerService
from resolvers.context import Info
from resolvers.directory import DEPARTMENT_BY_CODE, department_type
from resolvers.errors import ExpectedErrors
from resolvers.permissions import RequireRole
from schema.common import (
    Edge,
    connection,
    decode_time_cursor,
    encode_time_cursor,
)
from schema.officers import (
    GrantOfficerRolePayload,
    OfficerGrant,
    OfficerGrantsPayload,
    OfficerRole,
    OfficerRoleGranted,
    OfficerRoleRevoked,
    RevokeOfficerRolePayload,
)

CURSOR_KIND = "role_grant"


async def grant_types(info: Info, grants: Sequence[RoleGrant]) -> list[OfficerGrant]:
    """The GraphQL views of grants, their departments read in one batch."""
    codes = [g.department_code for g in grants if g.department_code is not None]
    found = await info.context.loader(DEPARTMENT_BY_CODE).load_many(codes)
    departments = {
        code: department_type(d) for code, d in zip(codes, found, strict=True) if d is not None
    }
    return [
        OfficerGrant(
            id=g.id,
            department=departments.get(g.department_code) if g.department_code else None,
            role=OfficerRole(g.role.value),
            phone_masked=g.phone_masked,
            expires_at=g.expires_at,
            granted_at=g.granted_at,
            revoked_at=g.revoked_at,
            revoke_reason=g.revoke_reason,
        )
        for g in grants
    ]


@strawberry.type
class OfficerQuery:
    """Role grants, for administrators."""

    @strawberry.field(
        description=f"Live role grants, newest first, at most {MAX_PAGE_SIZE} a page: of one "
        "department, or all when `departmentCode` is null. Administrators only.",
        extensions=[RequireRole(DomainRole.ADMINISTRATOR), ExpectedErrors()],
    )
    async def officer_grants(
        self,
        info: Info,
        department_code: Annotated[
            str | None, strawberry.argument(description="Department code; null for every grant.")
        ] = None,
        first: Annotated[
            int, strawberry.argument(description=f"Page size, 1 to {MAX_PAGE_SIZE}.")
        ] = 20,
        after: Annotated[
            str | None,
            strawberry.argument(description="Cursor of the last item of the previous page."),
        ] = None,
    ) -> OfficerGrantsPayload:
        """One page of live grants."""
        cursor = decode_time_cursor(CURSOR_KIND, after, argument="after") if after else None
        page = await info.context.service(OfficerService).grants(
            info.context.require_principal(), department_code, first, cursor
        )
        nodes = await grant_types(info, page.items)
        edges = [
            Edge(cursor=encode_time_cursor(CURSOR_KIND, g.granted_at, g.id), node=node)
            for g, node in zip(page.items, nodes, strict=True)
        ]
        return connection(edges, has_next_page=page.has_next_page)


@strawberry.type
class OfficerMutation:
    """Grant and revoke officers' roles (administrators only, audit-logged)."""

    @strawberry.mutation(
        description="As an administrator, make a real-name verified citizen an officer "
        "(`CLERK` or `HEAD`) of a department, until `expiresAt` (at most one year ahead) or "
        "until revoked. The person is named by the phone they signed in with; a new grant "
        "of the same role in the same department replaces the previous one.",
        extensions=[RequireRole(DomainRole.ADMINISTRATOR), ExpectedErrors()],
    )
    async def grant_officer_role(
        self,
        info: Info,
        phone: Annotated[str, strawberry.argument(description="The officer's sign-in phone.")],
        department_code: Annotated[
            str, strawberry.argument(description="Code of a department in the directory.")
        ],
        role: Annotated[OfficerRole, strawberry.argument(description="`CLERK` or `HEAD`.")],
        expires_at: Annotated[
            datetime | None,
            strawberry.argument(description="When the role ends (with a time zone); null: never."),
        ] = None,
    ) -> GrantOfficerRolePayload:
        """Grant an officer role."""
        grant = await info.context.service(OfficerService).grant_officer_role(
            info.context.require_principal(),
            phone,
            department_code,
            DomainRole(str(role.value)),
            expires_at,
        )
        [node] = await grant_types(info, [grant])
        return OfficerRoleGranted(grant=node)

    @strawberry.mutation(
        description="As an administrator, end a role grant at once, with a reason.",
        extensions=[RequireRole(DomainRole.ADMINISTRATOR), ExpectedErrors()],
    )
    async def revoke_officer_role(
        self,
        info: Info,
        grant_id: Annotated[str, strawberry.argument(description="Id of the grant.")],
        reason: Annotated[
            str, strawberry.argument(description="Why (kept in the audit log, 1-500 characters).")
        ],
    ) -> RevokeOfficerRolePayload:
        """Revoke a role grant."""
        grant = await info.context.service(OfficerService).revoke_role(
            info.context.require_principal(), grant_id, reason
        )
        [node] = await grant_types(info, [grant])
        return OfficerRoleRevoked(grant=node)

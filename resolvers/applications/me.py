"""The applications domain's field of ``me``: the caller's own applications."""

from __future__ import annotations

from typing import Annotated

import strawberry

from applications.errors import ApplicationsError
from applications.services.applying import MAX_CASES_PAGE
from identity.models import Account
from identity.models import AssuranceLevel as DomainLevel
from identity.models import Principal as DomainPrincipal
from resolvers.applications.cases import my_applications
from resolvers.context import Info
from resolvers.errors import public_error
from resolvers.permissions import RequireLevelRaising
from schema.cases import ApplicationsConnection


@strawberry.type
class ApplicationsMe:
    """The ``me`` fields applications answer (mixed into ``Me`` by :mod:`resolvers.me`)."""

    principal: strawberry.Private[DomainPrincipal]
    account: strawberry.Private[Account]

    @strawberry.field(
        description=f"Your applications, newest first, at most {MAX_CASES_PAGE} a page, each "
        "with its sub-cases and state.",
        extensions=[RequireLevelRaising(DomainLevel.REAL_NAME)],
    )
    async def applications(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 50.")] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="`endCursor` of the previous page.")
        ] = None,
    ) -> ApplicationsConnection:
        """The caller's cases."""
        try:
            return await my_applications(info, first=first, after=after)
        except ApplicationsError as error:
            raise public_error(error) from error

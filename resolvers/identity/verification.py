"""Mutations of real-name (实名) and real-person (实人, liveness) verification."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.errors import IdentityError
from identity.models import AssuranceLevel as DomainLevel
from resolvers.context import Info
from resolvers.errors import user_error
from resolvers.identity.signin import principal_of
from resolvers.permissions import RequireLevel
from schema.payloads import AssuranceLevel
from schema.verification import (
    CompleteLivenessCheckPayload,
    LivenessCheckPassed,
    LivenessCheckStarted,
    RealNameVerified,
    StartLivenessCheckPayload,
    VerifyRealNamePayload,
)


@strawberry.type
class VerificationMutation:
    """Real-name and real-person verification."""

    @strawberry.mutation(
        description="Verify your real name (实名认证): the name and resident ID number are "
        "checked against the population register and, when they match, bound to this account "
        "for good (level REAL_NAME). One ID number binds to one account. At most 5 failed "
        "attempts a day; repeating a passed verification succeeds again.",
        extensions=[RequireLevel(DomainLevel.PHONE)],
    )
    async def verify_real_name(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Name as on the ID card.")],
        id_number: Annotated[
            str, strawberry.argument(description="18-character resident ID number.")
        ],
    ) -> VerifyRealNamePayload:
        """Verify the caller's real name."""
        try:
            verified = await info.context.services.real_name.verify(
                principal_of(info), name, id_number
            )
        except IdentityError as error:
            return user_error(error)  # type: ignore[no-any-return]
        return RealNameVerified(
            assurance_level=AssuranceLevel(int(verified.level)),
            verified_at=verified.real_name.verified_at,
        )

    @strawberry.mutation(
        description="Start a face (liveness) check (实人认证); needs a verified real name, since "
        "the face is compared with the ID card photo. Returns the provider's ticket, valid 10 "
        "minutes and usable once. The `development` provider is NOT a real liveness check.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME)],
    )
    async def start_liveness_check(self, info: Info) -> StartLivenessCheckPayload:
        """Start a liveness check."""
        try:
            started = await info.context.services.liveness.start(principal_of(info))
        except IdentityError as error:
            return user_error(error)  # type: ignore[no-any-return]
        return LivenessCheckStarted(
            ticket=started.ticket, expires_at=started.expires_at, provider=started.provider
        )

    @strawberry.mutation(
        description="Complete a face check with the provider's signed result: when it passed, "
        "the account holds level REAL_PERSON for 15 minutes.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME)],
    )
    async def complete_liveness_check(
        self,
        info: Info,
        ticket: Annotated[str, strawberry.argument(description="From `startLivenessCheck`.")],
        result: Annotated[
            str, strawberry.argument(description="The provider's signed result, as received.")
        ],
    ) -> CompleteLivenessCheckPayload:
        """Complete a liveness check."""
        try:
            passed = await info.context.services.liveness.complete(
                principal_of(info), ticket, result
            )
        except IdentityError as error:
            return user_error(error)  # type: ignore[no-any-return]
        return LivenessCheckPassed(
            assurance_level=AssuranceLevel(int(passed.level)),
            verified_at=passed.verified_at,
            valid_until=passed.valid_until,
        )

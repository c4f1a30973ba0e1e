"""Mutations of real-name (实名) and real-person (实人, liveness) verification."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.models import AssuranceLevel as DomainLevel
from identity.services.liveness import LivenessService
from identity.services.real_name import RealNameService
from resolvers.context import Info
from resolvers.errors import ExpectedErrors
from resolvers.permissions import RequireLevel
from schema.payloads import AssuranceLevel
from schema.verification import (
    CompleteFaceVerificationPayload,
    CompleteLivenessCheckPayload,
    LivenessCheckPassed,
    LivenessCheckStarted,
    RealNameVerified,
    StartFaceVerificationPayload,
    StartLivenessCheckPayload,
    VerifyRealNamePayload,
)

NAME_ARGUMENT = strawberry.argument(description="Name as on the ID card.")
ID_NUMBER_ARGUMENT = strawberry.argument(description="18-character resident ID number.")
TICKET_ARGUMENT = strawberry.argument(description="The ticket the start mutation returned.")
RESULT_ARGUMENT = strawberry.argument(description="The provider's signed result, as received.")


@strawberry.type
class VerificationMutation:
    """Real-name and real-person verification."""

    @strawberry.mutation(
        description="Verify your real name (实名认证) by your phone: the mobile carrier's "
        "real-name record of the phone you signed in with must name this person (three-factor "
        "check), and the population register must know them. Then the identity is bound to "
        "this account for good (level REAL_NAME). One ID number binds to one account; a "
        "number bound elsewhere moves only through `startFaceVerification`. Every refusal is "
        "the same `RealNameMismatch`. Children under 14 get `GuardianRequired`. At most 5 "
        "failed attempts a day per account, and per ID number across accounts (after that the "
        "number binds only by face); repeating a passed verification succeeds again.",
        extensions=[RequireLevel(DomainLevel.PHONE), ExpectedErrors()],
    )
    async def verify_real_name(
        self,
        info: Info,
        name: Annotated[str, NAME_ARGUMENT],
        id_number: Annotated[str, ID_NUMBER_ARGUMENT],
    ) -> VerifyRealNamePayload:
        """Verify the caller's real name."""
        verified = await info.context.service(RealNameService).verify(
            info.context.require_principal(), name, id_number
        )
        return RealNameVerified(
            assurance_level=AssuranceLevel(int(verified.level)),
            verified_at=verified.real_name.verified_at,
        )

    @strawberry.mutation(
        description="Verify your real name by face (刷脸实名): for a phone not registered in "
        "your name, or a number bound to another account. The provider compares your face "
        "with the register photo of this ID number; run its capture with the returned ticket "
        "(10 minutes, once, this session only), then call `completeFaceVerification`. The "
        "`development` provider is NOT a real face check.",
        extensions=[RequireLevel(DomainLevel.PHONE), ExpectedErrors()],
    )
    async def start_face_verification(
        self,
        info: Info,
        name: Annotated[str, NAME_ARGUMENT],
        id_number: Annotated[str, ID_NUMBER_ARGUMENT],
    ) -> StartFaceVerificationPayload:
        """Start binding an identity by face."""
        started = await info.context.service(LivenessService).start_binding(
            info.context.require_principal(), name, id_number
        )
        return LivenessCheckStarted(
            ticket=started.ticket,
            url=started.url,
            expires_at=started.expires_at,
            provider=started.provider,
        )

    @strawberry.mutation(
        description="Complete a face verification with the provider's signed result. When the "
        "face matched, the identity is bound to this account and this session holds level "
        "REAL_PERSON for 15 minutes. A number bound to another account moves here: that "
        "account loses the identity, its sessions, agent grants and enterprise claims, and "
        "its phone is told.",
        extensions=[RequireLevel(DomainLevel.PHONE), ExpectedErrors()],
    )
    async def complete_face_verification(
        self,
        info: Info,
        ticket: Annotated[str, TICKET_ARGUMENT],
        result: Annotated[str, RESULT_ARGUMENT],
    ) -> CompleteFaceVerificationPayload:
        """Complete binding an identity by face."""
        bound = await info.context.service(LivenessService).complete_binding(
            info.context.require_principal(), ticket, result
        )
        return RealNameVerified(
            assurance_level=AssuranceLevel(int(bound.verified.level)),
            verified_at=bound.verified.real_name.verified_at,
            real_person_until=bound.valid_until,
        )

    @strawberry.mutation(
        description="Start a face (liveness) check (实人认证) to raise this session to level 3; "
        "needs a verified real name, since the face is compared with the ID card photo. "
        "Returns the provider's ticket, valid 10 minutes, usable once by this session. The "
        "`development` provider is NOT a real liveness check.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def start_liveness_check(self, info: Info) -> StartLivenessCheckPayload:
        """Start a liveness check."""
        started = await info.context.service(LivenessService).start(
            info.context.require_principal()
        )
        return LivenessCheckStarted(
            ticket=started.ticket,
            url=started.url,
            expires_at=started.expires_at,
            provider=started.provider,
        )

    @strawberry.mutation(
        description="Complete a face check with the provider's signed result: when it passed, "
        "this session (no other) holds level REAL_PERSON for 15 minutes.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def complete_liveness_check(
        self,
        info: Info,
        ticket: Annotated[str, TICKET_ARGUMENT],
        result: Annotated[str, RESULT_ARGUMENT],
    ) -> CompleteLivenessCheckPayload:
        """Complete a liveness check."""
        passed = await info.context.service(LivenessService).complete(
            info.context.require_principal(), ticket, result
        )
        return LivenessCheckPassed(
            assurance_level=AssuranceLevel(int(passed.level)),
            verified_at=passed.verified_at,
            valid_until=passed.valid_until,
        )

"""GraphQL types of real-name (实名) and real-person (实人, liveness) verification."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from schema.payloads import (
    AssuranceLevel,
    AuthenticationRequired,
    InvalidInput,
    RateLimited,
    ServiceUnavailable,
    StepUpRequired,
    UserError,
)


@strawberry.enum(description="Gender as recorded in the population register.")
class Gender(Enum):
    """Registered gender."""

    MALE = strawberry.enum_value("male", description="Male (男).")
    FEMALE = strawberry.enum_value("female", description="Female (女).")


@strawberry.type(
    description="Real-name verification passed: the identity is bound to the account (level "
    "2 on every session); after a face verification this session also holds level 3."
)
class RealNameVerified:
    """Identity confirmed by possession and bound to the account."""

    assurance_level: AssuranceLevel = strawberry.field(
        description="The calling session's level now."
    )
    verified_at: datetime = strawberry.field(description="When the identity was verified (UTC).")
    real_person_until: datetime | None = strawberry.field(
        default=None,
        description="After a face verification: when this session's level 3 lapses (UTC).",
    )


@strawberry.type(
    description="This identity could not be confirmed. One answer whatever the reason (the "
    "number is unknown, the register or the carrier's record of this phone names someone "
    "else, the number is bound to another account, or it was tried too often today), so "
    "that nobody learns which names and ID numbers are real or bound. "
    "`startFaceVerification` always remains open to the real holder."
)
class RealNameMismatch(UserError):
    """Identity not confirmed."""

    codes = ("REAL_NAME_MISMATCH",)


@strawberry.type(
    description="No longer returned (a number bound elsewhere now gets `RealNameMismatch`); "
    "kept so that existing documents still validate."
)
class IdNumberAlreadyBound(UserError):
    """Formerly: the ID number is verified on another account."""

    codes = ("ID_NUMBER_ALREADY_BOUND",)


@strawberry.type(
    description="The ID number is a child's (under 14). Under PIPL a child's data is "
    "sensitive: a guardian must act for them; the child cannot bind their own ID."
)
class GuardianRequired(UserError):
    """Children under 14 cannot verify themselves."""

    codes = ("GUARDIAN_REQUIRED",)


@strawberry.type(
    description="This account is already verified with another identity; it cannot change."
)
class RealNameAlreadyVerified(UserError):
    """A verified identity is permanent."""

    codes = ("REAL_NAME_ALREADY_VERIFIED",)


@strawberry.type(
    description="A liveness check was started. Run the provider's face capture with `ticket` "
    "(an app or mini-program SDK) or open `url` (a web view) within 10 minutes, then call "
    "`completeLivenessCheck` (or `completeFaceVerification`). When `provider` is "
    "`development` this is NOT a real liveness check: it accepts any result signed with the "
    "development key."
)
class LivenessCheckStarted:
    """A provider ticket, and where a web view runs the capture."""

    ticket: str = strawberry.field(
        description="The provider's ticket; usable once. With `tencent-faceid` it is the "
        "BizToken that the FaceID mini-program plugin or app SDK takes."
    )
    url: str | None = strawberry.field(
        default=None,
        description="Where a browser or web view runs the capture (FaceID's H5 page, which "
        "returns to the configured redirect address); null when the provider has none "
        "(`development`). Mini-programs and apps use `ticket` instead.",
    )
    expires_at: datetime = strawberry.field(description="When the ticket lapses (UTC).")
    provider: str = strawberry.field(
        description="Liveness provider; `development` is a fake for development and tests."
    )


@strawberry.type(
    description="Liveness check passed: this session (and no other) holds level 3 until "
    "`validUntil`."
)
class LivenessCheckPassed:
    """Real-person verification passed."""

    assurance_level: AssuranceLevel = strawberry.field(
        description="The calling session's level now."
    )
    verified_at: datetime = strawberry.field(description="When the check passed (UTC).")
    valid_until: datetime = strawberry.field(
        description="When level 3 lapses back to 2 (15 minutes after the check, UTC)."
    )


@strawberry.type(
    description="The liveness check cannot be accepted: see `code` (INVALID_LIVENESS_TICKET, "
    "INVALID_LIVENESS_RESULT or LIVENESS_FAILED). Start a new check."
)
class LivenessCheckFailed(UserError):
    """Completion refused; the level is unchanged."""

    codes = ("INVALID_LIVENESS_TICKET", "INVALID_LIVENESS_RESULT", "LIVENESS_FAILED")


@strawberry.type(description="The full resident ID number, shown after a recent face check.")
class RevealedIdNumber:
    """An unmasked ID number."""

    value: str = strawberry.field(description="The 18-character resident ID number.")


VerifyRealNamePayload = Annotated[
    RealNameVerified
    | InvalidInput
    | RateLimited
    | RealNameMismatch
    | IdNumberAlreadyBound
    | RealNameAlreadyVerified
    | GuardianRequired
    | AuthenticationRequired
    | StepUpRequired
    | ServiceUnavailable,
    strawberry.union("VerifyRealNamePayload", description="Result of `verifyRealName`."),
]
StartFaceVerificationPayload = Annotated[
    LivenessCheckStarted
    | InvalidInput
    | RateLimited
    | RealNameAlreadyVerified
    | GuardianRequired
    | AuthenticationRequired
    | StepUpRequired
    | ServiceUnavailable,
    strawberry.union(
        "StartFaceVerificationPayload", description="Result of `startFaceVerification`."
    ),
]
CompleteFaceVerificationPayload = Annotated[
    RealNameVerified
    | LivenessCheckFailed
    | RealNameMismatch
    | RealNameAlreadyVerified
    | AuthenticationRequired
    | StepUpRequired
    | ServiceUnavailable,
    strawberry.union(
        "CompleteFaceVerificationPayload", description="Result of `completeFaceVerification`."
    ),
]
StartLivenessCheckPayload = Annotated[
    LivenessCheckStarted
    | RateLimited
    | AuthenticationRequired
    | StepUpRequired
    | ServiceUnavailable,
    strawberry.union("StartLivenessCheckPayload", description="Result of `startLivenessCheck`."),
]
CompleteLivenessCheckPayload = Annotated[
    LivenessCheckPassed
    | LivenessCheckFailed
    | AuthenticationRequired
    | StepUpRequired
    | ServiceUnavailable,
    strawberry.union(
        "CompleteLivenessCheckPayload", description="Result of `completeLivenessCheck`."
    ),
]
RevealIdNumberResult = Annotated[
    RevealedIdNumber | StepUpRequired | AuthenticationRequired,
    strawberry.union(
        "RevealIdNumberResult",
        description="The full ID number, or what the caller must do first (a face check).",
    ),
]

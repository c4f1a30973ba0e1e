"""``me.realName``: the caller's verified identity, masked, with a step-up to reveal it."""

from __future__ import annotations

import logging
from datetime import date, datetime

import strawberry

from identity.masking import mask_id_number, mask_name
from identity.models import AssuranceLevel as DomainLevel
from identity.models import RealName
from resolvers.context import Info
from resolvers.permissions import RequireLevel
from schema.verification import Gender, RevealedIdNumber, RevealIdNumberResult

logger = logging.getLogger("resolvers.identity")


@strawberry.type(
    description="Identity attributes confirmed by the population register (实名), shown masked."
)
class VerifiedIdentity:
    """The caller's own verified attributes."""

    account_id: strawberry.Private[str]
    real_name: strawberry.Private[RealName]

    @strawberry.field(description="Registered name with the middle hidden, e.g. `刘*军`.")
    def name_masked(self) -> str:
        """Masked name."""
        return mask_name(self.real_name.name)

    @strawberry.field(description="Registered gender.")
    def gender(self) -> Gender:
        """Gender."""
        return Gender(self.real_name.gender.value)

    @strawberry.field(description="Registered birth date.")
    def birth_date(self) -> date:
        """Birth date."""
        return self.real_name.birth_date

    @strawberry.field(description="When the register confirmed the identity (UTC).")
    def verified_at(self) -> datetime:
        """Verification time."""
        return self.real_name.verified_at

    @strawberry.field(description="Resident ID number with the middle hidden.")
    def id_number_masked(self) -> str:
        """Masked ID number."""
        return mask_id_number(self.real_name.id_number)

    @strawberry.field(
        description="The full resident ID number. Needs a face check within the last 15 "
        "minutes (level REAL_PERSON); otherwise `StepUpRequired`.",
        extensions=[RequireLevel(DomainLevel.REAL_PERSON)],
    )
    def id_number(self, info: Info) -> RevealIdNumberResult:
        """Full ID number, after a recent real-person check."""
        logger.info("identity.real_name.id_number_revealed account=%s", self.account_id)
        return RevealedIdNumber(value=self.real_name.id_number)

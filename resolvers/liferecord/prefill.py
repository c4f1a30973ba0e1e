"""``prefill(itemCode)``: a service item's declared form fields, filled from the life record."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.models import AssuranceLevel as DomainLevel
from liferecord.prefill import Prefill as DomainPrefill
from liferecord.prefill import PrefillService
from resolvers.context import Info
from resolvers.errors import ExpectedErrors, step_up_required
from resolvers.liferecord.me_record import citizen_of
from resolvers.permissions import RequireLevel
from schema.common import LocalizedText
from schema.prefill import Prefill, PrefilledField, PrefillPayload


def prefill_type(prefill: DomainPrefill) -> Prefill:
    """The GraphQL view of a prefilled form."""
    item = prefill.item
    return Prefill(
        item_code=item.code,
        item_name=LocalizedText(zh=item.name.zh, en=item.name.en),
        fields=[
            PrefilledField(
                key=value.field.key,
                label=LocalizedText(zh=value.field.label.zh, en=value.field.label.en),
                value=value.value,
                source=value.provenance.source,
                as_of=value.provenance.as_of,
                verified=value.provenance.verified,
                stale=value.stale,
            )
            for value in prefill.values
        ],
        missing=list(prefill.missing),
    )


@strawberry.type
class PrefillQuery:
    """Prefill of service items' forms."""

    @strawberry.field(
        description="The form fields a service item declares, filled from your own life record "
        "with provenance — only those fields (data minimisation). Fields the record does not "
        "hold, or whose department cannot be reached, are listed in `missing`. Needs a verified "
        "real name; an unknown item code is `InvalidInput` (field `itemCode`).",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def prefill(
        self,
        info: Info,
        item_code: Annotated[
            str, strawberry.argument(description="The service item's code, e.g. 430200-GJJ-TQ-001.")
        ],
    ) -> PrefillPayload:
        """Prefill one item's form."""
        account = await info.context.require_account()
        citizen = citizen_of(account)
        if citizen is None:  # a REAL_NAME principal always has one; never trust that blindly
            return step_up_required(DomainLevel.REAL_NAME, DomainLevel.PHONE)
        prefill = await info.context.service(PrefillService).prefill(citizen, item_code)
        return prefill_type(prefill)

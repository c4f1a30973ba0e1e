"""GraphQL types of consent-scoped prefill: a service item's form filled from the life record."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from schema.common import LocalizedText
from schema.payloads import AuthenticationRequired, InvalidInput, StepUpRequired


@strawberry.type(
    description="One form field a service item declares, filled from your life record."
)
class PrefilledField:
    """A declared field with its value and provenance."""

    key: str = strawberry.field(
        description="The form's name for the field, `<section>.<path>` "
        "(e.g. `providentFund.balance`, `properties.items[0].certificateNumber`)."
    )
    label: LocalizedText = strawberry.field(description="The field's label on the form.")
    value: str = strawberry.field(
        description="The value as text (amounts in yuan as decimals, dates as `YYYY-MM-DD`)."
    )
    source: str = strawberry.field(
        description="Code of the department that holds the value (see `departments`)."
    )
    as_of: datetime = strawberry.field(description="When the department last updated it (UTC).")
    verified: bool = strawberry.field(
        description="True when the department attests it; false when it was declared "
        "(by you or an employer)."
    )
    stale: bool = strawberry.field(
        description="True when the department could not be reached just now and this is "
        "the last value fetched from it: check it before you submit."
    )


@strawberry.type(
    description="A service item's form fields filled from your life record: only the fields "
    "the item declares (data minimisation), each with its provenance."
)
class Prefill:
    """Result of `prefill`."""

    item_code: str = strawberry.field(description="The service item's code.")
    item_name: LocalizedText = strawberry.field(description="The service item's name.")
    fields: list[PrefilledField] = strawberry.field(
        description="Declared fields that have a value, in the form's order."
    )
    missing: list[str] = strawberry.field(
        description="Keys of declared fields left for you to fill in: none on record, or the "
        "department holding them could not be reached just now."
    )


PrefillPayload = Annotated[
    Prefill | InvalidInput | StepUpRequired | AuthenticationRequired,
    strawberry.union(
        "PrefillPayload",
        description="The prefilled form, or why not (`InvalidInput` for an unknown item code).",
    ),
]

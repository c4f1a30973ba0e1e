"""GraphQL types of the live subscriptions: a notification as it arrives, a case's progress."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.common import LocalizedText


@strawberry.type(
    description="A notification as it reaches the signed-in account, live (announcements "
    "to everyone included). The inbox holds the same notification under the same `id`, so a "
    "client can merge the two."
)
class LiveNotification:
    """One notification, pushed over the live channel."""

    id: strawberry.ID = strawberry.field(description="The inbox notification's id.")
    kind: str = strawberry.field(
        description="The event it tells of, dotted (e.g. `applications.case.approved`, "
        "`wallet.licence.expiring`, `system.announcement`)."
    )
    category: str | None = strawberry.field(
        description="Its inbox category (`cases`, `disputes`, `licences`, `security`, "
        "`announcements`), or null when the producer gave none."
    )
    urgent: bool = strawberry.field(description="Urgent (pushed even in quiet hours).")
    title: LocalizedText = strawberry.field(description="Title, zh-CN and en.")
    body: LocalizedText = strawberry.field(description="Text, zh-CN and en.")
    deep_link: str = strawberry.field(
        description="Where the app opens it (e.g. `smartzhuzhou://cases/<caseId>`)."
    )
    created_at: datetime = strawberry.field(description="When the notification was made (UTC).")


@strawberry.type(description="One step in a case's progress, as it happens.")
class CaseProgressEvent:
    """A progress event of one case."""

    case_id: strawberry.ID = strawberry.field(description="The case.")
    change: str = strawberry.field(
        description="What happened: `submitted`, `accepted`, `supplement_requested`, "
        "`supplied`, `suspended`, `resumed`, `approved`, `rejected`, `completed`, "
        "`withdrawn` or `due_soon` (more may come: treat an unknown one as a refresh hint)."
    )
    kind: str = strawberry.field(description="The full event kind (`applications.case.<change>`).")
    reference: str = strawberry.field(
        description="The case's human number (e.g. `ZZ20261202-000123`)."
    )
    state: str = strawberry.field(description="The case's state after the change.")
    sub_case_id: strawberry.ID | None = strawberry.field(
        description="The department sub-case that changed, or null for the case as a whole."
    )
    department: str | None = strawberry.field(
        description="Code of the department concerned, or null."
    )
    item_code: str | None = strawberry.field(
        description="Code of the service item concerned, or null."
    )
    bundle_code: str | None = strawberry.field(
        description="Code of the one-thing bundle, or null when the case is one item."
    )
    occurred_at: datetime = strawberry.field(description="When it happened (UTC).")
    event_id: strawberry.ID | None = strawberry.field(
        description="The event's id: the same event may arrive twice (delivery is at least "
        "once), so drop an id already seen. Null when the producer gave none."
    )

"""Live subscriptions of the notifications domain: ``notificationReceived``, ``caseProgress``.

Both need a signed-in caller whose session is still active when the subscription
starts, and end (with an error coded ``AUTHENTICATION_REQUIRED``, reason ``REVOKED``)
when that session is revoked or signed out, within ``SZ_LIVE_SESSION_CHECK_SECONDS``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated, TypeVar

import strawberry

from notifications.live import (
    CaseProgress,
    EndReason,
    LiveStream,
    LiveStreamEnded,
    LiveUpdates,
    Refusal,
)
from notifications.live import (
    LiveNotification as DomainNotification,
)
from resolvers.context import Info
from resolvers.errors import authentication_required
from schema.common import LocalizedText
from schema.errors import PublicError
from schema.notifications_live import CaseProgressEvent, LiveNotification
from schema.payloads import AuthFailure

T = TypeVar("T")

MAX_CASE_ID_LENGTH = 64

SUBSCRIPTION_ERRORS = (
    "A caller who is not signed in, or whose session was revoked or signed out, gets an "
    "error with `extensions.code` AUTHENTICATION_REQUIRED (`reason` says why); the same "
    "error ends a running subscription within a minute of a sign-out. A subscriber that "
    "falls far behind is ended with TOO_SLOW (subscribe again and re-read the inbox)."
)


def _signed_out(reason: AuthFailure) -> PublicError:
    return PublicError(
        "Your sign-in is no longer valid, please sign in again",
        code="AUTHENTICATION_REQUIRED",
        extra={"reason": reason.value},
    )


def _caller(info: Info) -> tuple[str, str]:
    """The signed-in caller's account and session, or the typed refusal."""
    principal = info.context.principal
    if principal is None:
        refusal = authentication_required(info.context)
        raise PublicError(
            refusal.message_en,
            code="AUTHENTICATION_REQUIRED",
            extra={"reason": refusal.reason.value},
        )
    return principal.account_id, principal.session_id


def _refused(refusal: Refusal) -> PublicError:
    if refusal is Refusal.SESSION_ENDED:
        return _signed_out(AuthFailure.REVOKED)
    return PublicError("No case of yours has this id.", code="CASE_NOT_FOUND", field="caseId")


async def _events(stream: LiveStream[T]) -> AsyncIterator[T]:
    """The stream's events, and its end as a typed error."""
    try:
        async for event in stream:
            yield event
    except LiveStreamEnded as ended:
        if ended.reason is EndReason.SESSION_ENDED:
            raise _signed_out(AuthFailure.REVOKED) from None
        raise PublicError(
            "This subscription fell too far behind and was ended; subscribe again.",
            code="TOO_SLOW",
        ) from None


def _notification(item: DomainNotification) -> LiveNotification:
    return LiveNotification(
        id=strawberry.ID(item.id),
        kind=item.kind,
        category=item.category,
        urgent=item.urgent,
        title=LocalizedText(zh=item.title.zh, en=item.title.en),
        body=LocalizedText(zh=item.body.zh, en=item.body.en),
        deep_link=item.deep_link,
        created_at=item.created_at,
    )


def _progress(event: CaseProgress) -> CaseProgressEvent:
    return CaseProgressEvent(
        case_id=strawberry.ID(event.case_id),
        change=event.change,
        kind=event.kind,
        reference=event.reference,
        state=event.state,
        sub_case_id=None if event.sub_case_id is None else strawberry.ID(event.sub_case_id),
        department=event.department,
        item_code=event.item_code,
        bundle_code=event.bundle_code,
        occurred_at=event.occurred_at,
        event_id=None if event.event_id is None else strawberry.ID(event.event_id),
    )


@strawberry.type
class NotificationSubscription:
    """Live notifications and case progress, delivered by every API instance."""

    @strawberry.subscription(
        description="The signed-in account's new notifications, and announcements to "
        "everyone, as they are made (the inbox, `me.notifications`, holds them too). "
        + SUBSCRIPTION_ERRORS
    )
    async def notification_received(self, info: Info) -> AsyncGenerator[LiveNotification, None]:
        """Yield each new notification of the caller's account."""
        account_id, session_id = _caller(info)
        stream = await info.context.service(LiveUpdates).open_notifications(account_id, session_id)
        if isinstance(stream, Refusal):
            raise _refused(stream)
        try:
            async for item in _events(stream):
                yield _notification(item)
        finally:  # however it stops: completed, the client gone, the session ended
            stream.close()

    @strawberry.subscription(
        description="Progress of one case the caller may see, as it happens. A case the "
        "caller may not see (or no case at all) is refused with `extensions.code` "
        "CASE_NOT_FOUND. " + SUBSCRIPTION_ERRORS
    )
    async def case_progress(
        self,
        info: Info,
        case_id: Annotated[strawberry.ID, strawberry.argument(description="The case to follow.")],
    ) -> AsyncGenerator[CaseProgressEvent, None]:
        """Yield each progress event of ``case_id``."""
        account_id, session_id = _caller(info)
        if not 0 < len(case_id) <= MAX_CASE_ID_LENGTH:
            raise _refused(Refusal.CASE_NOT_FOUND)
        stream = await info.context.service(LiveUpdates).open_case_progress(
            account_id, session_id, str(case_id)
        )
        if isinstance(stream, Refusal):
            raise _refused(stream)
        try:
            async for event in _events(stream):
                yield _progress(event)
        finally:
            stream.close()

"""Firebase Cloud Messaging through firebase-admin's own messaging code (HTTP v1 API).

``send_each_async`` sends at most 100 messages per call (FCM allows 500). Each message
carries Android and APNs fields: the collapse key of its case (an offline phone gets
the latest progress of a case, not every step), and the notification id as Android
``tag`` and in the data, so that a message sent twice (at-least-once delivery)
replaces itself on the phone instead of showing twice.

The OAuth token is refreshed in a thread: google-auth refreshes with a blocking HTTP
call, which must not stall the event loop. ``endpoint`` points the client at another FCM
host (the tests' and benchmark's local fake); production leaves it unset.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Sequence
from typing import Any

import firebase_admin
import google.auth.transport.requests
from firebase_admin import exceptions, messaging

from notifications.models import Channel, PushMessage, PushOutcome, PushResult

logger = logging.getLogger("notifications.fcm")

MAX_BATCH = 100
"""Messages per ``send_each_async`` call: within FCM's limit of 500, and no more than the
HTTP client's connection pool (100), whose queue of waiting requests costs time
quadratic in its length (measured: most of the worker's CPU at 500 per call)."""

# Errors worth retrying (after a backoff); any other error fails the delivery for good.
RETRYABLE = (
    messaging.QuotaExceededError,
    exceptions.UnavailableError,
    exceptions.InternalError,
    exceptions.DeadlineExceededError,
    exceptions.UnknownError,
)
TOKEN_GONE = (messaging.UnregisteredError, messaging.SenderIdMismatchError)


def fcm_message(message: PushMessage) -> messaging.Message:
    """The FCM message for one device, with its Android and APNs fields.

    Addressed by ``token``, the registration token the apps register today.
    firebase-admin 7.7 marks it deprecated in favour of Firebase installation ids
    (``fid``); the warning is silenced here until the apps register those.
    """
    priority = "high" if message.urgent else "normal"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return _message(message, priority)


def _message(message: PushMessage, priority: str) -> messaging.Message:
    return messaging.Message(
        token=message.token,
        data={
            "notification_id": message.notification_id,
            "kind": message.kind,
            "deep_link": message.deep_link,
            **message.data,
        },
        notification=messaging.Notification(title=message.title, body=message.body),
        android=messaging.AndroidConfig(
            collapse_key=message.collapse_key,
            priority=priority,
            notification=messaging.AndroidNotification(
                tag=message.notification_id, click_action="OPEN_DEEP_LINK"
            ),
        ),
        apns=messaging.APNSConfig(
            headers={
                "apns-collapse-id": message.collapse_key[:64],
                "apns-priority": "10" if message.urgent else "5",
                "apns-push-type": "alert",
            },
            payload=messaging.APNSPayload(
                aps=messaging.Aps(
                    alert=messaging.ApsAlert(title=message.title, body=message.body),
                    sound="default",
                    thread_id=message.collapse_key,
                )
            ),
        ),
    )


def _result(message: PushMessage, response: Any) -> PushResult:
    if response.success:
        return PushResult(
            message.delivery_id, PushOutcome.ACCEPTED, provider_id=response.message_id
        )
    error = response.exception
    reason = getattr(error, "code", None) or type(error).__name__
    if isinstance(error, TOKEN_GONE):
        return PushResult(message.delivery_id, PushOutcome.TOKEN_GONE, reason="UNREGISTERED")
    if isinstance(error, messaging.QuotaExceededError):
        return PushResult(message.delivery_id, PushOutcome.RETRY, reason="QUOTA_EXCEEDED")
    if isinstance(error, RETRYABLE):
        return PushResult(message.delivery_id, PushOutcome.RETRY, reason=str(reason).upper())
    return PushResult(message.delivery_id, PushOutcome.FAILED, reason=str(reason).upper())


class FcmChannel:
    """:class:`notifications.ports.PushChannel` for FCM (Android and iOS apps)."""

    channel = Channel.FCM
    platforms = frozenset({"android", "ios"})

    def __init__(self, app: firebase_admin.App, *, endpoint: str | None = None) -> None:
        self._app = app
        self._credential = app.credential.get_credential()
        if endpoint is not None:
            service = messaging._get_messaging_service(app)
            service._fcm_url = f"{endpoint.rstrip('/')}/v1/projects/{app.project_id}/messages:send"

    async def _fresh_token(self) -> None:
        if not self._credential.valid:
            request = google.auth.transport.requests.Request()
            await asyncio.to_thread(self._credential.refresh, request)

    async def send(self, messages: Sequence[PushMessage]) -> list[PushResult]:
        """Send in calls of at most :data:`MAX_BATCH`; failing to send at all answers ``retry``."""
        results: list[PushResult] = []
        for start in range(0, len(messages), MAX_BATCH):
            batch = list(messages[start : start + MAX_BATCH])
            try:
                await self._fresh_token()
                answer = await messaging.send_each_async(
                    [fcm_message(m) for m in batch], app=self._app
                )
            except Exception as error:  # the provider is unreachable: try again later
                logger.warning("notifications.fcm.batch_failed error=%s", type(error).__name__)
                results += [
                    PushResult(m.delivery_id, PushOutcome.RETRY, reason=type(error).__name__)
                    for m in batch
                ]
                continue
            results += [_result(m, r) for m, r in zip(batch, answer.responses, strict=True)]
        return results

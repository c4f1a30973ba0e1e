"""A local stand-in for Google's OAuth token endpoint and the FCM HTTP v1 send endpoint,
answering at the HTTP layer so that firebase-admin's real messaging code runs unchanged.

It records every message it accepts, answers per-token scripted errors (``UNREGISTERED``,
``QUOTA_EXCEEDED``, ``INVALID_ARGUMENT``), and can be stopped and started again on the
same port (FCM down, then back).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.servers import free_port

PROJECT = "smart-zhuzhou-test"
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

ERRORS = {
    "UNREGISTERED": (404, "NOT_FOUND", "Requested entity was not found."),
    "QUOTA_EXCEEDED": (429, "RESOURCE_EXHAUSTED", "Quota exceeded for sending messages."),
    "INVALID_ARGUMENT": (400, "INVALID_ARGUMENT", "The registration token is not a valid token."),
}


def write_service_account(folder: Path, token_uri: str) -> Path:
    """A service-account JSON with a fresh RSA key whose token endpoint is ``token_uri``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = folder / "firebase-service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": PROJECT,
                "private_key_id": "test-key-1",
                "private_key": pem,
                "client_email": f"push@{PROJECT}.iam.gserviceaccount.com",
                "client_id": "1234567890",
                "token_uri": token_uri,
            }
        )
    )
    return path


class FakeGoogle:
    """The ASGI app: ``POST /token`` and ``POST /v1/projects/<p>/messages:send``."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.refused: list[tuple[str, str]] = []
        self.token_requests = 0
        self.scripted: dict[str, list[str]] = defaultdict(list)
        self.always: dict[str, str] = {}
        self.bad_auth = 0
        self.arrivals: list[str] = []
        """Tokens of every send request, answered or not (in order of arrival)."""
        self.delay = 0.0
        """Seconds each send waits before answering (a slow FCM)."""
        self.screens: dict[str, dict[str, str]] = defaultdict(dict)
        """What each phone shows: token -> {collapse id: notification id}."""
        self._ids = itertools.count(1)

    def shown(self, token: str) -> list[str]:
        """The notification ids the phone of ``token`` shows, one per visible notification."""
        return list(self.screens[token].values())

    def _show(self, message: dict[str, Any]) -> None:
        """Model the phone: a message with the tag (Android) or collapse id (APNs) of one
        already shown replaces it instead of showing a second notification."""
        android = message.get("android", {}).get("notification", {})
        apns = message.get("apns", {}).get("headers", {})
        notification = str(message.get("data", {}).get("notification_id", ""))
        slot = android.get("tag") or apns.get("apns-collapse-id") or f"untagged-{id(message)}"
        self.screens[message.get("token", "")][slot] = notification

    def fail(self, token: str, *errors: str) -> None:
        """Answer the next sends to ``token`` with these errors, in order."""
        self.scripted[token].extend(errors)

    def sent_to(self, token: str) -> list[dict[str, Any]]:
        """The accepted messages addressed to ``token``."""
        return [m for m in self.messages if m.get("token") == token]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        if path == "/token":
            self.token_requests += 1
            token = f"ya29.fake-{self.token_requests}"
            await _json(
                send, 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}
            )
            return
        if path == f"/v1/projects/{PROJECT}/messages:send":
            headers = dict(scope["headers"])
            if not headers.get(b"authorization", b"").startswith(b"Bearer ya29.fake-"):
                self.bad_auth += 1
                await _json(send, 401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
                return
            message = json.loads(body)["message"]
            token = message.get("token", "")
            self.arrivals.append(token)
            if self.delay:
                await asyncio.sleep(self.delay)
            error = (
                self.scripted[token].pop(0) if self.scripted.get(token) else self.always.get(token)
            )
            if error is not None:
                self.refused.append((token, error))
                status, rpc, text = ERRORS[error]
                await _json(
                    send,
                    status,
                    {
                        "error": {
                            "code": status,
                            "message": text,
                            "status": rpc,
                            "details": [
                                {
                                    "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                    "errorCode": error,
                                }
                            ],
                        }
                    },
                )
                return
            self.messages.append(message)
            self._show(message)
            await _json(send, 200, {"name": f"projects/{PROJECT}/messages/{next(self._ids)}"})
            return
        await _json(send, 404, {"error": "no such endpoint"})


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(raw)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})


class FakeGoogleServer:
    """Serves :class:`FakeGoogle` from a thread of its own (its own event loop), so that
    google-auth's blocking token request never waits on the test's loop."""

    def __init__(self, app: Any = None, port: int | None = None) -> None:
        self.app: Any = app or FakeGoogle()
        """The ASGI app served (a :class:`FakeGoogle` unless another is given)."""
        self.port = port or free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL (the FCM endpoint and ``/token``)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen (again) on the port."""
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
        self._thread.start()
        for _ in range(500):
            if server.started:
                return
            threading.Event().wait(0.01)
        raise RuntimeError("fake Google server did not start")

    def stop(self) -> None:
        """Stop listening (FCM down)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self._server = None

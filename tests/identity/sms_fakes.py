"""Local fakes of Tencent Cloud SMS and Alibaba Cloud SMS at the HTTP layer.

Each fake is a small ASGI app served by uvicorn on a free port of 127.0.0.1. It
VERIFIES each request's signature by recomputing it from the vendor's documented
algorithm with the shared secret (its own code, not the adapter's) and refuses a wrong
one as the vendor does; then it answers as told by ``answer``:

- ``ok``: accepted;
- ``code:<vendor code>[:<message>]``: the vendor's refusal with that code (for Tencent
  in the number's ``SendStatusSet`` entry), ``error:<code>`` a whole-call error
  (Tencent);
- ``http503``, ``slow`` (answers after 2 s), ``truncated`` (cut mid-body),
  ``not_json``, ``oversized`` (200 KB, streamed without a length).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import uvicorn

from devstack.servers import free_port

Scope = dict[str, Any]
SLOW_SECONDS = 2.0

_TC3 = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/sms/tc3_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


async def _body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body"):
            return body


async def _respond(send: Any, status: int, body: bytes, content_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class FakeVendor:
    """What both fakes share: the answer to give and the transport-level misbehaviours."""

    def __init__(self) -> None:
        self.answer = "ok"
        self.accepted: list[dict[str, Any]] = []
        """Every request whose signature verified (its decoded parameters)."""
        self.refused_signatures = 0
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.calls += 1
        body = await _body(receive)
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        request = self.verified(scope["method"], headers, body)
        if request is None:
            self.refused_signatures += 1
            status, answer = self.signature_refusal()
            await _respond(send, status, json.dumps(answer).encode(), "application/json")
            return
        self.accepted.append(request)
        await self.misbehave_or_answer(send, request)

    async def misbehave_or_answer(self, send: Any, request: dict[str, Any]) -> None:
        """Answer as ``self.answer`` says."""
        answer = self.answer
        if answer == "http503":
            await _respond(send, 503, b"Service Unavailable", "text/plain")
        elif answer == "slow":
            await asyncio.sleep(SLOW_SECONDS)
            await self._json(send, self.accepted_answer(request))
        elif answer == "not_json":
            await _respond(send, 200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        elif answer == "truncated":
            whole = json.dumps(self.accepted_answer(request)).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", str(len(whole)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": whole[:20], "more_body": True})
            raise ConnectionAbortedError("the fake cuts the answer")
        elif answer == "oversized":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            for _ in range(50):
                await send({"type": "http.response.body", "body": b" " * 4096, "more_body": True})
            await send({"type": "http.response.body", "body": b"{}"})
        elif answer.startswith(("code:", "error:")):
            await self._json(send, self.refusal(answer))
        else:
            await self._json(send, self.accepted_answer(request))

    async def _json(self, send: Any, answer: dict[str, Any]) -> None:
        await _respond(
            send, 200, json.dumps(answer, ensure_ascii=False).encode(), "application/json"
        )

    def verified(self, method: str, headers: dict[str, str], body: bytes) -> dict[str, Any] | None:
        raise NotImplementedError

    def signature_refusal(self) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def accepted_answer(self, request: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def refusal(self, answer: str) -> dict[str, Any]:
        raise NotImplementedError


class FakeTencentSms(FakeVendor):
    """Tencent Cloud API 3.0 ``SendSms`` (2021-01-11), TC3-HMAC-SHA256 verified."""

    def __init__(self, secret_id: str, secret_key: str) -> None:
        super().__init__()
        self.secret_id = secret_id
        self.secret_key = secret_key

    def verified(self, method: str, headers: dict[str, str], body: bytes) -> dict[str, Any] | None:
        """The JSON request when the signature is Tencent's algorithm over this request."""
        match = _TC3.fullmatch(headers.get("authorization", ""))
        if method != "POST" or match is None or match["id"] != self.secret_id:
            return None
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            return None
        try:
            timestamp = int(headers["x-tc-timestamp"])
        except (KeyError, ValueError):
            return None
        if abs(time.time() - timestamp) > 300:  # documented: five minutes
            return None
        date = datetime.fromtimestamp(timestamp, UTC).date().isoformat()
        signed = match["signed"].split(";")
        if match["date"] != date or not {"content-type", "host"} <= set(signed):
            return None
        if any(name not in headers for name in signed):
            return None
        # Documented: each signed header as lower-case key:value, trimmed, in order.
        canonical_headers = "".join(f"{n}:{headers[n].strip().lower()}\n" for n in signed)
        canonical = "\n".join(
            [
                "POST",
                "/",
                "",
                canonical_headers,
                ";".join(signed),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        to_sign = (
            f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n"
            + hashlib.sha256(canonical.encode()).hexdigest()
        )
        key = ("TC3" + self.secret_key).encode()
        for part in (date, "sms", "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            return None
        request: dict[str, Any] = json.loads(body)
        return request

    def signature_refusal(self) -> tuple[int, dict[str, Any]]:
        """Tencent answers 200 with an Error object."""
        return 200, self._error(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature "
            "is correct.",
        )

    def accepted_answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """One ``Ok`` status per number."""
        return {
            "Response": {
                "SendStatusSet": [
                    self._status(number, "Ok", "send success")
                    for number in request["PhoneNumberSet"]
                ],
                "RequestId": str(uuid.uuid4()),
            }
        }

    def refusal(self, answer: str) -> dict[str, Any]:
        """``code:`` in the number's status, ``error:`` for the whole call."""
        kind, code = answer.split(":", 1)
        if kind == "error":
            return self._error(code, f"fake refusal {code}")
        number = self.accepted[-1]["PhoneNumberSet"][0]
        return {
            "Response": {
                "SendStatusSet": [self._status(number, code, f"fake refusal {code}")],
                "RequestId": str(uuid.uuid4()),
            }
        }

    @staticmethod
    def _status(number: str, code: str, message: str) -> dict[str, Any]:
        return {
            "SerialNo": f"5000:{uuid.uuid4().hex}",
            "PhoneNumber": number,
            "Fee": 1 if code == "Ok" else 0,
            "SessionContext": "",
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }

    @staticmethod
    def _error(code: str, message: str) -> dict[str, Any]:
        return {
            "Response": {
                "Error": {"Code": code, "Message": message},
                "RequestId": str(uuid.uuid4()),
            }
        }


def aliyun_encode(value: str) -> str:
    """Percent-encoding as the RPC signature documents it: unreserved kept, %XX upper."""
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in value.encode())


class FakeAliyunSms(FakeVendor):
    """Alibaba Cloud dysmsapi ``SendSms`` (2017-05-25), RPC signature v1 verified."""

    def __init__(self, access_key_id: str, access_key_secret: str) -> None:
        super().__init__()
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self._nonces: set[str] = set()
        self.last_refusal = ""

    def verified(self, method: str, headers: dict[str, str], body: bytes) -> dict[str, Any] | None:
        """The form parameters when ``Signature`` is the documented HMAC-SHA1 over them."""
        self.last_refusal = "SignatureDoesNotMatch"
        try:
            pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return None
        params = dict(pairs)
        signature = params.pop("Signature", None)
        if method != "POST" or signature is None or len(pairs) != len(params) + 1:
            return None
        required = {"AccessKeyId", "Action", "SignatureMethod", "SignatureNonce", "Timestamp"}
        if not required <= params.keys() or params["AccessKeyId"] != self.access_key_id:
            self.last_refusal = "InvalidAccessKeyId.NotFound"
            return None
        if params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            return None
        try:
            when = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None
        if abs((datetime.now(UTC) - when).total_seconds()) > 900:
            self.last_refusal = "InvalidTimeStamp.Expired"
            return None
        canonical = "&".join(
            f"{aliyun_encode(k)}={aliyun_encode(v)}" for k, v in sorted(params.items())
        )
        to_sign = f"POST&{aliyun_encode('/')}&{aliyun_encode(canonical)}"
        expected = base64.b64encode(
            hmac.new(
                (self.access_key_secret + "&").encode(), to_sign.encode(), hashlib.sha1
            ).digest()
        ).decode()
        if not hmac.compare_digest(expected, signature):
            return None
        if params["SignatureNonce"] in self._nonces:
            self.last_refusal = "SignatureNonceUsed"
            return None
        self._nonces.add(params["SignatureNonce"])
        return params

    def signature_refusal(self) -> tuple[int, dict[str, Any]]:
        """Alibaba answers HTTP 400 (404 for an unknown key) with the code."""
        status = 404 if self.last_refusal.startswith("InvalidAccessKeyId") else 400
        return status, {
            "RequestId": str(uuid.uuid4()),
            "HostId": "dysmsapi.aliyuncs.com",
            "Code": self.last_refusal,
            "Message": "Specified signature is not matched with our calculation.",
        }

    def accepted_answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """``OK`` with a receipt id."""
        return {
            "Message": "OK",
            "RequestId": str(uuid.uuid4()),
            "Code": "OK",
            "BizId": f"{uuid.uuid4().int % 10**18}^0",
        }

    def refusal(self, answer: str) -> dict[str, Any]:
        """``code:<code>[:<message>]``."""
        _, code, *message = answer.split(":", 2)
        return {
            "Message": message[0] if message else f"fake refusal {code}",
            "RequestId": str(uuid.uuid4()),
            "Code": code,
        }


@asynccontextmanager
async def serving(app: FakeVendor) -> AsyncIterator[str]:
    """Serve ``app`` on a free local port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="critical",
            timeout_graceful_shutdown=1,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the fake vendor stopped before it started")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def nowhere() -> str:
    """The URL of a local port nothing listens on (a vendor that is down)."""
    return f"http://127.0.0.1:{free_port()}"

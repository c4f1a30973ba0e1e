"""Tencent Cloud API 3.0: TC3-HMAC-SHA256 request signing and one signed JSON call.

A small signed httpx call instead of the official SDK: the SDK's transport is
blocking (``requests``), and we need two actions per product, a time budget, a size
cap and typed outcomes. Shared by every Tencent Cloud adapter (FaceID here; the SMS
adapter may reuse it).

The algorithm (https://cloud.tencent.com/document/api/1007/31323, "签名方法 v3"):

    CanonicalRequest = POST \\n / \\n (empty query) \\n
                       content-type:application/json; charset=utf-8\\nhost:<host>\\n \\n
                       content-type;host \\n hex(sha256(body))
    StringToSign     = TC3-HMAC-SHA256 \\n <timestamp> \\n <date>/<service>/tc3_request \\n
                       hex(sha256(CanonicalRequest))
    key              = HMAC(HMAC(HMAC("TC3" + SecretKey, date), service), "tc3_request")
    Authorization    = TC3-HMAC-SHA256 Credential=<SecretId>/<scope>,
                       SignedHeaders=content-type;host, Signature=hex(HMAC(key, StringToSign))
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from identity.adapters.outcomes import OutcomeRecorder
from infra.outages import Unavailable

logger = logging.getLogger("identity.tencent_cloud")

ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host"
MAX_RESPONSE_BYTES = 256 * 1024
"""The answers we ask for are text only (no photos, no video): a few KiB."""
RETRY_AFTER_SECONDS = 10


@dataclass(frozen=True, slots=True)
class Credential:
    """A CAM key pair (use a sub-account allowed only the actions the adapter calls)."""

    secret_id: str
    secret_key: str


class TencentCloudError(Exception):
    """The API answered ``Response.Error``: its ``code`` (e.g. ``RequestLimitExceeded``)."""

    def __init__(self, code: str, message: str, request_id: str) -> None:
        super().__init__(f"{code}: {message} (request {request_id})")
        self.code = code
        self.message = message
        self.request_id = request_id


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_signature(
    secret_key: str, *, service: str, host: str, body: bytes, timestamp: int
) -> tuple[str, str]:
    """``(credential scope, hex signature)`` of a POST of ``body`` to ``host`` at ``timestamp``."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host.lower()}\n",
            SIGNED_HEADERS,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        [ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    signing_key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return scope, hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def authorization(
    credential: Credential, *, service: str, host: str, body: bytes, timestamp: int
) -> str:
    """The ``Authorization`` header value for one request."""
    scope, signature = tc3_signature(
        credential.secret_key, service=service, host=host, body=body, timestamp=timestamp
    )
    return (
        f"{ALGORITHM} Credential={credential.secret_id}/{scope}, "
        f"SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
    )


class TencentCloudApi:
    """Signed calls to one Tencent Cloud product (``service``/``version``) at ``endpoint``.

    Transport failures, timeouts, 5xx, truncated, oversized or non-JSON answers and
    ``InternalError`` raise :class:`~infra.outages.Unavailable` (part ``service``);
    the API's other refusals raise :class:`TencentCloudError` for the adapter to map.
    Only calls marked ``idempotent`` are retried (once).
    """

    def __init__(
        self,
        credential: Credential,
        *,
        service: str,
        version: str,
        endpoint: str,
        region: str | None = None,
        timeout_seconds: float = 5.0,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credential = credential
        self.service = service
        self._version = version
        self._endpoint = endpoint.rstrip("/") + "/"
        self._host = urlsplit(endpoint).netloc
        self._region = region
        self._timeout = timeout_seconds
        self._client = client or httpx.AsyncClient()
        self._clock = clock
        self.last_call = OutcomeRecorder(name=service)
        """How the last call ended (``/readyz`` shows it through the adapters)."""

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def call(
        self, action: str, params: dict[str, Any], *, idempotent: bool = False
    ) -> dict[str, Any]:
        """``Response`` of ``action`` (without ``RequestId``), or a typed failure."""
        attempts = 2 if idempotent else 1
        for attempt in range(attempts):
            try:
                answer = await self._call_once(action, params)
            except TencentCloudError as error:
                rate_limited = error.code.startswith("RequestLimitExceeded")
                self.last_call.record("rate_limited" if rate_limited else "refused", error.code)
                raise
            except Unavailable:
                self.last_call.record("unavailable")
                if attempt + 1 == attempts:
                    raise
                await asyncio.sleep(0.2)
            else:
                self.last_call.record("ok")
                return answer
        raise AssertionError("unreachable")

    async def _call_once(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(self._clock())
        headers = {
            "Authorization": authorization(
                self._credential,
                service=self.service,
                host=self._host,
                body=body,
                timestamp=timestamp,
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": self._host,
            "X-TC-Action": action,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": self._version,
        }
        if self._region:
            headers["X-TC-Region"] = self._region
        raw = await self._post(action, body, headers)
        try:
            answer = json.loads(raw)
            response = answer["Response"]
            if not isinstance(response, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            logger.warning("%s.%s.unreadable_answer bytes=%d", self.service, action, len(raw))
            raise self._unavailable() from None
        error = response.get("Error")
        request_id = str(response.get("RequestId", ""))
        if isinstance(error, dict):
            code, message = str(error.get("Code", "")), str(error.get("Message", ""))
            logger.warning(
                "%s.%s.refused code=%s request=%s", self.service, action, code, request_id
            )
            if code.startswith(("InternalError", "ResourceUnavailable")):
                raise self._unavailable()
            raise TencentCloudError(code, message, request_id)
        response.pop("RequestId", None)
        return response

    async def _post(self, action: str, body: bytes, headers: dict[str, str]) -> bytes:
        try:
            async with asyncio.timeout(self._timeout):
                async with self._client.stream(
                    "POST",
                    self._endpoint,
                    content=body,
                    headers=headers,
                    timeout=self._timeout,
                ) as response:
                    if response.status_code >= 500:
                        raise self._unavailable()
                    chunks, size = [], 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > MAX_RESPONSE_BYTES:
                            logger.warning("%s.%s.answer_too_large", self.service, action)
                            raise self._unavailable()
                        chunks.append(chunk)
                    return b"".join(chunks)
        except (TimeoutError, httpx.HTTPError) as error:
            logger.warning("%s.%s.unreachable error=%s", self.service, action, type(error).__name__)
            raise self._unavailable() from None

    def _unavailable(self) -> Unavailable:
        return Unavailable(self.service, retry_after=RETRY_AFTER_SECONDS)

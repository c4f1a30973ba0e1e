"""Tencent Cloud SMS: ``SendSms`` (API 3.0, version 2021-01-11), signed TC3-HMAC-SHA256.

One small signed ``httpx`` POST rather than the official SDK (``tencentcloud-sdk-python``):
the SDK's client is blocking (``requests``-style ``http.client`` under a thread would be
needed to keep it off the event loop), it pulls in the whole multi-product SDK, and
the signature is some thirty lines documented to the byte
(https://cloud.tencent.com/document/api/382/52072). The request:

``POST /`` to ``sms.tencentcloudapi.com`` with a JSON body (``PhoneNumberSet`` in
E.164, ``SmsSdkAppId``, ``SignName``, ``TemplateId``, ``TemplateParamSet``) and the
headers ``X-TC-Action: SendSms``, ``X-TC-Version``, ``X-TC-Timestamp``,
``X-TC-Region`` and ``Authorization: TC3-HMAC-SHA256 Credential=…, SignedHeaders=…,
Signature=…``. The answer is ``{"Response": {...}}``: an ``Error`` object when the
whole call failed, else ``SendStatusSet`` with one ``Code`` per number (``Ok``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from identity.adapters.sms_common import (
    DEFAULT_TIMEOUT_SECONDS,
    MAX_ANSWER_BYTES,
    OutcomeRecorder,
    SmsTemplates,
    SmsVendorFailure,
    bounded_post,
    check_e164,
    recorded_send,
    utc_now,
)
from identity.errors import InvalidPhone, RateLimited

VENDOR = "tencent"
ENDPOINT = "https://sms.tencentcloudapi.com"
API_VERSION = "2021-01-11"
SERVICE = "sms"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host;x-tc-action"

# The number's own limits (the carrier's or Tencent's per-number frequency rules):
# the citizen is told to wait, and another vendor is not asked.
_NUMBER_LIMITS = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": 30,
    "LimitExceeded.DeliveryFrequencyLimit": 60,
    "LimitExceeded.PhoneNumberOneHourLimit": 3_600,
    "LimitExceeded.PhoneNumberDailyLimit": 86_400,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": 86_400,
}
# The number itself: malformed, or on the do-not-disturb list (the citizen unsubscribed
# or the carrier blocks it); no vendor would deliver.
_NUMBER_REFUSED = frozenset(
    {"InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberInBlacklist"}
)
# Ours or Tencent's: another vendor may send.
_VENDOR_REASONS = {
    "FailedOperation.InsufficientBalanceInSmsPackage": "insufficient_balance",
    "FailedOperation.TemplateIncorrectOrUnapproved": "template_not_approved",
    "FailedOperation.SignatureIncorrectOrUnapproved": "template_not_approved",
    "InvalidParameterValue.TemplateParameterFormatError": "template_not_approved",
    "LimitExceeded.AppDailyLimit": "quota_exhausted",
    "LimitExceeded.DailyLimit": "quota_exhausted",
    "LimitExceeded.AppGlobalDailyLimit": "quota_exhausted",
    "LimitExceeded.AppMainlandChinaDailyLimit": "quota_exhausted",
    "InternalError.Timeout": "timeout",
}
_VENDOR_PREFIXES = (
    ("AuthFailure", "credentials_refused"),
    ("UnauthorizedOperation", "credentials_refused"),
    ("RequestLimitExceeded", "throttled"),
    ("InternalError", "down"),
)


def tc3_canonical_request(*, host: str, action: str, payload: bytes) -> str:
    """The canonical request of a JSON POST to ``/`` (signed headers: content-type, host,
    x-tc-action; the action in lower case, as documented)."""
    canonical_headers = f"content-type:{CONTENT_TYPE}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    return "\n".join(
        ["POST", "/", "", canonical_headers, SIGNED_HEADERS, hashlib.sha256(payload).hexdigest()]
    )


def tc3_string_to_sign(canonical_request: str, *, timestamp: int, service: str = SERVICE) -> str:
    """What the derived key signs: algorithm, timestamp, scope (UTC date), request hash."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{digest}"


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    host: str,
    action: str,
    payload: bytes,
    timestamp: int,
    service: str = SERVICE,
) -> str:
    """The ``Authorization`` header of a TC3-HMAC-SHA256 signed JSON POST to ``/``."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_request = tc3_canonical_request(host=host, action=action, payload=payload)
    string_to_sign = tc3_string_to_sign(canonical_request, timestamp=timestamp, service=service)
    secret_date = _hmac(f"TC3{secret_key}".encode(), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    signature = hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{date}/{service}/tc3_request, "
        f"SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
    )


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


class TencentSms(OutcomeRecorder):
    """Sends through Tencent Cloud SMS; refusals typed (see :mod:`sms_common`)."""

    provider_name = "sms.tencent"

    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        sign_name: str,
        templates: SmsTemplates,
        region: str = "ap-guangzhou",
        endpoint: str = ENDPOINT,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = utc_now,
        timestamp: Callable[[], int] = lambda: int(time.time()),
    ) -> None:
        super().__init__(clock)
        self._secret_id = secret_id
        self._secret_key = secret_key
        self._sdk_app_id = sdk_app_id
        self._sign_name = sign_name
        self._templates = templates
        self._region = region
        self._url = endpoint.rstrip("/") + "/"
        self._host = urlsplit(endpoint).netloc
        self._timeout = timeout_seconds
        self._max_bytes = max_answer_bytes
        self._client = client or httpx.AsyncClient(trust_env=False)
        self._timestamp = timestamp

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

    async def send_sign_in_code(self, phone: str, code: str) -> None:
        """Send the sign-in code template with the code as its one parameter."""
        await self._send(phone, self._templates.sign_in_code, [code])

    async def send_notice(self, phone: str, notice: str) -> None:
        """Send the fixed notice template named ``notice`` (no parameter)."""
        template = self._templates.notices.get(notice)
        if template is None:
            self.record("refused", "no_template")
            raise SmsVendorFailure(VENDOR, "refused", code=f"no template for {notice}")
        await self._send(phone, template, [])

    async def _send(self, phone: str, template_id: str, params: list[str]) -> None:
        check_e164(phone)
        payload = json.dumps(
            {
                "PhoneNumberSet": [phone],
                "SmsSdkAppId": self._sdk_app_id,
                "SignName": self._sign_name,
                "TemplateId": template_id,
                "TemplateParamSet": params,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Host": self._host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": API_VERSION,
            "X-TC-Region": self._region,
        }

        def sign() -> dict[str, str]:
            now = self._timestamp()
            return {
                "X-TC-Timestamp": str(now),
                "Authorization": tc3_authorization(
                    secret_id=self._secret_id,
                    secret_key=self._secret_key,
                    host=self._host,
                    action="SendSms",
                    payload=payload,
                    timestamp=now,
                ),
            }

        with recorded_send(self, VENDOR, phone):
            answer = await bounded_post(
                self._client,
                VENDOR,
                self._url,
                content=payload,
                headers=headers,
                timeout_seconds=self._timeout,
                max_bytes=self._max_bytes,
                sign=sign,
            )
            if answer.status != 200:
                raise SmsVendorFailure(VENDOR, "down", code=f"HTTP {answer.status}")
            _check(answer.json_object(VENDOR))


def _check(answer: dict[str, Any]) -> None:
    """Raise the typed outcome of a SendSms answer for one number; return when sent."""
    response = answer.get("Response")
    if not isinstance(response, dict):
        raise SmsVendorFailure(VENDOR, "malformed_answer")
    error = response.get("Error")
    if error is not None:
        code = error.get("Code") if isinstance(error, dict) else None
        raise _refusal(str(code) if code else "unknown")
    statuses = response.get("SendStatusSet")
    if not isinstance(statuses, list) or len(statuses) != 1 or not isinstance(statuses[0], dict):
        raise SmsVendorFailure(VENDOR, "malformed_answer")
    code = statuses[0].get("Code")
    if code == "Ok":
        return
    raise _refusal(str(code) if code else "unknown")


def _refusal(code: str) -> Exception:
    """The typed refusal of a Tencent error code (documented codes; others: ``refused``)."""
    if code in _NUMBER_LIMITS:
        return RateLimited(retry_after=_NUMBER_LIMITS[code])
    if code in _NUMBER_REFUSED:
        return InvalidPhone(field="phone")
    if code in _VENDOR_REASONS:
        return SmsVendorFailure(VENDOR, _VENDOR_REASONS[code], code=code)
    for prefix, reason in _VENDOR_PREFIXES:
        if code == prefix or code.startswith(prefix + "."):
            return SmsVendorFailure(VENDOR, reason, code=code)
    return SmsVendorFailure(VENDOR, "refused", code=code)

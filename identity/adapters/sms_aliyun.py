"""Alibaba Cloud SMS: ``SendSms`` (dysmsapi, version 2017-05-25), RPC signature v1 (HMAC-SHA1).

The RPC API's documented signature v1 rather than the newer ACS3-HMAC-SHA256: dysmsapi
accepts both, v1 is the one its SendSms reference and every SDK generation supports,
and HMAC-SHA1 is sound as a MAC (SHA-1's collisions do not forge HMACs). As for
Tencent, one small signed ``httpx`` POST instead of the SDK (``alibabacloud_dysmsapi``
and its Tea runtime are blocking and heavy). The request
(https://help.aliyun.com/document_detail/315526.html):

``POST /`` to ``dysmsapi.aliyuncs.com``, form-encoded: the common parameters
(``AccessKeyId``, ``Action=SendSms``, ``Format=JSON``, ``RegionId``,
``SignatureMethod=HMAC-SHA1``, ``SignatureNonce``, ``SignatureVersion=1.0``,
``Timestamp`` ISO 8601 UTC, ``Version``), ``PhoneNumbers`` (mainland numbers without
``+86``, others as country code and number), ``SignName``, ``TemplateCode``,
``TemplateParam`` (JSON) and ``Signature`` = base64(HMAC-SHA1(secret + "&",
"POST&%2F&" + percent-encoded sorted query)). The answer is JSON with ``Code``
(``OK`` when accepted), ``Message``, ``RequestId``, ``BizId``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

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

VENDOR = "aliyun"
ENDPOINT = "https://dysmsapi.aliyuncs.com"
API_VERSION = "2017-05-25"
CODE_PARAMETER = "code"
"""The variable of the sign-in template (``${code}``)."""

_USER_LIMIT_WAITS = (("分钟级", 60), ("小时级", 3_600), ("天级", 86_400))
_VENDOR_REASONS = {
    "isv.AMOUNT_NOT_ENOUGH": "insufficient_balance",
    "isv.OUT_OF_SERVICE": "insufficient_balance",
    "isv.SMS_TEMPLATE_ILLEGAL": "template_not_approved",
    "isv.SMS_SIGNATURE_ILLEGAL": "template_not_approved",
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": "template_not_approved",
    "isv.TEMPLATE_MISSING_PARAMETERS": "template_not_approved",
    "isv.TEMPLATE_PARAMS_ILLEGAL": "template_not_approved",
    "isv.INVALID_JSON_PARAM": "template_not_approved",
    "isv.PARAM_LENGTH_LIMIT": "template_not_approved",
    "isv.DAY_LIMIT_CONTROL": "quota_exhausted",
    "isp.SYSTEM_ERROR": "down",
    "ServiceUnavailable": "down",
    "InternalError": "down",
    "isp.RAM_PERMISSION_DENY": "credentials_refused",
    "isv.PRODUCT_UN_SUBSCRIPT": "credentials_refused",
    "isv.PRODUCT_UNSUBSCRIBE": "credentials_refused",
    "isv.ACCOUNT_NOT_EXISTS": "credentials_refused",
    "isv.ACCOUNT_ABNORMAL": "credentials_refused",
    "isv.DENY_IP_RANGE": "credentials_refused",
    "SignatureDoesNotMatch": "credentials_refused",
    "IncompleteSignature": "credentials_refused",
    "SignatureNonceUsed": "credentials_refused",
}
_VENDOR_PREFIXES = (
    ("InvalidAccessKeyId", "credentials_refused"),
    ("InvalidTimeStamp", "credentials_refused"),
    ("Forbidden", "credentials_refused"),
    ("Throttling", "throttled"),
)


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the RPC signature wants it (space ``%20``, ``*`` ``%2A``)."""
    return quote(value, safe="~")


def rpc_signature(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    """The v1 ``Signature`` of ``params`` (every parameter but ``Signature`` itself)."""
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_number(phone: str) -> str:
    """``PhoneNumbers`` form of an E.164 number: mainland without ``+86``."""
    check_e164(phone)
    return phone[3:] if phone.startswith("+86") else phone[1:]


class AliyunSms(OutcomeRecorder):
    """Sends through Alibaba Cloud SMS; refusals typed (see :mod:`sms_common`)."""

    provider_name = "sms.aliyun"

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: SmsTemplates,
        region: str = "cn-hangzhou",
        endpoint: str = ENDPOINT,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(clock)
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._sign_name = sign_name
        self._templates = templates
        self._region = region
        self._url = endpoint.rstrip("/") + "/"
        self._timeout = timeout_seconds
        self._max_bytes = max_answer_bytes
        self._client = client or httpx.AsyncClient(trust_env=False)

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

    async def send_sign_in_code(self, phone: str, code: str) -> None:
        """Send the sign-in code template with ``${code}``."""
        param = json.dumps({CODE_PARAMETER: code}, separators=(",", ":"))
        await self._send(phone, self._templates.sign_in_code, param)

    async def send_notice(self, phone: str, notice: str) -> None:
        """Send the fixed notice template named ``notice`` (no parameter)."""
        template = self._templates.notices.get(notice)
        if template is None:
            self.record("refused", "no_template")
            raise SmsVendorFailure(VENDOR, "refused", code=f"no template for {notice}")
        await self._send(phone, template, None)

    def _signed_form(self, phone: str, template: str, template_param: str | None) -> bytes:
        params = {
            "AccessKeyId": self._key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": aliyun_number(phone),
            "RegionId": self._region,
            "SignName": self._sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "Timestamp": self._clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        if template_param is not None:
            params["TemplateParam"] = template_param
        params["Signature"] = rpc_signature(params, self._secret)
        return "&".join(
            f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items()
        ).encode()

    async def _send(self, phone: str, template: str, template_param: str | None) -> None:
        form = self._signed_form(phone, template, template_param)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        with recorded_send(self, VENDOR, phone):
            # The nonce is fixed in the body: a retried connection sends the same request,
            # which Alibaba refuses as SignatureNonceUsed should the first have arrived.
            answer = await bounded_post(
                self._client,
                VENDOR,
                self._url,
                content=form,
                headers=headers,
                timeout_seconds=self._timeout,
                max_bytes=self._max_bytes,
            )
            if answer.status >= 500:
                raise SmsVendorFailure(VENDOR, "down", code=f"HTTP {answer.status}")
            _check(answer.json_object(VENDOR))


def _check(answer: dict[str, Any]) -> None:
    """Raise the typed outcome of a SendSms answer; return when accepted."""
    code = answer.get("Code")
    if not isinstance(code, str) or not code:
        raise SmsVendorFailure(VENDOR, "malformed_answer")
    if code == "OK":
        return
    message = answer.get("Message")
    raise _refusal(code, message if isinstance(message, str) else "")


def _refusal(code: str, message: str) -> Exception:
    """The typed refusal of an Alibaba error code (documented codes; others: ``refused``)."""
    if code == "isv.MOBILE_NUMBER_ILLEGAL":
        return InvalidPhone(field="phone")
    if code == "isv.BUSINESS_LIMIT_CONTROL":
        # "触发分钟级流控Permits:1": the per-number minute, hour or day limit.
        wait = next((seconds for word, seconds in _USER_LIMIT_WAITS if word in message), 60)
        return RateLimited(retry_after=wait)
    if code in _VENDOR_REASONS:
        return SmsVendorFailure(VENDOR, _VENDOR_REASONS[code], code=code)
    for prefix, reason in _VENDOR_PREFIXES:
        if code == prefix or code.startswith(prefix + "."):
            return SmsVendorFailure(VENDOR, reason, code=code)
    return SmsVendorFailure(VENDOR, "refused", code=code)

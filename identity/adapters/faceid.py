"""Tencent Cloud FaceID (人脸核身, API 3.0, version 2018-03-01): carrier check and face check.

- :class:`FaceIdPhoneVerification` (``PhoneVerification``): the carrier's real-name
  record of a mainland mobile number against a name and ID number (手机号三要素).
- :class:`FaceIdLiveness` (``DetectAuth`` + ``GetDetectInfoEnhanced``): the client
  runs the capture with the BizToken (mini-program/app SDK) or the URL (web view);
  we then fetch the verdict server-side. It counts only when the vendor's liveness
  and comparison both passed and the similarity clears our threshold. Only the text
  part is requested (``InfoType=1``): no photo or video ever reaches us, so none is
  stored.

Names, ID numbers and phones travel encrypted (FaceID's ``Encryption`` parameter,
AES-256-CBC under a fresh data key wrapped with FaceID's RSA public key) when that
key is configured; TLS protects them otherwise.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import string
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from identity.adapters.liveness import TICKET_TTL, LivenessResult, LivenessTicket
from identity.adapters.outcomes import Outcome
from identity.adapters.tencent_cloud import TencentCloudApi, TencentCloudError
from identity.errors import InvalidLivenessResult, RateLimited
from infra.outages import Unavailable

logger = logging.getLogger("identity.faceid")

SERVICE = "faceid"
VERSION = "2018-03-01"
DEFAULT_ENDPOINT = "https://faceid.tencentcloudapi.com"
MAX_BIZ_TOKEN_LENGTH = 128
VENDOR_RATE_LIMIT_RETRY_SECONDS = 5
DAILY_LIMIT_RETRY_SECONDS = 3_600
_EXTRA_VERSION = "sz1"
_IV_ALPHABET = string.ascii_letters + string.digits

PHONE_CONFIRMED = "0"
PHONE_NOT_CONFIRMED = frozenset({"-4", "-6", "-7", "-8", "-9"})
"""Not the same person (-4), bad phone (-6), ID (-7) or name (-8), no record (-9)."""
PHONE_BUSY = "-11"


class SensitiveFields:
    """FaceID's ``Encryption`` parameter: fields under a fresh AES-256-CBC key per request.

    The data key is wrapped with FaceID's RSA public key (OAEP, SHA-1, as the key's
    Java default ``RSA/ECB/OAEPWithSHA-1AndMGF1Padding``) into ``CiphertextBlob``;
    the IV is 16 characters, as the API asks.
    """

    def __init__(self, public_key_pem: bytes) -> None:
        key = load_pem_public_key(public_key_pem)
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("FaceID's encryption key must be an RSA public key")
        self._public_key = key

    def seal(self, fields: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
        """``(fields encrypted, the Encryption parameter)``."""
        data_key = secrets.token_bytes(32)
        iv = "".join(secrets.choice(_IV_ALPHABET) for _ in range(16))
        sealed = {name: _aes_cbc(data_key, iv.encode(), value) for name, value in fields.items()}
        # SHA-1 inside OAEP/MGF1 is not a collision use; it is what the key's holder
        # expects (to be confirmed against FaceID's crypto SDK before enabling).
        sha1 = hashes.SHA1()  # noqa: S303
        oaep = OAEP(mgf=MGF1(algorithm=sha1), algorithm=sha1, label=None)
        blob = self._public_key.encrypt(data_key, oaep)
        return sealed, {
            "EncryptList": list(fields),
            "CiphertextBlob": base64.b64encode(blob).decode(),
            "Iv": iv,
            "Algorithm": "AES-256-CBC",
        }


def _aes_cbc(key: bytes, iv: bytes, value: str) -> str:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(value.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def _with_fields(
    params: dict[str, Any], fields: dict[str, str], cipher: SensitiveFields | None
) -> dict[str, Any]:
    if cipher is None:
        return params | fields
    sealed, encryption = cipher.seal(fields)
    return params | sealed | {"Encryption": encryption}


def _refusal(error: TencentCloudError, service: str) -> Unavailable:
    """A vendor refusal that is no citizen's fault (our rate limit, account or credentials):
    :class:`Unavailable`, which every identity payload answers as ``ServiceUnavailable``."""
    if error.code.startswith("RequestLimitExceeded"):
        # The vendor throttles our account, not this citizen: a brief outage for them.
        logger.warning("identity.faceid.rate_limited request=%s", error.request_id)
        return Unavailable(service, retry_after=VENDOR_RATE_LIMIT_RETRY_SECONDS)
    # AuthFailure.*, UnauthorizedOperation.* (arrears, not activated), FailedOperation.*:
    # our credentials or account, not the citizen; operators see it in the log.
    logger.error("identity.faceid.refused code=%s request=%s", error.code, error.request_id)
    return Unavailable(service, retry_after=60)


class FaceIdPhoneVerification:
    """The carrier's real-name record via FaceID ``PhoneVerification`` (billed per call)."""

    def __init__(self, api: TencentCloudApi, *, encryption: SensitiveFields | None = None) -> None:
        self._api = api
        self._encryption = encryption

    def outcomes(self) -> dict[str, Outcome | None]:
        """How the last ``PhoneVerification`` call ended (for ``/readyz``, no call made)."""
        return {"faceid.carrier_check": self._api.last_call.last_outcome}

    async def aclose(self) -> None:
        """Close the HTTP connections (at shutdown)."""
        await self._api.aclose()

    async def confirms(self, phone: str, name: str, id_number: str) -> bool:
        """True only for result ``0``; mainland numbers only (others are never confirmed)."""
        if not phone.startswith("+86") or len(phone) != 14:
            return False
        params = _with_fields(
            {}, {"IdCard": id_number, "Name": name, "Phone": phone[3:]}, self._encryption
        )
        try:
            # Not retried: each call is billed, and a lost answer is retried by the user.
            answer = await self._api.call("PhoneVerification", params)
        except TencentCloudError as error:
            raise _refusal(error, self._api.service) from None
        result = str(answer.get("Result", ""))
        if result == PHONE_CONFIRMED:
            return True
        if result in PHONE_NOT_CONFIRMED:
            logger.info("identity.faceid.phone_not_confirmed result=%s", result)
            return False
        if result == "-12":  # this identity's checks for today are used up
            raise RateLimited(retry_after=DAILY_LIMIT_RETRY_SECONDS)
        logger.warning("identity.faceid.phone_unknown_result result=%s", result)
        raise Unavailable(self._api.service, retry_after=60 if result == PHONE_BUSY else 300)


class FaceIdLiveness:
    """Real-person checks by FaceID ``DetectAuth``; verdicts fetched by BizToken.

    Each check carries in ``Extra`` (returned with the verdict) a nonce and a MAC of
    the account that opened it, so a verdict about another account's check is
    refused even if the vendor or a replayed BizToken served one. That the ticket is
    the caller's own, live and used once is the service's check (ticket store).
    """

    name = "tencent-faceid"

    def __init__(
        self,
        api: TencentCloudApi,
        *,
        rule_id: str,
        similarity_threshold: float,
        binding_key: bytes,
        encryption: SensitiveFields | None = None,
        redirect_url: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._api = api
        self._rule_id = rule_id
        self._threshold = similarity_threshold
        self._binding_key = binding_key
        self._encryption = encryption
        self._redirect_url = redirect_url
        self._clock = clock

    def outcomes(self) -> dict[str, Outcome | None]:
        """How the last FaceID call of a face check ended (``/readyz``, no call made)."""
        return {"faceid.liveness": self._api.last_call.last_outcome}

    async def aclose(self) -> None:
        """Close the HTTP connections (at shutdown)."""
        await self._api.aclose()

    def _extra(self, account_id: str, nonce: str) -> str:
        mac = hmac.new(self._binding_key, f"{account_id}\n{nonce}".encode(), hashlib.sha256)
        return f"{_EXTRA_VERSION}.{nonce}.{mac.hexdigest()[:32]}"

    def _opened_for(self, extra: object, account_id: str) -> bool:
        if not isinstance(extra, str) or extra.count(".") != 2:
            return False
        nonce = extra.split(".")[1]
        return hmac.compare_digest(extra.encode(), self._extra(account_id, nonce).encode())

    async def start(self, account_id: str, *, id_number: str, name: str) -> LivenessTicket:
        """``DetectAuth`` against the authority photo of ``id_number``: BizToken and URL."""
        params: dict[str, Any] = {
            "RuleId": self._rule_id,
            "Extra": self._extra(account_id, secrets.token_urlsafe(12)),
        }
        if self._redirect_url:
            params["RedirectUrl"] = self._redirect_url
        params = _with_fields(params, {"IdCard": id_number, "Name": name}, self._encryption)
        try:
            answer = await self._api.call("DetectAuth", params)
        except TencentCloudError as error:
            raise _refusal(error, self._api.service) from None
        biz_token, url = answer.get("BizToken"), answer.get("Url")
        if not isinstance(biz_token, str) or not 1 <= len(biz_token) <= MAX_BIZ_TOKEN_LENGTH:
            logger.warning("identity.faceid.no_biz_token")
            raise Unavailable(self._api.service, retry_after=60)
        return LivenessTicket(
            ticket=biz_token,
            # The BizToken lives 7200 s; our ticket store keeps it for TICKET_TTL.
            expires_at=self._clock() + TICKET_TTL,
            provider=self.name,
            url=url if isinstance(url, str) else None,
        )

    async def verify_result(
        self, signed_result: str, *, ticket: str, account_id: str
    ) -> LivenessResult:
        """``GetDetectInfoEnhanced`` on ``ticket`` (``signed_result`` is not used).

        :class:`InvalidLivenessResult` while the capture is unfinished, for an unknown
        or lapsed BizToken, or a verdict on another account's check.
        """
        params: dict[str, Any] = {"BizToken": ticket, "RuleId": self._rule_id, "InfoType": "1"}
        if self._encryption is not None:
            # The answer's name and ID number then come back encrypted (we read neither).
            params = _with_fields(params | {"IsEncrypt": True}, {}, self._encryption)
        try:
            answer = await self._api.call("GetDetectInfoEnhanced", params, idempotent=True)
        except TencentCloudError as error:
            if error.code.startswith(("InvalidParameter", "FailedOperation")):
                logger.info("identity.faceid.no_result code=%s", error.code)
                raise InvalidLivenessResult(field="result") from None
            raise _refusal(error, self._api.service) from None
        text = answer.get("Text")
        if not isinstance(text, dict) or text.get("ErrCode") is None:
            raise InvalidLivenessResult(field="result")  # the capture is not finished
        if not self._opened_for(text.get("Extra"), account_id):
            logger.warning("identity.faceid.foreign_result account=%s", account_id)
            raise InvalidLivenessResult(field="result")
        return LivenessResult(ticket=ticket, passed=self._passed(text, account_id))

    def _passed(self, text: dict[str, Any], account_id: str) -> bool:
        try:
            similarity = float(text.get("Sim") or 0)
        except (TypeError, ValueError):
            similarity = 0.0
        statuses = (text.get("ErrCode"), text.get("LiveStatus"), text.get("Comparestatus"))
        passed = statuses == (0, 0, 0) and similarity >= self._threshold
        if not passed:
            logger.info(
                "identity.faceid.not_passed account=%s err=%s live=%s compare=%s sim=%.1f",
                account_id,
                *statuses,
                similarity,
            )
        return passed

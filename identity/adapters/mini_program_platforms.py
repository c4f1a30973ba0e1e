"""Mini-program sign-in on the real platforms: WeChat ``jscode2session`` and Alipay
``alipay.system.oauth.token``.

Both turn the one-time login code the mini-program got (``wx.login`` / ``my.getAuthCode``)
into the user's stable id on the platform. Nothing else of the answer is kept: the
WeChat ``session_key`` (only needed to decrypt data the mini-program would hand us,
which we never ask for) and the Alipay ``access_token`` are dropped as soon as the
answer is read; the openid itself is kept only as a keyed hash by the service.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from identity.adapters.outcomes import Outcome, OutcomeRecorder
from identity.errors import InvalidMiniProgramCode
from identity.models import MiniProgramPlatform
from infra.outages import Unavailable

logger = logging.getLogger("identity.mini_program")

WECHAT_ENDPOINT = "https://api.weixin.qq.com"
ALIPAY_ENDPOINT = "https://openapi.alipay.com/gateway.do"
MAX_CODE_LENGTH = 128
MAX_ANSWER_BYTES = 64 * 1024
RETRY_AFTER_SECONDS = 10
RATE_LIMIT_RETRY_SECONDS = 60
CHINA_TIME = timezone(timedelta(hours=8))

WECHAT_INVALID_CODE = frozenset({40029, 40163, 40226})
"""Invalid code, code already used, user blocked as high risk."""
WECHAT_RATE_LIMITED = frozenset({45011})
_SECRETS_IN_URL = re.compile(r"(secret|js_code)=[^&\s\"']*")


class MaskPlatformSecrets(logging.Filter):
    """Masks the app secret and login code in httpx's request log line (a GET URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = ()
        record.msg = _SECRETS_IN_URL.sub(r"\1=***", str(record.msg))
        return True


def _mask_httpx_log() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(existing, MaskPlatformSecrets) for existing in httpx_logger.filters):
        httpx_logger.addFilter(MaskPlatformSecrets())


def _check_code(code: str) -> None:
    if not 1 <= len(code) <= MAX_CODE_LENGTH or not code.isprintable():
        raise InvalidMiniProgramCode(field="code")


async def _read_capped(
    client: httpx.AsyncClient, part: str, request: httpx.Request, budget_seconds: float
) -> bytes:
    """The answer's body, or :class:`Unavailable` when slow, broken, 5xx or over the cap."""
    try:
        async with asyncio.timeout(budget_seconds):
            response = await client.send(request, stream=True)
            try:
                if response.status_code >= 500:
                    raise Unavailable(part, retry_after=RETRY_AFTER_SECONDS)
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_ANSWER_BYTES:
                        raise Unavailable(part, retry_after=RETRY_AFTER_SECONDS)
                    chunks.append(chunk)
                return b"".join(chunks)
            finally:
                await response.aclose()
    except (TimeoutError, httpx.HTTPError) as error:
        logger.warning(
            "identity.mini_program.unreachable part=%s error=%s", part, type(error).__name__
        )
        raise Unavailable(part, retry_after=RETRY_AFTER_SECONDS) from None


class PlatformThrottled(Unavailable):
    """The platform's quota for our app is used up: no citizen's doing, retry in a minute."""

    def __init__(self, part: str) -> None:
        super().__init__(part, retry_after=RATE_LIMIT_RETRY_SECONDS)


async def _recorded(recorder: OutcomeRecorder, call: Awaitable[str]) -> str:
    """``call``'s result, its outcome remembered: a refused code is the user's, not ours."""
    try:
        open_id = await call
    except InvalidMiniProgramCode:
        recorder.record("refused_user")
        raise
    except Unavailable as error:
        recorder.record("rate_limited" if isinstance(error, PlatformThrottled) else "unavailable")
        raise
    recorder.record("ok")
    return open_id


class WeChatCodeExchange(OutcomeRecorder):
    """``GET /sns/jscode2session`` with the mini-program's AppID and AppSecret."""

    part = "wechat"
    provider_name = "mini_program.wechat"

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        *,
        endpoint: str = WECHAT_ENDPOINT,
        timeout_seconds: float = 5.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__()
        self._app_id = app_id
        self._app_secret = app_secret
        self._url = endpoint.rstrip("/") + "/sns/jscode2session"
        self._timeout = timeout_seconds
        self._client = client or httpx.AsyncClient()
        _mask_httpx_log()

    async def aclose(self) -> None:
        """Close the HTTP connections (at shutdown)."""
        await self._client.aclose()

    async def open_id(self, code: str) -> str:
        """The user's openid; the session_key and unionid in the answer are not kept."""
        _check_code(code)
        return await _recorded(self, self._open_id(code))

    async def _open_id(self, code: str) -> str:
        params = {
            "appid": self._app_id,
            "secret": self._app_secret,
            "js_code": code,
            "grant_type": "authorization_code",
        }
        request = self._client.build_request("GET", self._url, params=params)
        raw = await _read_capped(self._client, self.part, request, self._timeout)
        try:
            answer = json.loads(raw)  # WeChat answers JSON labelled text/plain
            if not isinstance(answer, dict):
                raise TypeError
        except (ValueError, TypeError):
            logger.warning("identity.mini_program.wechat_unreadable bytes=%d", len(raw))
            raise Unavailable(self.part, retry_after=RETRY_AFTER_SECONDS) from None
        errcode = answer.get("errcode") or 0
        if errcode in WECHAT_INVALID_CODE:
            raise InvalidMiniProgramCode(field="code")
        if errcode in WECHAT_RATE_LIMITED:  # our app's quota, not this user's doing
            logger.warning("identity.mini_program.wechat_rate_limited")
            raise PlatformThrottled(self.part)
        open_id = answer.get("openid")
        if errcode != 0 or not isinstance(open_id, str) or not open_id:
            logger.warning("identity.mini_program.wechat_refused errcode=%s", errcode)
            raise Unavailable(self.part, retry_after=RETRY_AFTER_SECONDS)
        return open_id


def alipay_signing_content(params: dict[str, str]) -> str:
    """Alipay's string to sign: non-empty parameters but ``sign``, sorted, ``k=v``, ``&``."""
    return "&".join(
        f"{key}={params[key]}" for key in sorted(params) if key != "sign" and params[key]
    )


def signed_part(body: str, node: str) -> str | None:
    """The raw JSON text of ``node``'s value in ``body``: what Alipay's ``sign`` covers."""
    marker = f'"{node}"'
    start = body.find(marker)
    if start < 0:
        return None
    colon = body.find(":", start + len(marker))
    if colon < 0:
        return None
    begin = colon + 1
    while begin < len(body) and body[begin] in " \t\r\n":
        begin += 1
    try:
        _, end = json.JSONDecoder().raw_decode(body, begin)
    except ValueError:
        return None
    return body[begin:end]


class AlipayCodeExchange(OutcomeRecorder):
    """``alipay.system.oauth.token``: RSA2-signed request, verified answer."""

    part = "alipay"
    provider_name = "mini_program.alipay"
    method = "alipay.system.oauth.token"
    _node = "alipay_system_oauth_token_response"

    def __init__(
        self,
        app_id: str,
        private_key_pem: bytes,
        alipay_public_key_pem: bytes,
        *,
        endpoint: str = ALIPAY_ENDPOINT,
        timeout_seconds: float = 5.0,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        private_key = load_pem_private_key(private_key_pem, password=None)
        public_key = load_pem_public_key(alipay_public_key_pem)
        if not isinstance(private_key, rsa.RSAPrivateKey) or not isinstance(
            public_key, rsa.RSAPublicKey
        ):
            raise ValueError("Alipay RSA2 needs an RSA application key and Alipay's RSA public key")
        super().__init__()
        self._app_id = app_id
        self._private_key = private_key
        self._alipay_key = public_key
        self._endpoint = endpoint
        self._timeout = timeout_seconds
        self._client = client or httpx.AsyncClient()
        self._clock = clock

    def sign(self, params: dict[str, str]) -> str:
        """Base64 SHA256withRSA (PKCS#1 v1.5) of the request's signing content."""
        signature = self._private_key.sign(
            alipay_signing_content(params).encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return base64.b64encode(signature).decode()

    def _verified(self, body: str, node: str, sign: object) -> bool:
        content = signed_part(body, node)
        if content is None or not isinstance(sign, str):
            return False
        try:
            self._alipay_key.verify(
                base64.b64decode(sign, validate=True),
                content.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    async def aclose(self) -> None:
        """Close the HTTP connections (at shutdown)."""
        await self._client.aclose()

    async def open_id(self, code: str) -> str:
        """The user's open_id (or the older user_id); the tokens are not kept."""
        _check_code(code)
        return await _recorded(self, self._open_id(code))

    async def _open_id(self, code: str) -> str:
        params = {
            "app_id": self._app_id,
            "method": self.method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": self._clock().astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "grant_type": "authorization_code",
            "code": code,
        }
        params["sign"] = self.sign(params)
        request = self._client.build_request("POST", self._endpoint, data=params)
        raw = await _read_capped(self._client, self.part, request, self._timeout)
        try:
            body = raw.decode()
            answer = json.loads(body)
            if not isinstance(answer, dict):
                raise TypeError
        except (ValueError, TypeError):
            logger.warning("identity.mini_program.alipay_unreadable bytes=%d", len(raw))
            raise Unavailable(self.part, retry_after=RETRY_AFTER_SECONDS) from None
        error = answer.get("error_response")
        if isinstance(error, dict):
            # Error answers carry no sign when the app itself is unknown; a refusal is
            # trusted either way, as it grants nothing.
            raise self._refusal(error)
        success = answer.get(self._node)
        if not isinstance(success, dict) or not self._verified(
            body, self._node, answer.get("sign")
        ):
            logger.warning("identity.mini_program.alipay_bad_signature")
            raise Unavailable(self.part, retry_after=RETRY_AFTER_SECONDS)
        open_id = success.get("open_id") or success.get("user_id")
        if not isinstance(open_id, str) or not open_id:
            raise Unavailable(self.part, retry_after=RETRY_AFTER_SECONDS)
        return open_id

    def _refusal(self, error: dict[str, Any]) -> Exception:
        sub_code = str(error.get("sub_code", ""))
        if sub_code.startswith("isv.code") or sub_code in {"isv.invalid-auth-code"}:
            return InvalidMiniProgramCode(field="code")
        if "limit" in sub_code:  # our app's quota, not this user's doing
            logger.warning("identity.mini_program.alipay_rate_limited sub_code=%s", sub_code)
            return PlatformThrottled(self.part)
        logger.warning(
            "identity.mini_program.alipay_refused code=%s sub_code=%s", error.get("code"), sub_code
        )
        return Unavailable(self.part, retry_after=RETRY_AFTER_SECONDS)


class PlatformMiniProgram:
    """The real platforms behind :class:`~identity.adapters.mini_program.MiniProgramProvider`.

    A platform left unconfigured refuses every code (as a wrong code).
    """

    def __init__(
        self, *, wechat: WeChatCodeExchange | None, alipay: AlipayCodeExchange | None
    ) -> None:
        self._exchanges: dict[MiniProgramPlatform, WeChatCodeExchange | AlipayCodeExchange] = {}
        if wechat is not None:
            self._exchanges[MiniProgramPlatform.WECHAT] = wechat
        if alipay is not None:
            self._exchanges[MiniProgramPlatform.ALIPAY] = alipay

    def outcomes(self) -> dict[str, Outcome | None]:
        """How each configured platform's last call ended (``/readyz``, no call made)."""
        found: dict[str, Outcome | None] = {}
        for exchange in self._exchanges.values():
            found |= exchange.outcomes()
        return found

    async def aclose(self) -> None:
        """Close every platform's HTTP connections (at shutdown)."""
        for exchange in self._exchanges.values():
            await exchange.aclose()

    async def open_id(self, platform: MiniProgramPlatform, code: str) -> str:
        """The user's openid on ``platform``."""
        exchange = self._exchanges.get(platform)
        if exchange is None:
            logger.warning("identity.mini_program.platform_not_configured platform=%s", platform)
            raise InvalidMiniProgramCode(field="code")
        return await exchange.open_id(code)

"""Local fakes of Tencent FaceID, WeChat and Alipay at the HTTP layer, served by uvicorn.

Each fake checks requests the way the vendor documents it, with its own code (never
the adapter's): FaceID recomputes the TC3-HMAC-SHA256 signature, Alipay verifies the
RSA2 request signature and signs its answers. Knobs reproduce the failures the
adapters must survive (rate limiting, slow, truncated, non-JSON, oversized answers).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.main import create_app
from app.settings import Settings
from demo.providers import demo_providers
from devstack.servers import free_port
from tests.conftest import _drop_test_data

_AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z]+)"
    r"/tc3_request, SignedHeaders=content-type;host, Signature=(?P<signature>[0-9a-f]{64})"
)


MEDIA_MARK = b"\xff\xd8\xff\xe0 JFIF face of the citizen, frame 0001"
"""The bytes of the photo (and video) FaceID would send: searched for in storage."""


def rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    """PKCS#8 PEM of ``key``."""
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    """SubjectPublicKeyInfo PEM of ``key``'s public half."""
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


@contextlib.asynccontextmanager
async def serve(app: Starlette) -> AsyncIterator[str]:
    """``app`` on a free local port for the block; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


class Misbehaviour:
    """What a fake does instead of answering properly (``None``: answers properly)."""

    def __init__(self) -> None:
        self.mode: str | None = None
        self.delay_seconds = 0.0
        self.url = ""
        """Where the fake is served (set by the test)."""

    async def instead(self) -> Response | None:
        """The misbehaving answer, after any delay."""
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.mode == "truncated":
            return Response(
                b'{"Response": {"Text": {"ErrCode": 0, "LiveSta', media_type="text/json"
            )
        if self.mode == "not_json":
            return Response(b"<html>502 Bad Gateway</html>", media_type="text/html")
        if self.mode == "oversize":
            return Response(b'{"pad": "' + b"x" * 600_000 + b'"}', media_type="application/json")
        if self.mode == "server_error":
            return Response(b"", status_code=503)
        return None


class FakeFaceId(Misbehaviour):
    """Tencent FaceID 2018-03-01: DetectAuth, GetDetectInfoEnhanced, PhoneVerification."""

    def __init__(
        self, secret_id: str, secret_key: str, *, encryption_key: rsa.RSAPrivateKey | None = None
    ) -> None:
        super().__init__()
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.encryption_key = encryption_key
        self.checks: dict[str, dict[str, Any]] = {}
        self.phones: dict[str, tuple[str, str]] = {}
        self.phone_results: dict[str, str] = {}
        """Phone -> the result code the fake answers whatever the name (-11 busy, -12 limit)."""
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refused_signatures = 0
        self.serve_result_of: dict[str, str] = {}
        """BizToken -> another BizToken whose result the fake answers instead."""
        self.send_media = False
        """Answer the best frame and the video too, whatever ``InfoType`` asked for."""
        self.app = Starlette(routes=[Route("/", self._endpoint, methods=["POST"])])

    def finish(
        self, biz_token: str, *, live: int = 0, compare: int = 0, similarity: str = "92.31"
    ) -> None:
        """The citizen ran the capture for ``biz_token`` with this outcome."""
        check = self.checks[biz_token]
        check["text"] = {
            "ErrCode": 0 if (live, compare) == (0, 0) else 1001,
            "ErrMsg": "成功",
            "IdCard": check["IdCard"],
            "Name": check["Name"],
            "LiveStatus": live,
            "LiveMsg": "成功" if live == 0 else "活体检测不通过",
            "Comparestatus": compare,
            "Comparemsg": "成功" if compare == 0 else "比对不通过",
            "Sim": similarity,
            "Extra": check["Extra"],
            "LivenessDetail": [],
        }

    def calls_of(self, action: str) -> list[dict[str, Any]]:
        """The (decrypted) parameters of every call of ``action``, in order."""
        return [params for name, params in self.calls if name == action]

    def _signature_problem(self, request: Request, body: bytes) -> str | None:
        match = _AUTHORIZATION.fullmatch(request.headers.get("authorization", ""))
        if match is None or match["id"] != self.secret_id or match["service"] != "faceid":
            return "AuthFailure.SignatureFailure"
        timestamp = int(request.headers.get("x-tc-timestamp", "0"))
        if abs(time.time() - timestamp) > 300:
            return "AuthFailure.SignatureExpire"
        date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
        if date != match["date"]:
            return "AuthFailure.SignatureFailure"
        canonical = (
            f"POST\n/\n\ncontent-type:{request.headers['content-type'].strip().lower()}\n"
            f"host:{request.headers['host'].strip().lower()}\n\ncontent-type;host\n"
            f"{hashlib.sha256(body).hexdigest()}"
        )
        scope = f"{date}/faceid/tc3_request"
        hashed = hashlib.sha256(canonical.encode()).hexdigest()
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashed}"
        key = ("TC3" + self.secret_key).encode()
        for part in (date, "faceid", "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            return "AuthFailure.SignatureFailure"
        return None

    def _decrypt(self, params: dict[str, Any]) -> dict[str, Any]:
        encryption = params.get("Encryption")
        if encryption is None:
            return params
        assert self.encryption_key is not None, "encrypted request, but no key"
        data_key = self.encryption_key.decrypt(
            base64.b64decode(encryption["CiphertextBlob"]),
            rsa_padding.OAEP(
                mgf=rsa_padding.MGF1(algorithm=hashes.SHA1()),  # noqa: S303
                algorithm=hashes.SHA1(),  # noqa: S303
                label=None,
            ),
        )
        iv = encryption["Iv"].encode()
        assert len(iv) == 16
        assert encryption["Algorithm"] == "AES-256-CBC"
        plain = dict(params)
        for name in encryption["EncryptList"]:
            decryptor = Cipher(algorithms.AES(data_key), modes.CBC(iv)).decryptor()
            padded = decryptor.update(base64.b64decode(params[name])) + decryptor.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            plain[name] = (unpadder.update(padded) + unpadder.finalize()).decode()
        return plain

    async def _endpoint(self, request: Request) -> Response:
        body = await request.body()
        action = request.headers.get("x-tc-action", "")
        if (problem := self._signature_problem(request, body)) is not None:
            self.refused_signatures += 1
            return _tc_error(problem, "signature refused")
        raw_params = json.loads(body)
        params = self._decrypt(raw_params)
        self.calls.append((action, params | {"_raw": raw_params}))
        if (instead := await self.instead()) is not None:
            return instead
        if self.mode == "rate_limited":
            return _tc_error("RequestLimitExceeded", "请求的次数超过了频率限制")
        if action == "DetectAuth":
            biz_token = str(secrets.token_hex(16)).upper()
            self.checks[biz_token] = {
                "IdCard": params["IdCard"],
                "Name": params["Name"],
                "Extra": params.get("Extra", ""),
                "text": None,
            }
            return _tc_ok(
                {
                    "Url": f"https://h5.faceid.qq.com/api/web/index?token={biz_token}",
                    "BizToken": biz_token,
                }
            )
        if action == "GetDetectInfoEnhanced":
            assert params.get("InfoType") == "1", "photos or video asked for"
            token = self.serve_result_of.get(params["BizToken"], params["BizToken"])
            check = self.checks.get(token)
            if check is None:
                return _tc_error("InvalidParameterValue.BizTokenIllegal", "BizToken 不合法")
            answer: dict[str, Any] = {"Text": check["text"] or {"ErrCode": None}}
            if self.send_media:
                answer |= {
                    "BestFrame": {"BestFrame": base64.b64encode(MEDIA_MARK).decode()},
                    "VideoData": {"LivenessVideo": base64.b64encode(MEDIA_MARK * 4).decode()},
                }
            return _tc_ok(answer)
        if action == "PhoneVerification":
            if (forced := self.phone_results.get(params["Phone"])) is not None:
                return _tc_ok({"Result": forced, "Description": "", "Isp": ""})
            known = self.phones.get(params["Phone"])
            result = (
                "-9"
                if known is None
                else "0"
                if known == (params["Name"], params["IdCard"])
                else "-4"
            )
            return _tc_ok({"Result": result, "Description": "", "Isp": "移动"})
        return _tc_error("InvalidAction", action)


def _tc_ok(payload: dict[str, Any]) -> Response:
    return JSONResponse({"Response": payload | {"RequestId": secrets.token_hex(8)}})


def _tc_error(code: str, message: str) -> Response:
    return JSONResponse(
        {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r"}}
    )


class FakeWeChat(Misbehaviour):
    """WeChat ``GET /sns/jscode2session``: each js_code works once."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        super().__init__()
        self.app_id = app_id
        self.app_secret = app_secret
        self.codes: dict[str, str] = {}
        self.used: set[str] = set()
        self.requests = 0
        self.app = Starlette(routes=[Route("/sns/jscode2session", self._exchange)])

    def issue_code(self, open_id: str) -> str:
        """A login code (``wx.login``) for the user ``open_id``."""
        code = secrets.token_hex(16)
        self.codes[code] = open_id
        return code

    async def _exchange(self, request: Request) -> Response:
        self.requests += 1
        query = request.query_params
        if (instead := await self.instead()) is not None:
            return instead
        if self.mode == "rate_limited":
            return _wechat({"errcode": 45011, "errmsg": "api minute-quota reach limit"})
        if query.get("appid") != self.app_id or query.get("secret") != self.app_secret:
            return _wechat({"errcode": 40125, "errmsg": "invalid appsecret"})
        if query.get("grant_type") != "authorization_code":
            return _wechat({"errcode": 40002, "errmsg": "invalid grant_type"})
        code = query.get("js_code", "")
        if code in self.used:
            return _wechat({"errcode": 40163, "errmsg": "code been used"})
        open_id = self.codes.pop(code, None)
        if open_id is None:
            return _wechat({"errcode": 40029, "errmsg": "invalid code"})
        self.used.add(code)
        return _wechat(
            {
                "openid": open_id,
                "session_key": base64.b64encode(secrets.token_bytes(16)).decode(),
                "unionid": "u" + open_id,
            }
        )


def _wechat(payload: dict[str, Any]) -> Response:
    # WeChat labels its JSON text/plain.
    return Response(json.dumps(payload), media_type="text/plain")


class FakeAlipay(Misbehaviour):
    """Alipay's gateway for ``alipay.system.oauth.token``, RSA2 both ways."""

    def __init__(self, app_id: str, app_public_key: rsa.RSAPublicKey) -> None:
        super().__init__()
        self.app_id = app_id
        self.app_public_key = app_public_key
        self.alipay_key = rsa_key()
        self.signing_key = self.alipay_key
        """The key answers are signed with (tests swap in another to forge)."""
        self.codes: dict[str, str] = {}
        self.used: set[str] = set()
        self.refused_signatures = 0
        self.requests = 0
        self.app = Starlette(routes=[Route("/gateway.do", self._gateway, methods=["POST"])])

    def issue_code(self, open_id: str) -> str:
        """An auth code (``my.getAuthCode``) for the user ``open_id``."""
        code = secrets.token_hex(16)
        self.codes[code] = open_id
        return code

    def _request_signed(self, form: dict[str, str]) -> bool:
        content = "&".join(
            f"{key}={form[key]}" for key in sorted(form) if key != "sign" and form[key]
        )
        try:
            self.app_public_key.verify(
                base64.b64decode(form.get("sign", "")),
                content.encode(),
                rsa_padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:
            return False
        return True

    def _answer(self, node: str, payload: dict[str, Any]) -> Response:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        signature = self.signing_key.sign(text.encode(), rsa_padding.PKCS1v15(), hashes.SHA256())
        sign = base64.b64encode(signature).decode()
        return Response(
            f'{{"{node}":{text},"sign":"{sign}"}}', media_type="application/json;charset=utf-8"
        )

    def _error(self, sub_code: str, sub_msg: str) -> Response:
        return self._answer(
            "error_response",
            {"code": "40002", "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": sub_msg},
        )

    async def _gateway(self, request: Request) -> Response:
        self.requests += 1
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        if (instead := await self.instead()) is not None:
            return instead
        if not self._request_signed(form) or form.get("app_id") != self.app_id:
            self.refused_signatures += 1
            return self._error("isv.invalid-signature", "验签出错")
        if self.mode == "rate_limited":
            return self._error("isv.app-call-limited", "调用频率超限")
        if form.get("method") != "alipay.system.oauth.token":
            return self._error("isv.invalid-method", form.get("method", ""))
        code = form.get("code", "")
        open_id = self.codes.pop(code, None)
        if open_id is None:
            return self._error("isv.code-invalid", "授权码code无效")
        self.used.add(code)
        return self._answer(
            "alipay_system_oauth_token_response",
            {
                "open_id": open_id,
                "access_token": "authusrB" + secrets.token_hex(8),
                "expires_in": "1296000",
                "refresh_token": "authusrB" + secrets.token_hex(8),
                "re_expires_in": "2592000",
                "auth_start": "2026-12-02 10:00:00",
            },
        )


@contextlib.asynccontextmanager
async def app_with_vendors(
    settings: Settings,
    folder: Path,
    *,
    faceid: FakeFaceId | None = None,
    wechat: FakeWeChat | None = None,
    alipay: tuple[FakeAlipay, rsa.RSAPrivateKey] | None = None,
) -> AsyncIterator[FastAPI]:
    """The app (demo registers, development SMS) with the real identity adapters pointed at
    the given fakes through the settings alone, credentials in files under ``folder``."""
    changes: dict[str, Any] = {"data_dir": folder}
    if faceid is not None:
        (folder / "faceid-secret-key").write_text(faceid.secret_key + "\n")
        changes |= {
            "liveness_provider": "tencent-faceid",
            "carrier_check_provider": "tencent-faceid",
            "faceid_endpoint": faceid.url,
            "faceid_secret_id": faceid.secret_id,
            "faceid_secret_key_file": folder / "faceid-secret-key",
            "faceid_rule_id": "1",
        }
        if faceid.encryption_key is not None:
            (folder / "faceid-public.pem").write_bytes(public_pem(faceid.encryption_key))
            changes["faceid_encryption_key_file"] = folder / "faceid-public.pem"
    if wechat is not None or alipay is not None:
        changes["mini_program_provider"] = "platforms"
    if wechat is not None:
        (folder / "wechat-secret").write_text(wechat.app_secret)
        changes |= {
            "wechat_endpoint": wechat.url,
            "wechat_app_id": wechat.app_id,
            "wechat_app_secret_file": folder / "wechat-secret",
        }
    if alipay is not None:
        fake, app_key = alipay
        (folder / "alipay-app.pem").write_bytes(private_pem(app_key))
        (folder / "alipay-public.pem").write_bytes(public_pem(fake.alipay_key))
        changes |= {
            "alipay_endpoint": fake.url + "/gateway.do",
            "alipay_app_id": fake.app_id,
            "alipay_private_key_file": folder / "alipay-app.pem",
            "alipay_public_key_file": folder / "alipay-public.pem",
        }
    changed = Settings(_env_file=None, **(settings.model_dump() | changes))
    application = create_app(changed, providers=demo_providers)
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        await _drop_test_data(settings)

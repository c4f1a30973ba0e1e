"""Builds identity's real vendor adapters (Tencent FaceID, WeChat, Alipay) from the settings.

Credentials are read from files at start-up; a real provider named in the settings
with a credential missing stops the start (:class:`StartupError`), in every
environment, since it could never work.
"""

from __future__ import annotations

from pathlib import Path

from app.resources import Resources, StartupError
from app.settings import Settings
from identity.adapters.carrier import CarrierRealNameCheck
from identity.adapters.faceid import (
    SERVICE,
    VERSION,
    FaceIdLiveness,
    FaceIdPhoneVerification,
    SensitiveFields,
)
from identity.adapters.liveness import LivenessProvider
from identity.adapters.mini_program import MiniProgramProvider
from identity.adapters.mini_program_platforms import (
    AlipayCodeExchange,
    PlatformMiniProgram,
    WeChatCodeExchange,
)
from identity.adapters.tencent_cloud import Credential, TencentCloudApi
from infra.crypto import derive_key


def _read(path: Path | None, setting: str) -> bytes:
    if path is None:
        raise StartupError(f"{setting} is not set")
    try:
        return path.read_bytes().strip()
    except OSError as error:
        raise StartupError(f"{setting} {path} cannot be read: {error.strerror}") from None


def wechat_app_secret(settings: Settings) -> str:
    """The mini-program's AppSecret, read from ``SZ_WECHAT_APP_SECRET_FILE``.

    One secret for the one app: its sign-in and its subscription messages both use it.
    """
    return _read(settings.wechat_app_secret_file, "SZ_WECHAT_APP_SECRET_FILE").decode()


def _faceid_api(settings: Settings) -> TencentCloudApi:
    if not settings.faceid_secret_id:
        raise StartupError("SZ_FACEID_SECRET_ID is not set")
    secret_key = _read(settings.faceid_secret_key_file, "SZ_FACEID_SECRET_KEY_FILE").decode()
    return TencentCloudApi(
        Credential(settings.faceid_secret_id, secret_key),
        service=SERVICE,
        version=VERSION,
        endpoint=settings.faceid_endpoint,
        timeout_seconds=settings.identity_vendor_timeout_seconds,
    )


def _faceid_encryption(settings: Settings) -> SensitiveFields | None:
    if settings.faceid_encryption_key_file is None:
        return None
    try:
        return SensitiveFields(
            _read(settings.faceid_encryption_key_file, "SZ_FACEID_ENCRYPTION_KEY_FILE")
        )
    except ValueError as error:
        raise StartupError(f"SZ_FACEID_ENCRYPTION_KEY_FILE: {error}") from None


def faceid_liveness(resources: Resources) -> LivenessProvider | None:
    """FaceID DetectAuth when ``SZ_LIVENESS_PROVIDER=tencent-faceid``, else ``None``."""
    settings = resources.settings
    if settings.liveness_provider != "tencent-faceid":
        return None
    if not settings.faceid_rule_id:
        raise StartupError("SZ_FACEID_RULE_ID is not set")
    return FaceIdLiveness(
        _faceid_api(settings),
        rule_id=settings.faceid_rule_id,
        similarity_threshold=settings.faceid_similarity_threshold,
        binding_key=derive_key(settings.secret_key.get_secret_value().encode(), "faceid-extra/v1"),
        encryption=_faceid_encryption(settings),
        redirect_url=settings.faceid_redirect_url,
    )


def faceid_carrier_check(resources: Resources) -> CarrierRealNameCheck | None:
    """FaceID PhoneVerification when ``SZ_CARRIER_CHECK_PROVIDER=tencent-faceid``."""
    settings = resources.settings
    if settings.carrier_check_provider != "tencent-faceid":
        return None
    return FaceIdPhoneVerification(_faceid_api(settings), encryption=_faceid_encryption(settings))


def platform_mini_program(resources: Resources) -> MiniProgramProvider | None:
    """WeChat and Alipay when ``SZ_MINI_PROGRAM_PROVIDER=platforms`` (at least one set up)."""
    settings = resources.settings
    if settings.mini_program_provider != "platforms":
        return None
    timeout = settings.identity_vendor_timeout_seconds
    wechat = alipay = None
    if settings.wechat_app_id:
        wechat = WeChatCodeExchange(
            settings.wechat_app_id,
            wechat_app_secret(settings),
            endpoint=settings.wechat_endpoint,
            timeout_seconds=timeout,
        )
    if settings.alipay_app_id:
        try:
            alipay = AlipayCodeExchange(
                settings.alipay_app_id,
                _read(settings.alipay_private_key_file, "SZ_ALIPAY_PRIVATE_KEY_FILE"),
                _read(settings.alipay_public_key_file, "SZ_ALIPAY_PUBLIC_KEY_FILE"),
                endpoint=settings.alipay_endpoint,
                timeout_seconds=timeout,
            )
        except ValueError as error:
            raise StartupError(f"SZ_ALIPAY_*_KEY_FILE: {error}") from None
    if wechat is None and alipay is None:
        raise StartupError(
            "SZ_MINI_PROGRAM_PROVIDER=platforms needs SZ_WECHAT_APP_ID or SZ_ALIPAY_APP_ID"
        )
    return PlatformMiniProgram(wechat=wechat, alipay=alipay)

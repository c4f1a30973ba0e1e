"""One settings object, read from the environment (prefix ``SZ_``) and ``.env``."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.cors import DEVELOPMENT_ORIGINS, check_origin_pattern
from app.trusted_documents import MANIFEST_FILE, DocumentMode

_CREDENTIALS = re.compile(r"^([a-z][a-z0-9+.-]*://)[^@/]*@", re.IGNORECASE)

# Values that ship in the repository for the embedded default. Anything that is not
# a development or test run must replace each of them.
DEV_PLACEHOLDER_SECRETS = frozenset(
    {"zhuzhou-dev-secret", "zhuzhou-dev-secret-key-not-for-production", "change-me", ""}
)


EXCHANGE_URL_PLACEHOLDER = "https://exchange.placeholder.invalid"
"""Stands for the province's exchange endpoint until one is configured (refused in
staging and production)."""


class Environment(StrEnum):
    """Where the service runs; decides GraphiQL, introspection, secret and provider checks.

    ``staging`` and ``production`` are production-like: real secrets, an existing
    signing key, no GraphiQL or introspection, and only real providers (no
    development SMS, liveness, mini-program, register or department stand-in).
    """

    DEVELOPMENT = "development"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="SZ_", env_file=".env", extra="ignore", frozen=True, populate_by_name=True
    )

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("var")

    mongodb_url: SecretStr = Field(
        SecretStr("mongodb://127.0.0.1:27017/?directConnection=true"),
        validation_alias=AliasChoices("SZ_MONGODB_URL", "MONGODB_URL"),
    )
    mongodb_database: str = "smart_zhuzhou"
    mongodb_timeout_ms: int = Field(3000, ge=100)

    redis_url: SecretStr = Field(
        SecretStr("redis://127.0.0.1:6379/0"),
        validation_alias=AliasChoices("SZ_REDIS_URL", "REDIS_URL"),
    )
    redis_key_prefix: str = "sz:"
    redis_max_connections: int = Field(64, ge=1)
    redis_timeout_seconds: float = Field(2.0, gt=0)

    s3_endpoint_url: str | None = Field(
        None, validation_alias=AliasChoices("SZ_S3_ENDPOINT_URL", "S3_ENDPOINT_URL")
    )
    s3_region: str = "us-east-1"
    s3_bucket: str = "smart-zhuzhou"
    s3_access_key_id: str = "zhuzhou-dev"
    s3_secret_access_key: SecretStr = SecretStr("zhuzhou-dev-secret")
    s3_timeout_seconds: float = Field(5.0, gt=0)

    firebase_credentials_file: Path | None = None
    fcm_endpoint_url: str | None = Field(
        None,
        description="Another FCM host than Google's (the tests' and benchmark's local fake).",
    )
    device_stale_days: int = Field(
        60, ge=1, description="Push devices not seen for this many days are pruned."
    )
    # One WeChat mini-program: its AppID and AppSecret serve both its sign-in
    # (jscode2session) and its subscription messages (the access token that sends them).
    wechat_app_id: str | None = Field(
        None,
        description="The mini-program's AppID: WeChat sign-in and subscription messages are "
        "off without it.",
    )
    wechat_app_secret_file: Path | None = Field(
        None, description="File holding the mini-program's AppSecret (sign-in and messages)."
    )
    wechat_endpoint: str = Field(
        "https://api.weixin.qq.com", description="WeChat's API host (tests: a local fake)."
    )
    wechat_template_ids: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="Subscription message template id per notification category, a JSON "
        'object, e.g. {"cases": "tmpl-…"}.',
    )

    @field_validator("wechat_template_ids", mode="before")
    @classmethod
    def _parse_wechat_templates(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    notification_retry_base_seconds: float = Field(
        2.0, gt=0, description="First push retry after about this long (doubling, jittered)."
    )
    notification_max_attempts: int = Field(
        8, ge=1, description="Push attempts before a delivery is dead-lettered."
    )
    notification_lease_seconds: float = Field(
        60.0, gt=0, description="A worker's hold on an event or a delivery it is sending."
    )

    secret_key: SecretStr = Field(
        SecretStr("zhuzhou-dev-secret-key-not-for-production"),
        description="Master secret (32+ characters): keyed hashes, field encryption, OTP "
        "hashing and development-provider keys are derived from it.",
    )
    jwt_issuer: str = "https://api.smart.zhuzhou.gov.cn"
    jwt_audience: str = "smart-zhuzhou-app"
    jwt_signing_key_file: Path | None = Field(
        None, description="PEM Ed25519 private key; development generates one under data_dir."
    )
    jwt_previous_public_key_files: list[Path] = Field(
        default_factory=list,
        description="PEM public keys of retired signing keys, still published and accepted.",
    )
    seal_key_files: Annotated[dict[str, list[Path]], NoDecode] = Field(
        default_factory=dict,
        description="Electronic seal keys, a JSON object: department code -> list of key "
        "files. The first is the current private key, which seals; the others are previous "
        "keys (public or private), still published and accepted. PEM for Ed25519 and P-256, "
        "hex for SM2. Development generates missing keys under data_dir; staging and "
        "production refuse to start without them.",
    )

    @field_validator("seal_key_files", mode="before")
    @classmethod
    def _parse_seal_key_files(cls, value: object) -> object:
        # The environment gives a JSON object as text.
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    seal_departments: list[str] | None = Field(
        None,
        description="Departments that must have a seal key; unset: every department that "
        "issues some licence type.",
    )
    seal_algorithm: Literal["SM2-SM3", "EdDSA", "ES256"] = Field(
        "SM2-SM3", description="The algorithm of the seal keys development generates."
    )
    access_token_ttl_seconds: int = Field(900, ge=60, le=3600)
    refresh_token_ttl_days: int = Field(30, ge=1, le=180)
    # One setting per provider. Only the development/demo stand-ins exist so far (the
    # providers issue adds the real adapters as further choices); staging and production
    # refuse to start with any stand-in wired, whatever is spelled here.
    sms_provider: Literal["development", "tencent", "aliyun", "tencent+aliyun"] = Field(
        "development",
        description="Sends sign-in codes and notices: 'tencent' (Tencent Cloud SMS), "
        "'aliyun' (Alibaba Cloud SMS), 'tencent+aliyun' (Tencent, and Alibaba when Tencent "
        "fails on its side), 'development' logs codes instead.",
    )
    sms_timeout_seconds: float = Field(
        3.0, gt=0, le=10, description="The whole budget of one SMS vendor call."
    )
    tencent_sms_endpoint: str = Field(
        "https://sms.tencentcloudapi.com", description="Tencent Cloud SMS API 3.0 endpoint."
    )
    tencent_sms_region: str = "ap-guangzhou"
    tencent_sms_secret_id: str = Field("", description="CAM API key SecretId (not secret).")
    tencent_sms_secret_key_file: Path | None = Field(
        None, description="File holding the CAM API key's SecretKey."
    )
    tencent_sms_sdk_app_id: str = Field("", description="SmsSdkAppId of the SMS application.")
    tencent_sms_sign_name: str = Field("", description="Approved signature (签名), e.g. 智慧株洲.")
    tencent_sms_templates: dict[str, str] = Field(
        default_factory=dict,
        description='Approved template ids, a JSON object: {"sign_in_code": "…"} (one '
        'parameter, the code) and one per notice, e.g. "identity_moved" (none).',
    )
    aliyun_sms_endpoint: str = Field(
        "https://dysmsapi.aliyuncs.com", description="Alibaba Cloud SMS (dysmsapi) endpoint."
    )
    aliyun_sms_region: str = "cn-hangzhou"
    aliyun_sms_access_key_id: str = Field("", description="RAM user AccessKey ID (not secret).")
    aliyun_sms_access_key_secret_file: Path | None = Field(
        None, description="File holding the RAM user's AccessKey secret."
    )
    aliyun_sms_sign_name: str = Field("", description="Approved signature (签名).")
    aliyun_sms_templates: dict[str, str] = Field(
        default_factory=dict,
        description='Approved template codes, a JSON object: {"sign_in_code": "SMS_…"} '
        "(variable ${code}) and one per notice (no variable).",
    )
    liveness_provider: Literal["development", "tencent-faceid"] = Field(
        "development",
        description="Face (liveness) checks: 'tencent-faceid' (DetectAuth, SZ_FACEID_*); "
        "'development' checks no face.",
    )
    mini_program_provider: Literal["development", "platforms"] = Field(
        "development",
        description="WeChat/Alipay login-code exchange: 'platforms' calls WeChat and Alipay "
        "(SZ_WECHAT_*, SZ_ALIPAY_*); 'development' accepts `dev-…` codes.",
    )
    carrier_check_provider: Literal["development", "tencent-faceid"] = Field(
        "development",
        description="Carrier three-factor check of the signed-in phone: 'tencent-faceid' "
        "(PhoneVerification, SZ_FACEID_*); 'development' answers from the demo register's "
        "contact phones.",
    )
    # Tencent Cloud FaceID (liveness and carrier check); credentials in files.
    faceid_endpoint: str = "https://faceid.tencentcloudapi.com"
    faceid_secret_id: str | None = Field(None, description="CAM SecretId (a sub-account's).")
    faceid_secret_key_file: Path | None = Field(None, description="File holding the SecretKey.")
    faceid_rule_id: str | None = Field(None, description="DetectAuth RuleId (FaceID console).")
    faceid_redirect_url: str | None = Field(
        None, description="Where the web (H5) capture returns to; unset for SDK flows."
    )
    faceid_similarity_threshold: float = Field(
        80.0, ge=50, le=100, description="Minimum face similarity (0-100) for a pass."
    )
    faceid_encryption_key_file: Path | None = Field(
        None,
        description="FaceID's RSA public key (PEM): names, ID numbers and phones "
        "travel encrypted (Encryption parameter) when set.",
    )
    identity_vendor_timeout_seconds: float = Field(
        5.0, gt=0, le=30, description="Time budget of one FaceID/WeChat/Alipay call."
    )
    # Mini-program platforms: a platform left unset refuses its codes. (WeChat's
    # ``wechat_*`` settings above are shared with notifications.)
    alipay_endpoint: str = "https://openapi.alipay.com/gateway.do"
    alipay_app_id: str | None = None
    alipay_private_key_file: Path | None = Field(
        None, description="The application's RSA2 private key (PEM)."
    )
    alipay_public_key_file: Path | None = Field(
        None, description="Alipay's RSA2 public key (PEM), to verify answers."
    )
    # The data-sharing exchange: the registers and the departments' data sets.
    exchange_provider: Literal["embedded", "http"] = Field(
        "embedded",
        description="Where the registers and departments' data come from: 'http' the "
        "exchange service at SZ_EXCHANGE_URL (signed requests); 'embedded' the demo's "
        "copies inside the API's own database (development and tests only; staging and "
        "production refuse it).",
    )
    exchange_url: str = Field(
        EXCHANGE_URL_PLACEHOLDER,
        description="Base URL of the exchange (the province's endpoint in production; "
        "the default is a placeholder production refuses).",
    )
    exchange_client_id: str = Field(
        "smart-zhuzhou-api", description="Our client id at the exchange (not secret)."
    )
    exchange_client_key_file: Path | None = Field(
        None, description="File holding our client key at the exchange (32+ bytes)."
    )
    exchange_timeout_seconds: float = Field(
        2.0, gt=0, le=30, description="Time budget of one exchange read, retries included."
    )

    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Proxies (comma-separated IPs, or *) whose X-Forwarded-For is trusted.",
    )

    max_body_bytes: int = Field(256 * 1024, ge=1024)
    graphql_max_depth: int = Field(12, ge=2)
    graphql_max_aliases: int = Field(20, ge=1)
    graphql_max_tokens: int = Field(3000, ge=50)
    graphql_cache_size: int = Field(256, ge=1)
    graphql_documents: DocumentMode | None = Field(
        None,
        description="Which GraphQL documents run: 'allow' (trusted and ad-hoc) or "
        "'trusted-only' (the manifest's, by documentId; enterprise API clients acting "
        "for an enterprise keep ad-hoc queries). Unset: trusted-only in staging and "
        "production, allow in development and test.",
    )
    graphql_execution_plans: bool = Field(
        True,
        description="Run queries from compiled execution plans (app/execution); false runs "
        "every operation on graphql-core's generic executor, an operator's switch should a "
        "plan ever answer differently.",
    )
    graphql_documents_manifest: Path = Field(
        MANIFEST_FILE, description="The trusted documents (built by python -m app build-manifest)."
    )

    @property
    def document_mode(self) -> DocumentMode:
        """The document mode in force (``graphql_documents`` or the environment's)."""
        if self.graphql_documents is not None:
            return self.graphql_documents
        return DocumentMode.TRUSTED_ONLY if self.is_production_like else DocumentMode.ALLOW

    @property
    def is_production_like(self) -> bool:
        """True everywhere but development and test: secrets must be real there."""
        return self.environment in {Environment.STAGING, Environment.PRODUCTION}

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL is a development tool; it is never served in production."""
        return self.environment is Environment.DEVELOPMENT

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Self:
        if not self.is_production_like:
            return self
        problems = []
        if self.s3_secret_access_key.get_secret_value() in DEV_PLACEHOLDER_SECRETS:
            problems.append("SZ_S3_SECRET_ACCESS_KEY is missing or a development placeholder")
        if self.s3_access_key_id in {"zhuzhou-dev", ""}:
            problems.append("SZ_S3_ACCESS_KEY_ID is missing or a development placeholder")
        secret = self.secret_key.get_secret_value()
        if secret in DEV_PLACEHOLDER_SECRETS or len(secret) < 32:
            problems.append("SZ_SECRET_KEY is missing, a placeholder or shorter than 32 characters")
        if self.jwt_signing_key_file is None:
            problems.append("SZ_JWT_SIGNING_KEY_FILE is not set")
        if self.exchange_provider == "http" and self.exchange_url == EXCHANGE_URL_PLACEHOLDER:
            problems.append("SZ_EXCHANGE_URL is the placeholder: name the province's exchange")
        if problems:
            raise ValueError(
                f"refusing to start in {self.environment.value}: " + "; ".join(problems)
            )
        return self

    cors_origins: Annotated[list[str] | None, NoDecode] = Field(
        None,
        description="Browser origins allowed over HTTP (CORS) and WebSocket, comma-separated "
        "or a JSON list: exact (https://app.example.cn) or patterns (http://localhost:* any "
        "port, https://*.example.cn any subdomain). Unset: http://localhost:* and "
        "http://127.0.0.1:* in development, none elsewhere.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_cors_origins(cls, value: object) -> object:
        # The environment gives a string: a JSON list, or origins separated by commas.
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [part for part in value.split(",") if part.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_cors_origins(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [check_origin_pattern(origin) for origin in value]

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """The CORS/WebSocket origin patterns in force (``cors_origins`` or the default)."""
        if self.cors_origins is not None:
            return tuple(self.cors_origins)
        return DEVELOPMENT_ORIGINS if self.environment is Environment.DEVELOPMENT else ()

    # WebSocket (graphql-transport-ws) bounds, per API instance.
    ws_max_operations_per_connection: int = Field(
        10, ge=1, description="Operations (subscriptions) one WebSocket may run at once."
    )
    ws_max_connections_per_address: int = Field(
        32,
        ge=1,
        description="Open WebSockets per client address; generous because carrier NAT "
        "puts many phones behind one address.",
    )
    live_session_check_seconds: float = Field(
        30.0,
        gt=0,
        le=60,
        description="How often live subscriptions check that their session is still signed "
        "in (a revoked or signed-out session's subscriptions end within this time).",
    )


def redact_url(url: str) -> str:
    """The URL without user name or password, for messages and logs."""
    return _CREDENTIALS.sub(r"\1***@", url)

"""Access tokens (EdDSA JWTs with ``kid``) and the published key set (JWKS)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from identity.models import AssuranceLevel
from kit.lru import BoundedLru

ALGORITHM = "EdDSA"
LEEWAY_SECONDS = 5
"""Clock skew allowed on ``exp``."""
VERIFIED_KEPT = 10_000
"""Tokens whose signature and claims were checked, kept so a client's next requests with
the same token skip the signature check (only its expiry is checked again)."""


def key_id(public_key: Ed25519PublicKey) -> str:
    """The RFC 7638 thumbprint of an Ed25519 public key: a stable ``kid``."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    return (
        base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")
    )


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """Read a PEM Ed25519 private key, creating one (mode 0600) when the file is missing.

    Only development uses the "create" half; production names an existing file.
    """
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Read a PEM Ed25519 public key (a retired signing key still accepted)."""
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} does not hold an Ed25519 public key")
    return key


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified content of an access token."""

    subject: str
    session_id: str
    level: AssuranceLevel
    methods: tuple[str, ...]
    token_id: str
    expires_at: datetime


class TokenError(Exception):
    """An access token that must not be accepted; ``reason`` is EXPIRED or INVALID."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AccessTokens:
    """Issues and verifies access tokens; verification pins algorithm, issuer, audience."""

    def __init__(
        self,
        signing_key: Ed25519PrivateKey,
        *,
        issuer: str,
        audience: str,
        ttl: timedelta,
        previous_keys: tuple[Ed25519PublicKey, ...] = (),
    ) -> None:
        self._signing_key = signing_key
        self.kid = key_id(signing_key.public_key())
        self._verify_keys = {self.kid: signing_key.public_key()} | {
            key_id(k): k for k in previous_keys
        }
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl
        self._verified: BoundedLru[str, tuple[AccessClaims, int]] = BoundedLru(VERIFIED_KEPT)

    def issue(
        self,
        *,
        subject: str,
        session_id: str,
        level: AssuranceLevel,
        methods: tuple[str, ...],
        now: datetime | None = None,
    ) -> tuple[str, datetime]:
        """A signed access token and its expiry."""
        now = now or datetime.now(UTC)
        expires_at = now + self.ttl
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "sid": session_id,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": uuid.uuid4().hex,
            "acr": str(int(level)),
            "amr": list(methods),
        }
        token = jwt.encode(
            claims, self._signing_key, algorithm=ALGORITHM, headers={"kid": self.kid}
        )
        return token, expires_at

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid token, or :class:`TokenError`.

        A token verified before (the same text: signature, issuer, audience and claims
        checked then, none of which can change) is only checked for expiry again, as
        PyJWT checks it. About a fifth of a millisecond of Ed25519 and PyJWT per request
        on a client's every call after its first with a token.
        """
        known = self._verified.get(token)
        if known is not None:
            claims_kept, expires = known
            if expires <= time.time() - LEEWAY_SECONDS:
                raise TokenError("EXPIRED")
            return claims_kept
        verified = self._verify(token)
        self._verified.put(token, (verified, int(verified.expires_at.timestamp())))
        return verified

    def _verify(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
            key = self._verify_keys.get(str(header.get("kid")))
            if key is None:
                raise TokenError("INVALID")
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti", "acr", "amr"]},
                leeway=LEEWAY_SECONDS,
            )
            return AccessClaims(
                subject=str(claims["sub"]),
                session_id=str(claims["sid"]),
                level=AssuranceLevel(int(claims["acr"])),
                methods=tuple(str(m) for m in claims["amr"]),
                token_id=str(claims["jti"]),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        except jwt.ExpiredSignatureError as error:
            raise TokenError("EXPIRED") from error
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as error:
            raise TokenError("INVALID") from error

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public key set other city services verify our tokens with."""
        keys = []
        for kid, public_key in self._verify_keys.items():
            jwk: dict[str, Any] = OKPAlgorithm.to_jwk(public_key, as_dict=True)
            keys.append(jwk | {"kid": kid, "alg": ALGORITHM, "use": "sig"})
        return {"keys": keys}

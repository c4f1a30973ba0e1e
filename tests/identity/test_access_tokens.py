"""Access tokens verified once: a token seen before skips its signature check, never its
expiry, and no other text is taken for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from identity.models import AssuranceLevel
from identity.tokens import LEEWAY_SECONDS, AccessTokens, TokenError

TTL = timedelta(minutes=15)


def _tokens() -> AccessTokens:
    return AccessTokens(Ed25519PrivateKey.generate(), issuer="iss", audience="aud", ttl=TTL)


def _issued(tokens: AccessTokens, *, now: datetime | None = None) -> tuple[str, datetime]:
    return tokens.issue(
        subject="acc_1", session_id="ses_1", level=AssuranceLevel.PHONE, methods=("sms",), now=now
    )


def _refuse_decoding(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the signature was checked again")


def test_a_token_verified_before_is_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = _tokens()
    token, _ = _issued(tokens)
    first = tokens.verify(token)
    monkeypatch.setattr(jwt, "decode", _refuse_decoding)
    assert tokens.verify(token) == first
    assert first.subject == "acc_1"
    assert first.session_id == "ses_1"


def test_another_text_is_checked_even_after_its_genuine_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tokens = _tokens()
    token, _ = _issued(tokens)
    tokens.verify(token)
    head, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(TokenError) as refused:
        tokens.verify(f"{head}.{payload}.{flipped}")
    assert refused.value.reason == "INVALID"
    with pytest.raises(TokenError):
        tokens.verify(token + " ")


def test_a_remembered_token_expires_as_pyjwt_would(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = _tokens()
    token, expires_at = _issued(tokens, now=datetime.now(UTC) - TTL + timedelta(minutes=1))
    tokens.verify(token)
    expiry = expires_at.timestamp()
    monkeypatch.setattr("identity.tokens.time.time", lambda: expiry + LEEWAY_SECONDS - 1)
    assert tokens.verify(token).subject == "acc_1"
    monkeypatch.setattr("identity.tokens.time.time", lambda: expiry + LEEWAY_SECONDS)
    with pytest.raises(TokenError) as refused:
        tokens.verify(token)
    assert refused.value.reason == "EXPIRED"
    # PyJWT, asked afresh at that moment, says the same
    fresh = _tokens()
    monkeypatch.setattr(jwt.api_jwt, "datetime", _FrozenDatetime.at(expiry + LEEWAY_SECONDS))
    with pytest.raises(TokenError) as also:
        fresh.verify(_reissued(fresh, token))
    assert also.value.reason == "EXPIRED"


class _FrozenDatetime(datetime):
    frozen: float = 0.0

    @classmethod
    def at(cls, timestamp: float) -> type[_FrozenDatetime]:
        return type("FrozenAt", (cls,), {"frozen": timestamp})

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return datetime.fromtimestamp(cls.frozen, tz)


def _reissued(tokens: AccessTokens, token: str) -> str:
    """The same claims, signed by ``tokens`` (so it has never been verified there)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    key = tokens._signing_key
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": tokens.kid})

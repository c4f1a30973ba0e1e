"""Request signatures of the data exchange's clients (HMAC-SHA256 over the request).

Each request carries four headers: the client id, a timestamp (Unix seconds), a nonce
(random, never reused) and a signature: HMAC-SHA256 with the client's key over::

    METHOD \\n TARGET \\n TIMESTAMP \\n NONCE \\n hex(SHA-256(body))

where TARGET is the path and query exactly as sent. The exchange recomputes it, allows
a clock skew of :data:`MAX_SKEW_SECONDS` either way and refuses a nonce it has seen
(it keeps them a little longer than the skew window), so a captured request can be
neither altered nor replayed. The key never travels; it is read from a secret file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

CLIENT_HEADER = "X-Exchange-Client"
TIMESTAMP_HEADER = "X-Exchange-Timestamp"
NONCE_HEADER = "X-Exchange-Nonce"
SIGNATURE_HEADER = "X-Exchange-Signature"
MAX_SKEW_SECONDS = 300
"""How far a request's timestamp may be from the exchange's clock, either way."""
MIN_KEY_BYTES = 32


class UnreadableClientKey(ValueError):
    """The client key file is missing, unreadable or too short."""


def read_client_key(path: Path) -> bytes:
    """The client key in ``path`` (text, surrounding whitespace dropped; 32+ bytes)."""
    try:
        key = path.read_bytes().strip()
    except OSError as error:
        raise UnreadableClientKey(f"{path}: {type(error).__name__}") from None
    if len(key) < MIN_KEY_BYTES:
        raise UnreadableClientKey(f"{path}: shorter than {MIN_KEY_BYTES} bytes")
    return key


def new_client_key() -> str:
    """A fresh random client key, as the key file holds it."""
    return secrets.token_urlsafe(48)


def canonical_request(method: str, target: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The text both sides sign."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), target, timestamp, nonce, digest]).encode()


def signature(key: bytes, canonical: bytes) -> str:
    """The base64url HMAC-SHA256 of ``canonical`` under ``key``."""
    mac = hmac.new(key, canonical, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class ExchangeSigner:
    """Signs requests as one client of the exchange (a :class:`~infra.http_get.RequestSigner`)."""

    client_id: str
    key: bytes
    clock: Callable[[], float] = time.time

    def headers(self, method: str, target: str, body: bytes) -> Mapping[str, str]:
        """The four signature headers, with a fresh timestamp and nonce."""
        timestamp = str(int(self.clock()))
        nonce = secrets.token_urlsafe(18)
        canonical = canonical_request(method, target, timestamp, nonce, body)
        return {
            CLIENT_HEADER: self.client_id,
            TIMESTAMP_HEADER: timestamp,
            NONCE_HEADER: nonce,
            SIGNATURE_HEADER: signature(self.key, canonical),
        }


class SignatureRefused(Exception):
    """Why the exchange refuses a request's signature (a short, fixed reason)."""


@dataclass(frozen=True, slots=True)
class VerifiedRequest:
    """A request whose signature checked out: who sent it and its nonce (to record)."""

    client_id: str
    nonce: str
    timestamp: int


def verify(
    keys: Mapping[str, bytes],
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    max_skew_seconds: int = MAX_SKEW_SECONDS,
) -> VerifiedRequest:
    """Check a request's signature against the clients' ``keys``; the caller records the nonce.

    Raises :class:`SignatureRefused` naming the reason (unsigned, unknown client, stale
    timestamp, bad signature). Replay is refused by the caller, which stores nonces.
    """
    client_id = headers.get(CLIENT_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    nonce = headers.get(NONCE_HEADER)
    given = headers.get(SIGNATURE_HEADER)
    if not client_id or not timestamp or not nonce or not given:
        raise SignatureRefused("unsigned")
    if not timestamp.isdigit() or not 8 <= len(nonce) <= 64:
        raise SignatureRefused("malformed")
    key = keys.get(client_id)
    if key is None:
        raise SignatureRefused("unknown_client")
    if abs(now - int(timestamp)) > max_skew_seconds:
        raise SignatureRefused("stale_timestamp")
    expected = signature(key, canonical_request(method, target, timestamp, nonce, body))
    if not hmac.compare_digest(expected, given):
        raise SignatureRefused("bad_signature")
    return VerifiedRequest(client_id=client_id, nonce=nonce, timestamp=int(timestamp))

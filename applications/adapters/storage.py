"""Material files in the object store: presigned POST slots under ``incoming/``, and the
encrypted, verified files under ``materials/``.

The POST policy does the storage's half of the checks: the bucket, the exact key, the
exact content type and a size range, within the slot's expiry. Our server-side check
(:mod:`applications.services.uploads`) does them again, because not every S3 enforces
every condition and a policy never looks at the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from botocore.exceptions import ClientError

from infra.objectstore import ObjectStore


@dataclass(frozen=True, slots=True)
class PostSlot:
    """Where and how a client posts one file."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class StoredFile:
    """What the store holds under a key, without its bytes."""

    size: int
    content_type: str


ENCRYPTED_CONTENT_TYPE = "application/octet-stream"
"""How encrypted materials are stored: nothing about the file shows."""


class MaterialStorage:
    """One bucket's ``incoming/`` and ``materials/`` keys, over :class:`ObjectStore`."""

    def __init__(self, objects: ObjectStore) -> None:
        self._objects = objects

    def post_slot(self, key: str, *, content_type: str, max_bytes: int, ttl: timedelta) -> PostSlot:
        """A presigned POST of exactly ``key`` and ``content_type``, 1 to ``max_bytes`` long.

        Signed locally with the store's credentials (no request is sent).
        """
        signed = self._objects.presigned_post(
            key,
            fields={"Content-Type": content_type},
            conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
            ],
            expires_in_seconds=int(ttl.total_seconds()),
        )
        fields = {name: str(value) for name, value in signed["fields"].items()}
        return PostSlot(url=str(signed["url"]), fields=fields)

    async def stat(self, key: str) -> StoredFile | None:
        """Size and content type under ``key``, or ``None`` when nothing was stored."""
        head = await self._objects.head(key)
        if head is None:
            return None
        return StoredFile(size=head.size, content_type=head.content_type)

    async def read(self, key: str) -> bytes | None:
        """The bytes under ``key``, or ``None`` when nothing is stored there."""
        try:
            return await self._objects.get_bytes(key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
                return None
            raise

    async def write_sealed(self, key: str, sealed: bytes) -> None:
        """Store already-encrypted bytes under ``key``."""
        await self._objects.put_bytes(key, sealed, ENCRYPTED_CONTENT_TYPE)

    async def delete(self, key: str) -> None:
        """Delete ``key`` (no error when it is gone)."""
        await self._objects.delete(key)

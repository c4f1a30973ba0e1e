"""Object storage over any S3 (boto3), with its blocking calls kept off the event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True, slots=True)
class ObjectHead:
    """What the store says about an object without reading it."""

    size: int
    content_type: str


class ObjectStore:
    """One bucket of an S3 service; every call runs in a worker thread."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    @classmethod
    def connect(
        cls,
        *,
        endpoint_url: str | None,
        region: str,
        access_key_id: str,
        secret_access_key: str,
        bucket: str,
        timeout_seconds: float,
        max_pool_connections: int = 32,
    ) -> ObjectStore:
        """Build the client; no request is sent until the first call."""
        client: S3Client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=timeout_seconds,
                read_timeout=timeout_seconds,
                retries={"max_attempts": 2, "mode": "standard"},
                max_pool_connections=max_pool_connections,
            ),
        )
        return cls(client, bucket)

    async def _call(self, method: str, **kwargs: Any) -> Any:
        return await asyncio.to_thread(getattr(self._client, method), **kwargs)

    async def ping(self) -> None:
        """Raise unless the bucket is reachable with our credentials."""
        await self._call("head_bucket", Bucket=self.bucket)

    async def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist yet (idempotent)."""
        from botocore.exceptions import ClientError

        try:
            await self.ping()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket"}:
                raise
            await self._call("create_bucket", Bucket=self.bucket)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key``."""
        await self._call(
            "put_object", Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
        )

    async def get_bytes(self, key: str) -> bytes:
        """Read the object stored under ``key``."""
        response = await self._call("get_object", Bucket=self.bucket, Key=key)
        body = response["Body"]
        try:
            return await asyncio.to_thread(body.read)
        finally:
            body.close()

    async def head(self, key: str) -> ObjectHead | None:
        """The size and content type stored under ``key``, or ``None`` when nothing is."""
        from botocore.exceptions import ClientError

        try:
            response = await self._call("head_object", Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return ObjectHead(
            size=int(response["ContentLength"]), content_type=response.get("ContentType", "")
        )

    def presigned_post(
        self,
        key: str,
        *,
        fields: dict[str, str],
        conditions: list[Any],
        expires_in_seconds: int,
    ) -> dict[str, Any]:
        """A browser-style POST upload of ``key``: ``{"url": …, "fields": {…}}``.

        Signing is local (no request is sent), so it runs on the caller's thread. The
        policy holds ``conditions`` besides the bucket and key; ``fields`` are sent back
        by the client as they are.
        """
        signed: dict[str, Any] = self._client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields=fields,
            Conditions=conditions,
            ExpiresIn=expires_in_seconds,
        )
        return signed

    async def delete(self, key: str) -> None:
        """Delete ``key`` (no error when it is already gone)."""
        await self._call("delete_object", Bucket=self.bucket, Key=key)

    def close(self) -> None:
        """Release the client's connection pool."""
        self._client.close()

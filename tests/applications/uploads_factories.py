"""Test data for material uploads: a small catalogue item, files, and the real POST."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from applications.adapters.storage import MaterialStorage
from applications.models import Material, ServiceItem
from applications.repositories.catalogue import CatalogueRepository
from applications.repositories.uploads import UploadRepository
from applications.services.catalogue import CatalogueService
from applications.services.uploads import UploadService
from applications.uploads_models import MATERIAL_KEY_PURPOSE, UploadSlot
from infra.crypto import FieldCipher, derive_key
from kit.registry import ServiceRegistry
from kit.text import Localized
from tests.identity.verification_factories import resources_of

ITEM_CODE = "430200-TEST-UPLOAD-001"
SCAN = "scan"
OFD = "ofd-licence"
MAX_BYTES = 2048
"""Small enough that an over-size file is cheap to send."""

TEST_ITEM = ServiceItem(
    code=ITEM_CODE,
    name=Localized("上传测试事项", "Upload test item"),
    department_code="SCJG",
    legal_limit_days=20,
    committed_limit_days=5,
    steps=3,
    materials=(
        Material(
            SCAN,
            Localized("扫描件", "Scan"),
            ("application/pdf", "image/png", "image/jpeg"),
            MAX_BYTES,
        ),
        Material(OFD, Localized("版式文件", "OFD document"), ("application/ofd",), MAX_BYTES),
    ),
    form_fields=(),
)

SECRET_MARKER = "刘建军-ID-430202198001011234"
"""Personal data a test file carries: it must never rest in clear anywhere."""

PDF = f"%PDF-1.7\n% {SECRET_MARKER}\n1 0 obj << >> endobj\n%%EOF\n".encode()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + SECRET_MARKER.encode()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + SECRET_MARKER.encode()
NOT_A_PDF = f"<html>{SECRET_MARKER}</html>".encode()


def ofd(*, with_root: bool = True) -> bytes:
    """A minimal OFD package (a zip whose root holds ``OFD.xml``), or a plain zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("OFD.xml" if with_root else "other.xml", "<ofd:OFD/>")
    return buffer.getvalue()


def services_of(app: FastAPI) -> ServiceRegistry:
    """The app's shared services."""
    registry: ServiceRegistry = app.state.services
    return registry


def material_cipher(app: FastAPI) -> FieldCipher:
    """The materials' key, derived as the composition root derives it."""
    master = resources_of(app).settings.secret_key.get_secret_value().encode()
    return FieldCipher(derive_key(master, MATERIAL_KEY_PURPOSE))


async def add_test_item(app: FastAPI) -> None:
    """Put :data:`TEST_ITEM` in the app's catalogue."""
    await CatalogueRepository(resources_of(app).database).upsert_items([TEST_ITEM])


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self.now += delta


def upload_service(
    app: FastAPI, *, clock: Callable[[], datetime] | None = None, **options: Any
) -> UploadService:
    """An upload service over the app's database, bucket and key, with test options."""
    resources = resources_of(app)
    cipher = material_cipher(app)
    return UploadService(
        UploadRepository(resources.database, cipher),
        MaterialStorage(resources.objects),
        services_of(app).get(CatalogueService),
        cipher,
        clock=clock or (lambda: datetime.now(UTC)),
        **options,
    )


async def post_file(
    url: str, fields: dict[str, str], data: bytes, content_type: str
) -> httpx.Response:
    """POST ``data`` to the object store as a browser would: the fields, then the file."""
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(url, data=fields, files={"file": ("upload.bin", data, content_type)})


async def post_to_slot(slot: UploadSlot, data: bytes) -> httpx.Response:
    """POST ``data`` to a slot the service handed out, with its declared content type."""
    return await post_file(slot.url, slot.fields, data, slot.upload.content_type)

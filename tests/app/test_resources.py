"""The lifespan opens and closes every client, Firebase included when configured."""

from __future__ import annotations

import json
from pathlib import Path

import firebase_admin
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.resources import Resources, start_resources
from app.services import build_services
from app.settings import Settings
from demo.providers import demo_providers


def service_account_file(folder: Path) -> Path:
    """A syntactically valid service-account key (never sent anywhere)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = folder / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "smart-zhuzhou-test",
                "private_key_id": "test",
                "private_key": pem,
                "client_email": "push@smart-zhuzhou-test.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "http://127.0.0.1:9/token",
            }
        )
    )
    return path


async def test_firebase_app_opens_with_credentials_and_is_deleted_on_close(
    settings: Settings, tmp_path: Path
) -> None:
    configured = Settings(
        _env_file=None,
        **(settings.model_dump() | {"firebase_credentials_file": service_account_file(tmp_path)}),
    )
    resources = await start_resources(configured)
    try:
        assert resources.firebase is not None
        assert resources.firebase.project_id == "smart-zhuzhou-test"
        name = resources.firebase.name
        assert firebase_admin.get_app(name) is resources.firebase
    finally:
        await resources.close()
    assert name not in firebase_admin._apps


async def test_without_credentials_no_firebase_app_is_made(resources: Resources) -> None:
    assert resources.settings.firebase_credentials_file is None
    assert resources.firebase is None


async def test_indexes_are_created_idempotently(resources: Resources) -> None:
    # given the domains wired (their wiring hands over their repositories)
    build_services(resources, demo_providers(resources))
    # when the indexes are made twice
    await resources.ensure_indexes()
    await resources.ensure_indexes()
    # then the wired domains' indexes exist
    for collection, index in [
        ("departments", "kind_code"),
        ("record_access_log", "account_recent"),
        ("record_disputes", "account_newest"),
        ("exchange_legal_entities", "legal_representative_uscc"),
    ]:
        assert index in await resources.database[collection].index_information(), collection

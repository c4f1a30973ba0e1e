"""The ``me`` plug point: ``Me`` is assembled from each domain's mixin."""

from __future__ import annotations

import json
import subprocess
import sys

from app.graphql import build_schema
from resolvers.applications.me import ApplicationsMe
from resolvers.identity.me import IdentityMe
from resolvers.liferecord.me import LifeRecordMe
from resolvers.me import Me
from resolvers.wallet.me import WalletMe


def _public_fields(kind: type) -> list[str]:
    definition = kind.__strawberry_definition__  # type: ignore[attr-defined]
    return [
        field.python_name
        for field in definition.fields
        if field.python_name
        not in {
            "principal",
            "account",
        }
    ]


def test_me_has_each_domains_fields_identity_first() -> None:
    identity, life_record = _public_fields(IdentityMe), _public_fields(LifeRecordMe)
    assert identity == [
        "id",
        "phone_masked",
        "assurance_level",
        "real_name",
        "sessions",
        "acting_as",
        "officer_roles",
    ]
    assert life_record == ["life_record", "disputes", "access_log"]
    applications, wallet = _public_fields(ApplicationsMe), _public_fields(WalletMe)
    assert applications == ["applications"]
    assert _public_fields(Me) == identity + life_record + applications + wallet
    published = list(build_schema()._schema.type_map["Me"].fields)  # type: ignore[attr-defined]
    assert published == [
        "id",
        "phoneMasked",
        "assuranceLevel",
        "realName",
        "sessions",
        "actingAs",
        "officerRoles",
        "lifeRecord",
        "disputes",
        "accessLog",
        "applications",
        *[_camel(name) for name in wallet],
    ]


def _modules_loaded_by(module: str, prefix: str) -> list[str]:
    code = (
        f"import importlib, json, sys; importlib.import_module({module!r}); "
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefix!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    loaded: list[str] = json.loads(out)
    return loaded


def test_identity_and_life_record_resolvers_do_not_import_each_other() -> None:
    for module in ("resolvers.identity.me", "resolvers.identity.signin"):
        assert _modules_loaded_by(module, "resolvers.liferecord") == [], module
    for module in ("resolvers.liferecord.me", "resolvers.liferecord.disputes"):
        assert _modules_loaded_by(module, "resolvers.identity") == [], module


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)

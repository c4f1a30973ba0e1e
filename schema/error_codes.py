"""The ``ErrorCode`` enum, built from the codes the domains declare.

Each domain declares its failures (``<domain>/errors.py``, subclasses of
:class:`kit.errors.DomainError`), and with them their codes; nothing here lists them.
The enum holds the codes declared in the product's ``errors`` modules (each imported
here, so the enum never depends on what else was imported first), built once, when
this module is first imported: lazily, when the schema is built (``UserError.code``
refers to it through ``strawberry.lazy``) or an error is first answered (see
:func:`schema.payloads.error_code`).
"""

from __future__ import annotations

import importlib
import pkgutil
from enum import Enum
from pathlib import Path
from typing import Any

import strawberry

from kit.errors import error_codes

ROOT = Path(__file__).resolve().parents[1]
# Not domains: the layers above them, and what is not the product at all.
OUTSIDE = frozenset(
    {"app", "resolvers", "schema", "tests", "demo", "devstack", "bench", "scripts", "docs"}
)


def product_errors_modules() -> list[str]:
    """``<package>.errors`` of every top-level product package that has one, and kit's.

    Every domain declares its failures in its ``errors`` module (a test checks it), so
    importing these registers every code whatever else happens to be imported.
    """
    packages = [
        module.name
        for module in pkgutil.iter_modules([str(ROOT)])
        if module.ispkg and module.name not in OUTSIDE
    ]
    return sorted(
        f"{name}.errors"
        for name in packages
        if (ROOT / name / "errors.py").is_file() or (ROOT / name / "errors").is_dir()
    )


def _build() -> Any:
    modules = set(product_errors_modules())
    for name in sorted(modules):
        importlib.import_module(name)
    codes = error_codes(declared_in=modules.__contains__)
    members = {
        code: strawberry.enum_value(
            code, description=codes[code].description, deprecation_reason=codes[code].deprecation
        )
        for code in sorted(codes)
    }
    python_enum: Any = Enum("ErrorCode", members)  # type: ignore[misc]
    return strawberry.enum(
        python_enum, description="Machine-readable reason of an expected failure."
    )


ErrorCode = _build()

"""The ``ErrorCode`` enum, built from the codes the domains declare.

Each domain declares its failures (``<domain>/errors.py``, subclasses of
:class:`kit.errors.DomainError`), and with them their codes; nothing here lists them.
This module builds the enum when it is first imported, which happens lazily — when the
schema is built (``UserError.code`` refers to it through ``strawberry.lazy``) or an
error is first answered — after every resolver, and so every domain's errors, has been
imported. Import it only that way (see :func:`schema.payloads.error_code`).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from kit.errors import error_codes


def _build() -> Any:
    codes = error_codes()
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

"""Mini-program platforms (WeChat, Alipay): the provider interface and the development stand-in."""

from __future__ import annotations

import hashlib
from typing import Protocol

from identity.errors import InvalidMiniProgramCode
from identity.models import MiniProgramPlatform
from infra.providers import DevelopmentOnly


class MiniProgramProvider(Protocol):
    """Exchanges a mini-program login code for the user's stable id (WeChat ``code2session``)."""

    async def open_id(self, platform: MiniProgramPlatform, code: str) -> str:
        """The user's openid on ``platform``; raises :class:`InvalidMiniProgramCode`."""


class DevelopmentMiniProgram(DevelopmentOnly):
    """DEVELOPMENT ONLY — no platform is called.

    Accepts codes of the form ``dev-<anything>`` and derives a stable openid from them,
    so the demo and tests can play a returning mini-program user. Staging and
    production refuse to start with it wired.
    """

    label = "development mini-program sign-in (accepts any `dev-…` code, calls no platform)"

    async def open_id(self, platform: MiniProgramPlatform, code: str) -> str:
        """A deterministic fake openid for ``dev-`` codes."""
        if not code.startswith("dev-") or not 5 <= len(code) <= 128:
            raise InvalidMiniProgramCode(field="code")
        return "dev_" + hashlib.sha256(f"{platform}:{code}".encode()).hexdigest()[:28]

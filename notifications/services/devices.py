"""Device registration: push tokens of the citizen's phones and mini-program users."""

from __future__ import annotations

from datetime import timedelta

from notifications.errors import InvalidDeviceToken, UnsupportedPlatform
from notifications.models import Device
from notifications.repositories.devices import DeviceRepository
from notifications.services import Clock, utc_now

MAX_TOKEN_LENGTH = 4096
PUSH_PLATFORMS = frozenset({"android", "ios", "harmony", "wechat_mini_program"})
"""Platforms a push channel can reach (or will, for HarmonyOS vendor push)."""


class DeviceService:
    """Registers, refreshes and prunes devices."""

    def __init__(
        self, devices: DeviceRepository, *, stale_after: timedelta, clock: Clock = utc_now
    ) -> None:
        self._devices = devices
        self._stale_after = stale_after
        self._clock = clock

    async def register(
        self, account_id: str, *, token: str, platform: str, app_version: str, locale: str
    ) -> Device:
        """Add or refresh the device (its last-seen time is now)."""
        token = token.strip()
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidDeviceToken(field="token")
        if platform not in PUSH_PLATFORMS:
            raise UnsupportedPlatform(field="platform")
        return await self._devices.register(
            account_id,
            token=token,
            platform=platform,
            app_version=app_version.strip()[:32],
            locale="en" if locale.lower().startswith("en") else "zh-CN",
            now=self._clock(),
        )

    async def unregister(self, account_id: str, token: str) -> bool:
        """Forget the caller's device; ``False`` when the caller has no such device."""
        return await self._devices.unregister(account_id, token.strip())

    async def prune_stale(self) -> int:
        """Remove devices not seen for the stale period."""
        return await self._devices.prune(unseen_since=self._clock() - self._stale_after)

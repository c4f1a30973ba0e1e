"""``registerDevice`` and ``unregisterDevice``: push targets of the signed-in citizen."""

from __future__ import annotations

from typing import Annotated

import strawberry

from notifications.services.devices import DeviceService
from resolvers.context import Info
from resolvers.errors import ExpectedErrors
from resolvers.notifications.views import device_type
from resolvers.permissions import RequireLevel
from schema.identity import DevicePlatform
from schema.notifications import (
    DeviceRegistered,
    DeviceUnregistered,
    RegisterDevicePayload,
    UnregisterDevicePayload,
)


@strawberry.type
class DeviceMutation:
    """Device registration."""

    @strawberry.mutation(
        description="Register this device for push notifications (call on every app start: "
        "it refreshes the device's last-seen time; devices unseen for 60 days are dropped). "
        "`token` is the FCM registration token (Android, iOS) or the WeChat mini-program "
        "openid; `locale` chooses the language of pushes (`zh-CN` or `en`). A token "
        "registered by another account moves to yours.",
        extensions=[RequireLevel(), ExpectedErrors()],
    )
    async def register_device(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="Push token.")],
        platform: Annotated[DevicePlatform, strawberry.argument(description="Platform.")],
        app_version: Annotated[str, strawberry.argument(description="App version.")],
        locale: Annotated[str, strawberry.argument(description="`zh-CN` or `en`.")] = "zh-CN",
    ) -> RegisterDevicePayload:
        """Register a device."""
        principal = info.context.require_principal()
        device = await info.context.service(DeviceService).register(
            principal.account_id,
            token=token,
            platform=str(platform.value),
            app_version=app_version,
            locale=locale,
        )
        return DeviceRegistered(device=device_type(device))

    @strawberry.mutation(
        description="Stop push notifications to the device with this token (e.g. at sign-out).",
        extensions=[RequireLevel(), ExpectedErrors()],
    )
    async def unregister_device(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="Push token.")],
    ) -> UnregisterDevicePayload:
        """Unregister a device."""
        principal = info.context.require_principal()
        removed = await info.context.service(DeviceService).unregister(principal.account_id, token)
        return DeviceUnregistered(removed=removed)

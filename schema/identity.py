"""GraphQL types of sign-in, tokens and sessions."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from schema.common import LocalizedText
from schema.payloads import (
    AssuranceLevel,
    AuthenticationRequired,
    InvalidCode,
    InvalidInput,
    InvalidRefreshToken,
    NotFound,
    RateLimited,
    ServiceUnavailable,
)


@strawberry.enum(description="Where a client runs.")
class DevicePlatform(Enum):
    """Client platforms."""

    IOS = strawberry.enum_value("ios", description="iOS app.")
    ANDROID = strawberry.enum_value("android", description="Android app.")
    HARMONY = strawberry.enum_value("harmony", description="HarmonyOS app.")
    WECHAT_MINI_PROGRAM = strawberry.enum_value(
        "wechat_mini_program", description="WeChat mini-program."
    )
    ALIPAY_MINI_PROGRAM = strawberry.enum_value(
        "alipay_mini_program", description="Alipay mini-program."
    )
    KIOSK = strawberry.enum_value("kiosk", description="Self-service kiosk.")
    WEB = strawberry.enum_value("web", description="Web browser.")


@strawberry.enum(description="Super-app platforms that host our mini-programs.")
class MiniProgramPlatform(Enum):
    """Mini-program platforms."""

    WECHAT = strawberry.enum_value("wechat", description="WeChat (微信).")
    ALIPAY = strawberry.enum_value("alipay", description="Alipay (支付宝).")


@strawberry.input(description="The device a sign-in happens on, shown in the session list.")
class DeviceInput:
    """Client-described device."""

    name: str = strawberry.field(description="Human-readable name, 1–64 characters.")
    platform: DevicePlatform = strawberry.field(description="Client platform.")


@strawberry.type(description="Credentials of a session.")
class AuthTokens:
    """An access token for requests and a refresh token to renew it."""

    access_token: str = strawberry.field(
        description="Send as `Authorization: Bearer …`; short-lived (EdDSA JWT)."
    )
    access_token_expires_at: datetime = strawberry.field(description="When it expires (UTC).")
    refresh_token: str = strawberry.field(
        description="Use once with `refreshToken`; each use returns a new one."
    )
    refresh_token_expires_at: datetime = strawberry.field(
        description="When the session ends unless refreshed (UTC)."
    )
    session_id: str = strawberry.field(description="The session these tokens belong to.")


@strawberry.type(description="A code is on its way by SMS.")
class SignInCodeSent:
    """The code was sent."""

    phone_masked: str = strawberry.field(description="Where it went, e.g. `139****0001`.")
    expires_in_seconds: int = strawberry.field(description="How long the code is valid.")
    retry_after_seconds: int = strawberry.field(description="Wait before asking for another.")


@strawberry.type(description="Signed in: a new session.")
class SignedIn:
    """Sign-in succeeded."""

    tokens: AuthTokens = strawberry.field(description="The new session's tokens.")
    account_id: str = strawberry.field(description="The account signed in to.")
    assurance_level: AssuranceLevel = strawberry.field(description="Its current level.")


@strawberry.type(description="New tokens; the refresh token presented is now used up.")
class TokensRefreshed:
    """Refresh succeeded."""

    tokens: AuthTokens = strawberry.field(description="The rotated tokens.")


@strawberry.type(description="Sessions were ended.")
class SignedOut:
    """Sign-out succeeded."""

    sessions_ended: int = strawberry.field(description="How many sessions ended.")


@strawberry.type(description="A signed-in device.")
class Session:
    """One session of the caller's."""

    id: str = strawberry.field(description="Session id (for `revokeSession`).")
    device_name: str = strawberry.field(description="Device name given at sign-in.")
    platform: DevicePlatform = strawberry.field(description="Device platform.")
    created_at: datetime = strawberry.field(description="When it signed in.")
    last_used_at: datetime = strawberry.field(description="Last token refresh.")
    ip_masked: str = strawberry.field(description="Last address, host part hidden.")
    ip_region: LocalizedText = strawberry.field(description="Coarse region of that address.")
    current: bool = strawberry.field(description="True for the session making this request.")


@strawberry.type(
    description="This mini-program user is not linked yet: sign in with an SMS code, passing "
    "`linkTicket` as `signIn(miniProgramLinkTicket:)`; later sign-ins need no SMS."
)
class MiniProgramLinkRequired:
    """First mini-program sign-in."""

    link_ticket: str = strawberry.field(description="Single-use ticket for `signIn`.")
    expires_in_seconds: int = strawberry.field(description="How long the ticket is valid.")


RequestSignInCodePayload = Annotated[
    SignInCodeSent | InvalidInput | RateLimited | ServiceUnavailable,
    strawberry.union("RequestSignInCodePayload", description="Result of `requestSignInCode`."),
]
SignInPayload = Annotated[
    SignedIn | InvalidInput | InvalidCode | ServiceUnavailable,
    strawberry.union("SignInPayload", description="Result of `signIn`."),
]
SignInWithMiniProgramPayload = Annotated[
    SignedIn | MiniProgramLinkRequired | InvalidInput | ServiceUnavailable,
    strawberry.union(
        "SignInWithMiniProgramPayload", description="Result of `signInWithMiniProgram`."
    ),
]
RefreshTokenPayload = Annotated[
    TokensRefreshed | InvalidRefreshToken | ServiceUnavailable,
    strawberry.union("RefreshTokenPayload", description="Result of `refreshToken`."),
]
SignOutPayload = Annotated[
    SignedOut | AuthenticationRequired,
    strawberry.union("SignOutPayload", description="Result of `signOut`/`signOutEverywhere`."),
]
RevokeSessionPayload = Annotated[
    SignedOut | NotFound | AuthenticationRequired,
    strawberry.union("RevokeSessionPayload", description="Result of `revokeSession`."),
]

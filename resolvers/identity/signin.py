"""Mutations of sign-in, token refresh and sign-out."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.models import Device, IssuedTokens
from identity.models import DevicePlatform as DomainPlatform
from identity.models import MiniProgramPlatform as DomainMiniProgramPlatform
from identity.services.mini_program import LinkRequired, MiniProgramSignIn
from identity.services.sign_in import SignedIn as DomainSignedIn
from identity.services.sign_in import SignInService
from resolvers.context import Info
from resolvers.errors import ExpectedErrors
from resolvers.permissions import RequireLevel
from schema.identity import (
    AuthTokens,
    DeviceInput,
    MiniProgramLinkRequired,
    MiniProgramPlatform,
    RefreshTokenPayload,
    RequestSignInCodePayload,
    RevokeSessionPayload,
    SignedIn,
    SignedOut,
    SignInCodeSent,
    SignInPayload,
    SignInWithMiniProgramPayload,
    SignOutPayload,
    TokensRefreshed,
)
from schema.payloads import AssuranceLevel


def tokens_type(tokens: IssuedTokens) -> AuthTokens:
    """The GraphQL view of issued tokens."""
    return AuthTokens(
        access_token=tokens.access_token,
        access_token_expires_at=tokens.access_expires_at,
        refresh_token=tokens.refresh_token,
        refresh_token_expires_at=tokens.refresh_expires_at,
        session_id=tokens.session_id,
    )


def device_of(device: DeviceInput) -> Device:
    """The domain form of a device input."""
    return Device(name=device.name.strip(), platform=DomainPlatform(str(device.platform.value)))


def signed_in_type(result: DomainSignedIn) -> SignedIn:
    """The GraphQL view of a new session."""
    return SignedIn(
        tokens=tokens_type(result.tokens),
        account_id=result.account.id,
        assurance_level=AssuranceLevel(int(result.level)),
    )


@strawberry.type
class SignInMutation:
    """Sign-in, refresh and sign-out."""

    @strawberry.mutation(
        description="Send a 6-digit sign-in code by SMS (valid 5 minutes; at most one a minute "
        "and 10 a day per phone). The answer is the same whether or not the phone has an "
        "account.",
        extensions=[ExpectedErrors()],
    )
    async def request_sign_in_code(
        self,
        info: Info,
        phone: Annotated[str, strawberry.argument(description="Mainland mobile number.")],
    ) -> RequestSignInCodePayload:
        """Send a code."""
        sent = await info.context.service(SignInService).request_code(phone, info.context.client_ip)
        return SignInCodeSent(
            phone_masked=sent.phone_masked,
            expires_in_seconds=sent.expires_in_seconds,
            retry_after_seconds=sent.retry_after_seconds,
        )

    @strawberry.mutation(
        description="Sign in (or sign up) with the code: opens a session on this device. "
        "Five wrong codes void the code.",
        extensions=[ExpectedErrors()],
    )
    async def sign_in(
        self,
        info: Info,
        phone: Annotated[str, strawberry.argument(description="Mainland mobile number.")],
        code: Annotated[str, strawberry.argument(description="The 6-digit code received.")],
        device: Annotated[DeviceInput, strawberry.argument(description="This device.")],
        mini_program_link_ticket: Annotated[
            str | None,
            strawberry.argument(
                description="From `MiniProgramLinkRequired`: also link that mini-program user."
            ),
        ] = None,
    ) -> SignInPayload:
        """Redeem a code."""
        if mini_program_link_ticket is None:
            result = await info.context.service(SignInService).sign_in(
                phone, code, device_of(device), info.context.client_ip
            )
        else:
            result = await info.context.service(MiniProgramSignIn).sign_in_and_link(
                phone,
                code,
                device_of(device),
                info.context.client_ip,
                mini_program_link_ticket,
            )
        return signed_in_type(result)

    @strawberry.mutation(
        description="Sign in from a WeChat/Alipay mini-program with its login code "
        "(`wx.login`/`my.getAuthCode`). A linked user gets a session; a new one gets "
        "`MiniProgramLinkRequired` and links by one SMS sign-in.",
        extensions=[ExpectedErrors()],
    )
    async def sign_in_with_mini_program(
        self,
        info: Info,
        platform: Annotated[MiniProgramPlatform, strawberry.argument(description="Platform.")],
        code: Annotated[str, strawberry.argument(description="The platform's login code.")],
        device: Annotated[DeviceInput, strawberry.argument(description="This device.")],
    ) -> SignInWithMiniProgramPayload:
        """Mini-program sign-in."""
        result = await info.context.service(MiniProgramSignIn).sign_in_with_code(
            DomainMiniProgramPlatform(str(platform.value)),
            code,
            device_of(device),
            info.context.client_ip,
        )
        if isinstance(result, LinkRequired):
            return MiniProgramLinkRequired(
                link_ticket=result.ticket, expires_in_seconds=result.expires_in_seconds
            )
        return signed_in_type(result)

    @strawberry.mutation(
        description="Exchange a refresh token for new tokens. Each refresh token works once; "
        "presenting a used one ends its session on every device holding it.",
        extensions=[ExpectedErrors()],
    )
    async def refresh_token(
        self,
        info: Info,
        refresh_token: Annotated[str, strawberry.argument(description="The refresh token.")],
    ) -> RefreshTokenPayload:
        """Rotate tokens."""
        tokens = await info.context.service(SignInService).refresh(
            refresh_token, info.context.client_ip
        )
        return TokensRefreshed(tokens=tokens_type(tokens))

    @strawberry.mutation(
        description="End this session.", extensions=[RequireLevel(), ExpectedErrors()]
    )
    async def sign_out(self, info: Info) -> SignOutPayload:
        """Sign out here."""
        await info.context.service(SignInService).sign_out(info.context.require_principal())
        return SignedOut(sessions_ended=1)

    @strawberry.mutation(
        description="End every session of this account, on all devices.",
        extensions=[RequireLevel(), ExpectedErrors()],
    )
    async def sign_out_everywhere(self, info: Info) -> SignOutPayload:
        """Sign out everywhere."""
        ended = await info.context.service(SignInService).sign_out_everywhere(
            info.context.require_principal()
        )
        return SignedOut(sessions_ended=ended)

    @strawberry.mutation(
        description="End one of your sessions (see `me.sessions`).",
        extensions=[RequireLevel(), ExpectedErrors()],
    )
    async def revoke_session(
        self,
        info: Info,
        session_id: Annotated[str, strawberry.argument(description="Id from `me.sessions`.")],
    ) -> RevokeSessionPayload:
        """Revoke a session."""
        await info.context.service(SignInService).revoke_session(
            info.context.require_principal(), session_id
        )
        return SignedOut(sessions_ended=1)

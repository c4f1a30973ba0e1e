"""Sign-in from WeChat and Alipay mini-programs, linked to the phone account."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from identity.adapters.mini_program import MiniProgramProvider
from identity.errors import InvalidLinkTicket
from identity.models import Device, MiniProgramPlatform
from identity.repositories.mini_program_links import MiniProgramLinkRepository
from identity.repositories.mini_program_tickets import MiniProgramLinkTickets
from identity.services.sign_in import SignedIn, SignInService
from infra.crypto import KeyedHash
from infra.outages import translates_outages

MAX_TICKET_LENGTH = 100


@dataclass(frozen=True, slots=True)
class LinkRequired:
    """No account is linked to this mini-program user yet: sign in by SMS with the ticket."""

    ticket: str
    expires_in_seconds: int


class MiniProgramSignIn:
    """Signs mini-program users in, or links them to their phone account on first use.

    Both ways in raise :class:`infra.outages.Unavailable` while Redis (link tickets)
    or the database (links, sessions) is down.
    """

    def __init__(
        self,
        provider: MiniProgramProvider,
        links: MiniProgramLinkRepository,
        tickets: MiniProgramLinkTickets,
        hasher: KeyedHash,
        sign_in: SignInService,
    ) -> None:
        self._provider = provider
        self._links = links
        self._tickets = tickets
        self._hasher = hasher
        self._sign_in = sign_in

    @translates_outages
    async def sign_in_with_code(
        self, platform: MiniProgramPlatform, code: str, device: Device, client_ip: str | None
    ) -> SignedIn | LinkRequired:
        """A session when the user is linked; otherwise a ticket for the SMS sign-in."""
        open_id = await self._provider.open_id(platform, code)
        # The openid is a personal identifier: we keep only its keyed hash.
        link_id = f"{platform.value}:{self._hasher.digest(open_id)}"
        account = await self._links.account_of(link_id)
        if account is not None:
            tokens = await self._sign_in.open_session(
                account, device, client_ip, methods=("mini_program",)
            )
            return SignedIn(account=account, tokens=tokens, level=account.base_level)
        ticket = secrets.token_urlsafe(24)
        await self._tickets.issue(ticket, link_id)
        return LinkRequired(ticket=ticket, expires_in_seconds=self._tickets.ttl_seconds)

    @translates_outages
    async def sign_in_and_link(
        self, raw_phone: str, sms_code: str, device: Device, client_ip: str | None, ticket: str
    ) -> SignedIn:
        """SMS sign-in that also links the mini-program user behind ``ticket``.

        The ticket is checked first and used up only when the sign-in succeeds, so a
        mistyped SMS code can be retried with the same ticket.
        """
        if len(ticket) > MAX_TICKET_LENGTH or not await self._tickets.exists(ticket):
            raise InvalidLinkTicket(field="miniProgramLinkTicket")
        signed_in = await self._sign_in.sign_in(raw_phone, sms_code, device, client_ip)
        link_id = await self._tickets.redeem(ticket)
        if link_id is None:  # used by a concurrent sign-in a moment ago
            raise InvalidLinkTicket(field="miniProgramLinkTicket")
        await self._links.link(link_id, signed_in.account.id)
        return signed_in

"""The wallet's outbox events (``wallet.licence.<change>``), as /work/notes/events.md sets them.

Payloads carry ids and codes only: the licence URI (its document id part is a keyed
hash), its type and issuing department, and for expiry notices the days left.
"""

from __future__ import annotations

from kit.outbox import OutboxEvent
from wallet.models import HolderKind, StoredLicence

ISSUED = "issued"
EXPIRING = "expiring"


def licence_event(licence: StoredLicence, change: str, *, days: int | None = None) -> OutboxEvent:
    """The event of ``change`` (issued, suspended, reinstated, revoked, expiring) to ``licence``.

    The audience is the citizen holder's account; an enterprise holder has none (its
    agents read its wallet).
    """
    audience = (licence.holder.id,) if licence.holder.kind is HolderKind.CITIZEN else ()
    return OutboxEvent(
        kind=f"wallet.licence.{change}",
        subject=licence.uri,
        payload={
            "licence": licence.uri,
            "type": licence.type.value,
            "issuer": licence.issuer,
            "days": days,
        },
        audience=audience,
    )

"""Check a show-code offline, with nothing but the published seal keys and status lists.

What a third party (a counter, a shop, another app) runs without calling us::

    curl -o seals.json https://<city>/.well-known/seals.json
    curl -o ga.jwt https://<city>/wallet/status-lists/430200-GA
    python -m wallet.offline_verify --keys seals.json --status-list ga.jwt 'ZZL1:...'

It checks the show-code's signature against the key its ``kid`` names (which must
belong to the issuing department and be its current key), the code's five minutes, the
disclosures against their signed digests, the licence's signed expiry date, and the
licence's entry in the issuing department's signed status list (suspended, revoked).
Prints the verdict as JSON; exit status 0 when the licence is accepted (authentic and
valid), 1 when not, 2 when the keys or status lists themselves cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from wallet.seals import key_from_jwk
from wallet.showcode import PublishedSealKey, ShowCodeCheck, check
from wallet.status_list import StatusList, StatusListRejected, StatusValue, verify_status_list

CITY_ZONE = ZoneInfo("Asia/Shanghai")


class PublishedKeys:
    """The keys of ``/.well-known/seals.json``, by key id."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys: dict[str, PublishedSealKey] = {}
        for jwk in jwks.get("keys", []):
            self._keys[str(jwk["kid"])] = PublishedSealKey(
                department=str(jwk["department"]),
                key=key_from_jwk(jwk),
                current=jwk.get("status", "current") == "current",
            )

    def __call__(self, kid: str) -> PublishedSealKey | None:
        """The published key with id ``kid``."""
        return self._keys.get(kid)


def verdict(
    token: str,
    keys: PublishedKeys,
    lists: Mapping[str, StatusList],
    *,
    now: datetime,
) -> dict[str, Any]:
    """The offline verdict on ``token``: authentic or why not, status, disclosed fields."""
    result: ShowCodeCheck = check(token, keys, now=now)
    if not result.authentic or result.claims is None:
        return {
            "accepted": False,
            "authentic": False,
            "failure": result.failure.value if result.failure else None,
        }
    claims = result.claims
    status = "valid"
    today = now.astimezone(CITY_ZONE).date()
    status_list = lists.get(claims.issuer)
    if status_list is None or claims.status_index is None:
        status = "unknown"  # no list of this department at hand: revocation unchecked
    else:
        value = status_list.status(claims.status_index)
        if value is StatusValue.INVALID:
            status = "revoked"
        elif value is StatusValue.SUSPENDED:
            status = "suspended"
    if status == "valid" and claims.expires_on is not None and today > claims.expires_on:
        status = "expired"
    return {
        "accepted": status == "valid",
        "authentic": True,
        "failure": None,
        "status": status,
        "licence": {
            "uri": claims.uri,
            "type": claims.type.value,
            "issuer": claims.issuer,
            "issuedOn": claims.issued_on.isoformat(),
            "expiresOn": claims.expires_on.isoformat() if claims.expires_on else None,
        },
        "disclosed": dict(result.disclosed),
        "tokenExpiresAt": claims.expires_at.isoformat(),
        "statusListIssuedAt": status_list.issued_at.isoformat() if status_list else None,
    }


def load_lists(paths: Sequence[Path], keys: PublishedKeys, now: datetime) -> dict[str, StatusList]:
    """The verified status lists in ``paths``, by department."""
    lists: dict[str, StatusList] = {}
    for path in paths:
        verified = verify_status_list(path.read_text(encoding="ascii"), keys, now=now)
        lists[verified.department] = verified
    return lists


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m wallet.offline_verify``."""
    parser = argparse.ArgumentParser(
        prog="python -m wallet.offline_verify", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--keys", type=Path, required=True, help="a copy of seals.json")
    parser.add_argument(
        "--status-list",
        type=Path,
        action="append",
        default=[],
        help="a department's status list (repeat for several departments)",
    )
    parser.add_argument("token", help="the show-code's text (ZZL1:...)")
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    try:
        keys = PublishedKeys(json.loads(args.keys.read_text(encoding="utf-8")))
        lists = load_lists(args.status_list, keys, now)
    except (OSError, ValueError, KeyError, TypeError) as error:
        reason = str(error) if isinstance(error, StatusListRejected) else type(error).__name__
        print(f"error: cannot use the keys or status lists: {reason}", file=sys.stderr)
        return 2
    result = verdict(args.token.strip(), keys, lists, now=now)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["accepted"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

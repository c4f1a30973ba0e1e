"""The licence wallet's costs: show-code checks per algorithm, token sizes, wallet growth.

    .venv/bin/python -m bench.wallet_verify                 # everything (starts servers)
    .venv/bin/python -m bench.wallet_verify --offline-only  # no servers: parts 1 and 2

1. ``verifyLicence``'s cryptographic core on one core, per seal algorithm: checks per
   second of a business licence's show-code (decode, signature, disclosures), as an
   offline verifier runs it, and show-codes minted per second.
2. Token bytes and QR version (error correction M) of a business licence's show-code
   with 3 and with all 8 fields disclosed, against the same content as an SD-JWT
   (JSON, base64url, compact serialisation; byte mode in the QR code).
3. With the servers (SecantusDB, Redis, SeaweedFS on loopback), through ``/graphql``
   in-process, one request at a time: ``verifyLicence`` per algorithm (signature, the
   licence read and its seal checked, the holder's log written); ``createShowCode`` for
   each licence of a wallet of 50; and the database commands one ``me { wallet }``
   sends for wallets of 1, 10 and 50 licences (PyMongo command monitoring).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import httpx
import segno
from pymongo import monitoring

from app.main import create_app
from app.resources import Resources, StartupError
from app.settings import Settings
from bench.liferecord_concurrency import BenchmarkError, _post, _verified_token
from bench.stack import bench_settings
from demo.data.people import RESIDENTS
from demo.providers import DemoExchange, demo_providers
from devstack.servers import ServerStartError
from wallet.models import Holder, HolderKind, LicenceType
from wallet.presentations import PresentationService
from wallet.seals import DepartmentSeal, SealAlgorithm, SealKeyring, b64url, generate_key
from wallet.service import IssueRequest, WalletService
from wallet.showcode import PublishedSealKey, ShowCodeContent, check, mint

FIELDS: dict[str, str | int] = {
    "number": "91430200MA4L000001",
    "name": "株洲示例科技有限公司",
    "legalForm": "有限责任公司",
    "legalRepresentative": "李四",
    "registeredCapital": 500,
    "establishedOn": "2021-03-15",
    "address": "湖南省株洲市芦淞区建设中路2号",
    "scope": "软件开发；信息技术咨询服务；数据处理和存储支持服务",
}
THREE = ["name", "legalRepresentative", "number"]
URI = "urn:zhuzhou:licence:430200-SCJG:business_licence:0123456789abcdef0123456789abcdef"
CONTENT = ShowCodeContent(
    issuer="430200-SCJG",
    uri=URI,
    type=LicenceType.BUSINESS_LICENCE,
    issued_on=date(2021, 3, 15),
    expires_on=None,
    fields=FIELDS,
    status_index=12345,
)

CREATE = """
mutation ($licence: String!, $fields: [String!]!) {
  createShowCode(licence: $licence, fields: $fields) { __typename ... on ShowCodeCreated { token } }
}
"""
VERIFY = "query ($token: String!) { verifyLicence(token: $token) { authentic status } }"
WALLET = """
query { me { wallet(first: 50) { __typename ... on WalletLicenceConnection {
  edges { node { uri type status fields { name value } seal { kid } } } } } } }
"""


def _rate(call: Callable[[], object], seconds: float = 1.0) -> float:
    """Calls per second of ``call`` over about ``seconds`` (median of three runs)."""
    rates = []
    for _ in range(3):
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds / 3:
            call()
            count += 1
        rates.append(count / elapsed)
    return statistics.median(rates)


def _algorithm_rates(alg: SealAlgorithm) -> dict[str, Any]:
    key = generate_key(alg)
    published = PublishedSealKey("430200-SCJG", key.public, True)
    now = datetime.now(UTC)
    token, _ = mint(CONTENT, THREE, key, now=now, lifetime_seconds=300)

    def keys(kid: str) -> PublishedSealKey:
        return published

    assert check(token, keys, now=now).authentic
    return {
        "alg": alg.value,
        "checks_per_s": _rate(lambda: check(token, keys, now=now)),
        "mints_per_s": _rate(lambda: mint(CONTENT, THREE, key, now=now, lifetime_seconds=300)),
    }


def offline_throughput() -> list[dict[str, Any]]:
    """Checks and mints per second, per algorithm, on this core."""
    return [_algorithm_rates(alg) for alg in SealAlgorithm]


def _sd_jwt(disclosed: Sequence[str]) -> str:
    """The same content as an SD-JWT (Ed25519-sized signature), for its length."""
    disclosures = {
        name: b64url(json.dumps([b64url(os.urandom(16)), name, value], ensure_ascii=False).encode())
        for name, value in FIELDS.items()
    }
    header = {"alg": "EdDSA", "kid": "x" * 22, "typ": "dc+sd-jwt"}
    now = int(time.time())
    claims = {
        "iss": "430200-SCJG",
        "sub": URI,
        "iat": now,
        "exp": now + 300,
        "vct": "business_licence",
        "issued": "2021-03-15",
        "expires": None,
        "_sd_alg": "sha-256",
        "_sd": sorted(b64url(hashlib.sha256(d.encode()).digest()) for d in disclosures.values()),
        "status": {"status_list": {"idx": 12345, "uri": "/wallet/status-lists/430200-SCJG"}},
    }
    parts = [b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)]
    jwt = ".".join([*parts, b64url(secrets.token_bytes(64))])
    return "~".join([jwt, *(disclosures[name] for name in disclosed)]) + "~"


def sizes() -> list[dict[str, Any]]:
    """Token characters and QR versions for 3 and all fields, ours and as an SD-JWT."""
    key = generate_key(SealAlgorithm.SM2_SM3)
    rows = []
    for label, disclosed in (("3 fields", THREE), ("all 8 fields", list(FIELDS))):
        ours, _ = mint(CONTENT, disclosed, key, now=datetime.now(UTC), lifetime_seconds=300)
        sd_jwt = _sd_jwt(disclosed)
        rows.append(
            {
                "disclosed": label,
                "cose_base45_chars": len(ours),
                "cose_bytes": len(ours) * 2 // 3,
                "cose_qr_version_m": segno.make_qr(ours, error="M", boost_error=False).version,
                "sd_jwt_chars": len(sd_jwt),
                "sd_jwt_qr_version_m": segno.make_qr(sd_jwt, error="M", boost_error=False).version,
            }
        )
    return rows


class Counter(monitoring.CommandListener):
    """Counts the database commands sent (handshakes and index builds aside)."""

    IGNORED = frozenset({"hello", "ismaster", "isMaster", "ping", "endSessions", "createIndexes"})

    def __init__(self) -> None:
        self.commands: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        """Record a command."""
        if event.command_name not in self.IGNORED:
            self.commands.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Nothing."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Nothing."""


def _licence(holder: str, index: int) -> IssueRequest:
    return IssueRequest(
        type=LicenceType.DRIVING_LICENCE,
        holder=Holder(HolderKind.CITIZEN, holder),
        issuer="430200-GA",
        number=f"D4302{index:08d}",
        issued_on=date(2022, 1, 1),
        expires_on=date(2032, 1, 1),
        fields={"name": "刘建军", "vehicleClass": "C1", "firstIssuedOn": "2016-01-01"},
    )


async def online(settings: Settings, requests: int) -> dict[str, Any]:
    """verifyLicence per algorithm, createShowCode over 50 licences, commands per wallet."""
    counter = Counter()
    app = create_app(settings, providers=demo_providers, mongo_listeners=[counter])
    async with app.router.lifespan_context(app):
        resources: Resources = app.state.resources
        await DemoExchange.over(resources.database).registers.upsert_residents(RESIDENTS)
        wallet: WalletService = app.state.services.get(WalletService)
        presentations: PresentationService = app.state.services.get(PresentationService)
        del presentations
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                token = await _verified_token(http, app)
                account = (await _post(http, "query { me { id } }", {}, token))["me"]["id"]
                result: dict[str, Any] = {"verify": [], "wallet_commands": []}
                issued = 0
                for size in (1, 10, 50):
                    while issued < size:
                        await wallet.issue(_licence(account, issued))
                        issued += 1
                    counter.commands.clear()
                    data = await _post(http, WALLET, {}, token)
                    listed = len(data["me"]["wallet"]["edges"])
                    result["wallet_commands"].append(
                        {"licences": listed, "commands": list(counter.commands)}
                    )
                uris = [
                    e["node"]["uri"]
                    for e in (await _post(http, WALLET, {}, token))["me"]["wallet"]["edges"]
                ]
                timings = []
                for uri in uris:
                    started = time.perf_counter()
                    await _post(http, CREATE, {"licence": uri, "fields": ["name"]}, token)
                    timings.append((time.perf_counter() - started) * 1000)
                result["show_code_ms"] = {
                    "licences": len(uris),
                    "median": statistics.median(timings),
                    "max": max(timings),
                    "total": sum(timings),
                }
                base = wallet.seals
                for alg in SealAlgorithm:
                    wallet.seals = SealKeyring([DepartmentSeal("430200-GA", generate_key(alg))])
                    licence = await wallet.issue(_licence(account, 1000 + len(result["verify"])))
                    code = await _post(
                        http, CREATE, {"licence": licence.uri, "fields": ["name"]}, token
                    )
                    show = code["createShowCode"]["token"]
                    started = time.perf_counter()
                    for _ in range(requests):
                        answer = await _post(http, VERIFY, {"token": show})
                        if not answer["verifyLicence"]["authentic"]:
                            raise BenchmarkError(f"not authentic: {answer}")
                    elapsed = time.perf_counter() - started
                    result["verify"].append(
                        {"alg": alg.value, "requests_per_s": requests / elapsed}
                    )
                wallet.seals = base
                return result
        finally:
            with contextlib.suppress(Exception):
                await resources.mongo.drop_database(settings.mongodb_database)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m bench.wallet_verify``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.wallet_verify",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--offline-only", action="store_true", help="no servers: parts 1-2")
    parser.add_argument("--requests", type=int, default=100, help="verifyLicence calls per alg")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {}

    print("1. show-code checks and mints per second, one core (business licence, 3 fields)")
    report["offline"] = offline_throughput()
    print(f"{'algorithm':<10}{'checks/s':>10}{'mints/s':>10}")
    for row in report["offline"]:
        print(f"{row['alg']:<10}{row['checks_per_s']:>10.0f}{row['mints_per_s']:>10.0f}")

    print("\n2. token size and QR version (error correction M)")
    report["sizes"] = sizes()
    print(
        f"{'disclosed':<14}{'ZZL1 chars':>11}{'bytes':>7}{'QR v':>6}{'SD-JWT chars':>14}{'QR v':>6}"
    )
    for row in report["sizes"]:
        print(
            f"{row['disclosed']:<14}{row['cose_base45_chars']:>11}{row['cose_bytes']:>7}"
            f"{row['cose_qr_version_m']:>6}{row['sd_jwt_chars']:>14}{row['sd_jwt_qr_version_m']:>6}"
        )
    if args.offline_only:
        print(json.dumps({"wallet_verify": report}, ensure_ascii=False))
        return 0

    print("\nstarting SecantusDB, redis-server and SeaweedFS on loopback …", flush=True)
    try:
        with bench_settings("wallet") as settings:
            report["online"] = asyncio.run(online(settings, args.requests))
    except (BenchmarkError, ServerStartError, StartupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    online_report = report["online"]
    print("\n3a. verifyLicence through /graphql, one at a time (SecantusDB read + log insert)")
    for row in online_report["verify"]:
        print(f"  {row['alg']:<10}{row['requests_per_s']:>8.1f} requests/s")
    shows = online_report["show_code_ms"]
    print(
        f"\n3b. createShowCode for each of a wallet's {shows['licences']} licences: median "
        f"{shows['median']:.1f} ms, max {shows['max']:.1f} ms, all {shows['total']:.0f} ms"
    )
    print("\n3c. database commands per me { wallet(first: 50) }")
    for row in online_report["wallet_commands"]:
        print(f"  {row['licences']:>3} licences: {len(row['commands'])} commands {row['commands']}")
    print(json.dumps({"wallet_verify": report}, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

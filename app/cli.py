"""Command line: ``serve``, ``worker``, ``dead-letters``, ``export-schema``, ``build-manifest``,
``grant-administrator``, ``purge-uploads``, ``purge-drafts``, ``cases-due-scan``,
``cases-repair``, ``wallet-expiry-scan``, and the development-only ``dev-sms-codes`` and
``dev-liveness-result``.

The embedded default and the demo data are the demo's commands: ``python -m demo dev``
and ``python -m demo seed``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.handlers
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from app.resources import Resources, StartupError, open_resources, start_resources
from app.settings import Environment, Settings

if TYPE_CHECKING:
    from app.services import ProviderWiring
    from applications.repositories.cases import CaseRepository

logger = logging.getLogger("app.cli")

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def load_settings() -> Settings:
    """The settings from the environment, or exit 2 with one line naming what is wrong."""
    try:
        return Settings()
    except ValidationError as error:
        messages = "; ".join(_problem(e) for e in error.errors())
        print(f"error: invalid configuration: {messages}", file=sys.stderr)
        raise SystemExit(2) from None


def _problem(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    # Name the variable at fault (model-wide checks have no location).
    location = [str(part) for part in error.get("loc", ()) if part]
    if not location:
        return message
    name = location[0].upper()
    return f"{name if name.startswith('SZ_') else 'SZ_' + name}: {message}"


async def _preflight(settings: Settings, providers: ProviderWiring) -> None:
    """Check the wiring, then that every server answers, so failures are one clear line.

    The wiring is checked first and needs no server: empty provider slots, development
    providers in staging and production and a missing signing key are refused before
    anything is contacted.
    """
    from app.services import build_services

    resources = open_resources(settings)
    try:
        build_services(resources, providers(resources))
    finally:
        await resources.close()
    resources = await start_resources(settings)
    await resources.close()


def log_to_file(path: Path) -> None:
    """Also write the API's log, uvicorn's included, to ``path`` (rotated at 10 MB).

    Call after uvicorn has configured its loggers, which replaces their handlers.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=10_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    # The root logger takes the app's own loggers; uvicorn's do not propagate to it.
    for name in ("", "uvicorn", "uvicorn.access"):
        logging.getLogger(name).addHandler(handler)


def serve(
    host: str,
    port: int,
    *,
    settings: Settings | None = None,
    log_file: Path | None = None,
    providers: ProviderWiring | None = None,
) -> int:
    """Serve the API with uvicorn until interrupted; ``log_file`` also receives the log.

    ``providers`` wires the provider slots (the product's own wiring by default, which
    refuses to start until real adapters exist; the demo passes its own).
    """
    import uvicorn

    from app.dev_sms import record_development_codes
    from app.main import create_app
    from app.services import wire_providers

    settings = settings or load_settings()
    providers = providers or wire_providers
    try:
        asyncio.run(_preflight(settings, providers))
    except StartupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        app = create_app(settings, providers=providers)
    except (OSError, ValueError) as error:  # the trusted documents' manifest, read here
        print(f"error: cannot load {settings.graphql_documents_manifest}: {error}", file=sys.stderr)
        return 2
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level="info",
        # uvicorn's access log writes every client address in clear.
        access_log=False,
        ws="websockets-sansio",
    )
    if log_file is not None:
        log_to_file(log_file)
    record_development_codes(settings)  # development only: for dev-sms-codes
    uvicorn.Server(config).run()
    return 0


def worker(*, settings: Settings | None = None, providers: ProviderWiring | None = None) -> int:
    """The notifications worker until SIGINT/SIGTERM (any number of instances).

    It claims outbox events, turns them into notifications (inbox, live subscriptions,
    push deliveries) and sends the push batches. ``providers`` as for :func:`serve`: the
    worker is wired like the API, so the same refusals apply.
    """
    from app.resources import start_opened
    from app.services import build_services, wire_providers
    from notifications.services.worker import NotificationWorker

    settings = settings or load_settings()
    providers = providers or wire_providers

    async def run() -> None:
        resources = open_resources(settings)
        try:
            services = build_services(resources, providers(resources))
        except BaseException:
            await resources.close()
            raise
        await start_opened(resources)
        notifications = services.get(NotificationWorker)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, notifications.stop)
        logger.info("worker.started name=%s", notifications.name)
        try:
            await notifications.run()
        finally:
            await resources.close()
            logger.info("worker.stopped")

    try:
        asyncio.run(run())
    except StartupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


async def dead_letters_on(resources: Resources, retry: Sequence[str]) -> list[str]:
    """The dead-letter list as lines, after queueing ``retry`` (delivery ids) again."""
    from app.services import wire_notifications
    from notifications.services.operations import OperationsService

    wired = wire_notifications(resources)
    [operations] = [s for s in wired.services if isinstance(s, OperationsService)]
    lines = []
    if retry:
        lines.append(f"queued again: {await operations.retry_dead(list(retry))} of {len(retry)}")
    for delivery in await operations.dead_letters():
        lines.append(
            f"{delivery.id}  {delivery.channel.value}  attempts={delivery.attempts}  "
            f"reason={delivery.reason}  at={delivery.updated_at.isoformat()}"
        )
    return lines or ["no dead-lettered deliveries"]


def dead_letters(retry: Sequence[str]) -> int:
    """``dead-letters [--retry ID …]``: the operators' view of failed deliveries."""
    settings = load_settings()

    async def run() -> list[str]:
        resources = await start_resources(settings)
        try:
            return await dead_letters_on(resources, retry)
        finally:
            await resources.close()

    try:
        lines = asyncio.run(run())
    except StartupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def export_schema(output: Path | None) -> int:
    """Write the SDL of the schema (to ``schema.graphql`` by default)."""
    from app.graphql import build_schema

    text = build_schema().as_str() + "\n"
    if output is None or str(output) == "-":
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    return 0


def build_manifest(*, check: bool) -> int:
    """Write ``documents/manifest.json`` from ``documents/*.graphql`` (``--check``: only
    say whether the committed one is up to date; 1 when it is not)."""
    from graphql import GraphQLError, parse, validate

    from app.graphql import build_schema
    from app.trusted_documents import MANIFEST_FILE, manifest_json
    from app.trusted_documents import build_manifest as build

    try:
        manifest = build()
    except (GraphQLError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    schema = build_schema()._schema
    invalid = [
        f"{text.split(chr(10))[0][:60]}: {e.message}"
        for text in manifest.values()
        for e in validate(schema, parse(text))
    ]
    if invalid:
        print("error: documents invalid against the schema:\n  " + "\n  ".join(invalid))
        return 2
    text = manifest_json(manifest)
    current = MANIFEST_FILE.read_text(encoding="utf-8") if MANIFEST_FILE.exists() else ""
    if check:
        if current != text:
            print(f"{MANIFEST_FILE.name} is out of date: run python -m app build-manifest")
            return 1
        print(f"{MANIFEST_FILE.name} is up to date ({len(manifest)} documents)")
        return 0
    MANIFEST_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {len(manifest)} trusted documents to {MANIFEST_FILE}")
    return 0


def development_liveness_result(ticket: str, *, passed: bool) -> int:
    """DEVELOPMENT ONLY: print a signed liveness result for ``ticket`` (no face involved).

    Stands in for the vendor's face capture in the demo; refused outside development.
    """
    from identity.adapters.liveness import sign_development_result
    from identity.crypto import DerivedKeys

    settings = load_settings()
    if settings.environment is not Environment.DEVELOPMENT:
        print("error: development liveness results exist only in development", file=sys.stderr)
        return 2
    keys = DerivedKeys(settings.secret_key.get_secret_value())
    print(sign_development_result(keys.development_liveness, ticket, passed))
    return 0


def development_sms_codes(limit: int) -> int:
    """DEVELOPMENT ONLY: print the latest sign-in codes, newest first; refused elsewhere."""
    from app.dev_sms import codes_file, latest_codes

    settings = load_settings()
    if settings.environment is not Environment.DEVELOPMENT:
        print("error: development SMS codes exist only in development", file=sys.stderr)
        return 2
    path = codes_file(settings)
    codes = latest_codes(path, limit)
    if not codes:
        print(
            f"no sign-in codes recorded yet in {path}: ask for one with requestSignInCode "
            "from a development server (scripts/run)"
        )
        return 0
    now = datetime.now(UTC)
    print("phone        code    sent at (local)      age     (codes are valid 5 minutes)")
    for sent in codes:
        age = int((now - sent.at).total_seconds())
        when = sent.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        print(f"{sent.phone_masked:<12} {sent.code:<7} {when}  {_age(age)}")
    return 0


def _age(seconds: int) -> str:
    if seconds < 120:
        return f"{max(seconds, 0)} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


async def grant_administrator_on(resources: Resources, phone: str) -> tuple[int, str]:
    """Make the real-name account signed in with ``phone`` an administrator, as the operator.

    Returns the exit status and the line to print. Refused (status 1) unless the account
    exists and is real-name verified; the grant is audit-logged with the actor
    ``operator-cli``. Granting again changes nothing.
    """
    from app.services import DirectoryDepartments
    from directory.repository import DepartmentRepository
    from directory.service import DirectoryService
    from identity.errors import IdentityError
    from identity.models import OfficerRole
    from identity.repositories.role_grants import RoleGrantRepository
    from identity.repositories.sign_in_marks import SignInMarks
    from identity.wiring import officer_service

    await RoleGrantRepository(resources.database).ensure_indexes()
    directory = DirectoryDepartments(DirectoryService(DepartmentRepository(resources.database)))
    marks = SignInMarks(resources.redis, prefix=resources.settings.redis_key_prefix)
    service = officer_service(resources.database, resources.keys, directory, marks)
    try:
        grant = await service.grant_as_operator(phone, OfficerRole.ADMINISTRATOR)
    except IdentityError as error:
        return 1, f"error: refused: {error.message_en}"
    return 0, f"{grant.phone_masked} is an administrator (grant {grant.id}, by operator-cli)"


def grant_administrator(phone: str) -> int:
    """``grant-administrator --phone``: the first administrator of a deployment."""
    settings = load_settings()

    async def run() -> tuple[int, str]:
        resources = await start_resources(settings)
        try:
            return await grant_administrator_on(resources, phone)
        finally:
            await resources.close()

    try:
        status, line = asyncio.run(run())
    except StartupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(line, file=sys.stderr if status else sys.stdout)
    return status


def _scheduled(job: Callable[[Resources], Awaitable[int]], done: str) -> int:
    """Run one scheduled job on freshly opened clients; print ``done`` with its count."""
    settings = load_settings()

    async def run() -> int:
        resources = await start_resources(settings)
        try:
            return await job(resources)
        finally:
            await resources.close()

    try:
        count = asyncio.run(run())
    except StartupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(done.format(count))
    return 0


def _case_repository(resources: Resources) -> CaseRepository:
    """The applications' case collections, with the key their texts are sealed with."""
    from applications.repositories.cases import CASES_KEY_PURPOSE, CaseRepository
    from infra.crypto import FieldCipher, derive_key

    master = resources.settings.secret_key.get_secret_value().encode()
    return CaseRepository(resources.database, FieldCipher(derive_key(master, CASES_KEY_PURPOSE)))


async def wallet_expiry_scan_on(resources: Resources) -> int:
    """Append ``wallet.licence.expiring`` 30 and 7 days before expiry; how many were new.

    Idempotent per licence and threshold: run it daily (cron, a Kubernetes CronJob) on
    any number of instances.
    """
    from app.services import seal_keyring, wallet_clients
    from wallet import wiring as wallet_wiring
    from wallet.service import WalletService

    wired = wallet_wiring.wire(
        wallet_clients(resources),
        wallet_wiring.WalletConfig(seals=seal_keyring(resources.settings)),
        wallet_wiring.WalletProviders(),
    )
    for repository in wired.repositories:
        await repository.ensure_indexes()
    [service] = [s for s in wired.services if isinstance(s, WalletService)]
    return await service.scan_expiring()


def wallet_expiry_scan() -> int:
    """``wallet-expiry-scan``: the scheduled job of licence expiry notices."""
    return _scheduled(wallet_expiry_scan_on, "{} expiry notices appended")


async def purge_drafts_on(resources: Resources) -> int:
    """Delete application drafts past their retention; how many went.

    The drafts' TTL index does the same where the database runs TTL monitors; this is
    the scheduled job for the rest (run it daily; idempotent).
    """
    return await _case_repository(resources).purge_drafts(datetime.now(UTC))


async def cases_due_scan_on(resources: Resources) -> int:
    """Append ``applications.case.due_soon`` once per open sub-case due within a working
    day; how many were new (idempotent: run it daily on any number of instances)."""
    from applications.calendar import WorkingDayCalendar
    from applications.services.reminders import DueSoonScan

    scan = DueSoonScan(
        _case_repository(resources), WorkingDayCalendar(), clock=lambda: datetime.now(UTC)
    )
    return await scan.run()


def cases_due_scan() -> int:
    """``cases-due-scan``: the scheduled due-soon notices."""
    return _scheduled(cases_due_scan_on, "{} due-soon notices appended")


async def cases_repair_on(resources: Resources, providers: ProviderWiring | None = None) -> int:
    """Finish what a failure cut short: correction cases of disputes never queued, and
    licences of approvals never issued; how many were repaired (idempotent: run it every
    few minutes on any number of instances). ``providers`` as for :func:`serve`."""
    from app.services import build_services, wire_providers
    from applications.services.desk import OfficerDesk
    from liferecord.services.disputes import DisputeService

    services = build_services(resources, (providers or wire_providers)(resources))
    queued = await services.get(DisputeService).queue_pending()
    return queued + await services.get(OfficerDesk).issue_pending()


def cases_repair(providers: ProviderWiring | None = None) -> int:
    """``cases-repair``: the scheduled repair of disputes and approvals cut short."""
    return _scheduled(lambda resources: cases_repair_on(resources, providers), "{} cases repaired")


def purge_drafts() -> int:
    """``purge-drafts``: the scheduled purge of drafts never submitted."""
    return _scheduled(purge_drafts_on, "{} drafts purged")


async def purge_uploads_on(resources: Resources) -> tuple[int, str]:
    """Purge material uploads never confirmed within a day (their objects, then records),
    and sweep files posted again to a decided upload's slot before it expired."""
    from applications.adapters.storage import MaterialStorage
    from applications.repositories.catalogue import CatalogueRepository
    from applications.repositories.uploads import UploadRepository
    from applications.services.catalogue import CatalogueService
    from applications.services.uploads import UploadService
    from applications.uploads_models import MATERIAL_KEY_PURPOSE
    from infra.crypto import FieldCipher, derive_key

    master = resources.settings.secret_key.get_secret_value().encode()
    cipher = FieldCipher(derive_key(master, MATERIAL_KEY_PURPOSE))
    service = UploadService(
        UploadRepository(resources.database, cipher),
        MaterialStorage(resources.objects),
        CatalogueService(CatalogueRepository(resources.database)),
        cipher,
    )
    purged = 0
    while batch := await service.purge_abandoned():
        purged += batch
    return 0, f"purged or swept {purged} uploads"


def purge_uploads() -> int:
    """``purge-uploads``: run it periodically (e.g. hourly, from cron or a scheduler)."""
    settings = load_settings()

    async def run() -> tuple[int, str]:
        resources = await start_resources(settings)
        try:
            return await purge_uploads_on(resources)
        finally:
            await resources.close()

    try:
        status, line = asyncio.run(run())
    except StartupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(line)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m app``."""
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the API")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    commands.add_parser("worker", help="run the notifications worker (outbox, push)")
    dead = commands.add_parser(
        "dead-letters", help="list dead-lettered notification deliveries, or queue them again"
    )
    dead.add_argument("--retry", nargs="*", default=[], metavar="ID", help="delivery ids to retry")
    export = commands.add_parser("export-schema", help="write schema.graphql")
    export.add_argument("--output", type=Path, default=SCHEMA_FILE, help="file, or - for stdout")
    manifest = commands.add_parser(
        "build-manifest", help="write documents/manifest.json from documents/*.graphql"
    )
    manifest.add_argument(
        "--check", action="store_true", help="only check that the manifest is up to date"
    )
    liveness = commands.add_parser(
        "dev-liveness-result",
        help="DEVELOPMENT ONLY: sign a liveness result for a ticket (no real face check)",
    )
    liveness.add_argument("ticket")
    liveness.add_argument("--fail", action="store_true", help="sign a failed check instead")
    sms_codes = commands.add_parser(
        "dev-sms-codes",
        help="DEVELOPMENT ONLY: print the latest sign-in codes (masked phone, code), newest first",
    )
    sms_codes.add_argument("-n", "--limit", type=int, default=10, help="how many (default 10)")
    administrator = commands.add_parser(
        "grant-administrator",
        help="make a signed-in, real-name verified account an administrator (audit-logged)",
    )
    administrator.add_argument("--phone", required=True, help="the account's sign-in phone")
    commands.add_parser(
        "wallet-expiry-scan",
        help="append licence expiry notices (30 and 7 days ahead); run daily, idempotent",
    )
    commands.add_parser(
        "purge-drafts",
        help="delete application drafts never submitted within 30 days; run daily, idempotent",
    )
    commands.add_parser(
        "cases-due-scan",
        help="append due-soon notices for sub-cases due within a working day; run daily",
    )
    commands.add_parser(
        "cases-repair",
        help="queue disputes and issue approvals' licences a failure cut short; every few "
        "minutes, idempotent",
    )
    commands.add_parser("purge-uploads", help="delete material uploads never confirmed in a day")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    if args.command == "serve":
        return serve(args.host, args.port)
    if args.command == "worker":
        return worker()
    if args.command == "dead-letters":
        return dead_letters(args.retry)
    if args.command == "export-schema":
        return export_schema(args.output)
    if args.command == "build-manifest":
        return build_manifest(check=args.check)
    if args.command == "grant-administrator":
        return grant_administrator(args.phone)
    if args.command == "wallet-expiry-scan":
        return wallet_expiry_scan()
    if args.command == "purge-drafts":
        return purge_drafts()
    if args.command == "cases-due-scan":
        return cases_due_scan()
    if args.command == "cases-repair":
        return cases_repair()
    if args.command == "purge-uploads":
        return purge_uploads()
    if args.command == "dev-liveness-result":
        return development_liveness_result(args.ticket, passed=not args.fail)
    return development_sms_codes(args.limit)

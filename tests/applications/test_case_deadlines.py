"""Deadlines on the working-day calendar, clock stops, supervision and draft purging.

The case services run here on a settable clock (the rest of the app on the real one),
wired exactly as the composition root wires them, over the app's real servers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from app.applications_ports import AccessLogReads, RecordDisputeResolutions, WalletLicences
from applications import wiring
from applications.calendar import CITY_TIMEZONE, Suspension, WorkingDayCalendar
from applications.case_models import QueueFilter, SubjectKind, SuppliedMaterial
from applications.repositories.cases import CASES_KEY_PURPOSE, CaseRepository, due_key
from applications.services.applying import ApplicationService
from applications.services.catalogue import CatalogueService
from applications.services.desk import OfficerDesk
from applications.services.reminders import DueSoonScan
from applications.services.uploads import UploadService
from applications.workflow import Action, SubCaseState
from demo.data.people import DENG_WEIDONG, LIU_JIANJUN
from identity.errors import RoleRequired
from identity.models import AssuranceLevel, Principal
from identity.services.officers import OfficerService
from identity.services.sign_in import SignInService
from infra.crypto import FieldCipher, derive_key
from liferecord.services.corrections import RecordCorrections
from liferecord.services.data_tracker import DataTracker
from tests.app.citizens import real_name_citizen
from tests.applications.cases_factories import officers, resident_id_licence, staff, upload
from tests.applications.test_case_abuse import seal_form
from tests.applications.uploads_factories import material_cipher, services_of
from tests.identity.factories import SignedInCaller
from tests.identity.verification_factories import resources_of
from wallet.service import WalletService

CALENDAR = WorkingDayCalendar()


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def case_services(app: FastAPI, clock: Clock) -> tuple[ApplicationService, OfficerDesk]:
    """The case services as the composition root wires them, on ``clock``."""
    resources = resources_of(app)
    registry = services_of(app)
    wired = wiring.wire_cases(
        wiring.ApplicationsClients(
            database=resources.database,
            objects=resources.objects,
            material_cipher=material_cipher(app),
            cipher=FieldCipher(derive_key(b"test-master", CASES_KEY_PURPOSE)),
        ),
        wiring.ApplicationsConfig(calendar=CALENDAR, clock=clock),
        wiring.ApplicationsProviders(
            officers=registry.get(OfficerService),
            licences=WalletLicences(registry.get(WalletService)),
            reads=AccessLogReads(registry.get(DataTracker)),
            disputes=RecordDisputeResolutions(
                registry.get(RecordCorrections), registry.get(SignInService)
            ),
        ),
        catalogue=registry.get(CatalogueService),
        uploads=registry.get(UploadService),
    )
    [applying] = [s for s in wired.services if isinstance(s, ApplicationService)]
    [desk] = [s for s in wired.services if isinstance(s, OfficerDesk)]
    return applying, desk


def principal(caller: SignedInCaller) -> Principal:
    """The caller as the services see it."""
    return Principal(caller.account_id, caller.session_id, AssuranceLevel.REAL_NAME)


def at(day: str, hour: int = 10) -> datetime:
    """An instant on a Zhuzhou date."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=CITY_TIMEZONE)


async def _seal_filing(
    client: httpx.AsyncClient, app: FastAPI, applying: ApplicationService
) -> tuple[SignedInCaller, str, str]:
    citizen = await real_name_citizen(client, app, LIU_JIANJUN)
    materials = [
        SuppliedMaterial(
            "business-licence", upload_id=await upload(client, citizen, "business-licence")
        ),
        SuppliedMaterial("id-card", licence_uri=await resident_id_licence(app, citizen)),
    ]
    case = await applying.submit(
        principal(citizen),
        client_key="deadline-test-1",
        kind=SubjectKind.ITEM,
        code="430200-GA-001",
        form=seal_form(),
        materials=materials,
    )
    return citizen, case.id, case.sub_cases[0].id


async def test_due_dates_follow_the_calendar_and_suspension_moves_them(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a seal filing (1 working day) received the Wednesday before National Day 2026
    clock = Clock(at("2026-09-30"))
    applying, desk = case_services(app, clock)
    _citizen, case_id, sub_id = await _seal_filing(client, app, applying)
    clerk, _head = await officers(client, app)
    received = clock.now

    # then it is due at close of business on the next working day after the holiday
    case = await applying.case_of(principal(_citizen), case_id)
    expected = CALENDAR.add_working_days(received, 1)
    assert case.sub_cases[0].due_at == expected
    assert expected.date() > datetime(2026, 10, 7).date()

    # when it is accepted, suspended on the due day and resumed three days later
    await desk.act(principal(clerk), sub_id, Action.ACCEPT)
    clock.now = at(expected.date().isoformat(), 9)
    suspended_at = clock.now
    await desk.act(principal(clerk), sub_id, Action.SUSPEND, reason="需现场核查")
    clock.now = suspended_at + timedelta(days=3)
    case = await desk.act(principal(clerk), sub_id, Action.RESUME, reason="核查完毕")

    # then the due date moved by the working days it stood still
    sub = case.sub_cases[0]
    assert sub.state is SubCaseState.ACCEPTED
    stopped = CALENDAR.suspended_working_days([Suspension(suspended_at, clock.now)])
    assert stopped >= 1
    assert sub.due_at == CALENDAR.add_working_days(received, 1 + stopped)


async def test_supervision_lists_overdue_sub_cases_for_an_administrator(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a seal filing received on a Monday
    clock = Clock(at("2026-06-01"))
    applying, desk = case_services(app, clock)
    _citizen, _case_id, sub_id = await _seal_filing(client, app, applying)
    administrator = await staff(client, app, DENG_WEIDONG)
    clerk, _head = await officers(client, app)

    # when nobody acts on it for a week
    clock.now = at("2026-06-08")
    entries = await desk.supervision(principal(administrator), None)

    # then the administrator sees it overdue, with negative working days left
    [entry] = [e for e in entries if e.sub_case.id == sub_id]
    assert entry.overdue
    assert entry.working_days_left is not None
    assert entry.working_days_left < 0
    # and a clerk may not read the supervision list
    with pytest.raises(RoleRequired):
        await desk.supervision(principal(clerk), "430200-GA")


async def test_drafts_are_purged_after_their_retention(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a draft saved on 1 June
    clock = Clock(at("2026-06-01"))
    applying, _desk = case_services(app, clock)
    citizen = await real_name_citizen(client, app, LIU_JIANJUN)
    draft = await applying.save_draft(
        principal(citizen),
        draft_id=None,
        kind=SubjectKind.ITEM,
        code="430200-GA-001",
        form={"enterprise.name": "草稿公司"},
        materials=[],
        prefilled={},
    )

    # when the purge runs 29 and then 31 days later
    clock.now = at("2026-06-30")
    kept = await applying.purge_drafts()
    clock.now = at("2026-07-02")
    purged = await applying.purge_drafts()

    # then only the second purge removes it
    assert (kept, purged) == (0, 1)
    drafts = resources_of(app).database["application_drafts"]
    assert await drafts.count_documents({"_id": draft.id}) == 0


async def test_a_sub_case_due_soon_is_announced_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a seal filing (1 working day) received on a Monday morning
    clock = Clock(at("2026-06-01"))
    applying, _desk = case_services(app, clock)
    _citizen, case_id, sub_id = await _seal_filing(client, app, applying)
    cases = CaseRepository(
        resources_of(app).database, FieldCipher(derive_key(b"test-master", CASES_KEY_PURPOSE))
    )
    scan = DueSoonScan(cases, CALENDAR, clock=clock)

    # when the scan runs on Monday (due by Tuesday's close: within a working day), again,
    # and on Tuesday
    first = await scan.run()
    again = await scan.run()
    clock.now = at("2026-06-02", 8)
    due_day = await scan.run()

    # then exactly one due-soon event was appended, for that sub-case
    assert (first, again, due_day) == (1, 0, 0)
    events = resources_of(app).database["outbox"]
    found = [doc async for doc in events.find({"kind": "applications.case.due_soon"})]
    assert [(e["subject"], e["payload"]["sub_case_id"]) for e in found] == [(case_id, sub_id)]


async def test_a_due_date_past_the_calendar_is_unknown_and_queues_last(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given two seal filings (1 working day): one on 30 December 2026, due the next day,
    # and one on 31 December, due in 2027, which the official calendar does not reach yet
    clock = Clock(at("2026-12-30"))
    applying, desk = case_services(app, clock)
    citizen, _first_case, known = await _seal_filing(client, app, applying)
    clock.now = at("2026-12-31")
    materials = [
        SuppliedMaterial(
            "business-licence", upload_id=await upload(client, citizen, "business-licence")
        ),
        SuppliedMaterial("id-card", licence_uri=await resident_id_licence(app, citizen)),
    ]
    late = await applying.submit(
        principal(citizen),
        client_key="deadline-test-2",
        kind=SubjectKind.ITEM,
        code="430200-GA-001",
        form=seal_form(),
        materials=materials,
    )
    clerk, _head = await officers(client, app)

    # when the clerk pages through the queue one at a time
    first = await desk.queue(principal(clerk), "430200-GA", QueueFilter(), first=1, after=None)
    [shown] = first.items
    second = await desk.queue(
        principal(clerk),
        "430200-GA",
        QueueFilter(),
        first=1,
        after=(due_key(shown.due_at), shown.id),
    )

    # then the known due date comes first, the unknown one (null) last, and both are seen
    assert late.due_at is None
    assert late.sub_cases[0].due_at is None
    assert (shown.id, first.has_next_page) == (known, True)
    assert [s.id for s in second.items] == [late.sub_cases[0].id]
    assert second.has_next_page is False

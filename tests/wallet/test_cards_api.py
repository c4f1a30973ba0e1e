"""``GET /wallet/licences/{uri}/card.png|pdf``: the holder's pictures, nobody else's."""

from __future__ import annotations

import io
from urllib.parse import quote

import httpx
import pypdfium2 as pdfium
import pytest
from fastapi import FastAPI
from PIL import Image

from demo.data.enterprise_records import RAIL
from demo.data.people import LI_XIAOYAN, LIU_JIANJUN
from demo.seed import seed
from tests.identity.factories import SignedInCaller, sign_in
from tests.identity.verification_factories import resources_of
from tests.liferecord.documents import verified_caller
from tests.liferecord.test_enterprise_record import _agent_of_rail
from tests.wallet.test_licences import business_licence, resident_id
from wallet.cards import CARD_SIZE
from wallet.service import WalletService


def _wallet(app: FastAPI) -> WalletService:
    service: WalletService = app.state.services.get(WalletService)
    return service


def _url(uri: str, kind: str = "png") -> str:
    return f"/wallet/licences/{quote(uri, safe='')}/card.{kind}"


def _bearer(caller: SignedInCaller, acting_for: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {caller.access_token}"}
    return headers | ({"X-Acting-For": acting_for} if acting_for else {})


async def _holder_and_licence(
    app: FastAPI, client: httpx.AsyncClient
) -> tuple[SignedInCaller, str]:
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    licence = await _wallet(app).issue(resident_id(liu.account_id, LIU_JIANJUN.id_number))
    return liu, licence.uri


async def test_the_holder_gets_the_card_as_png_and_pdf(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given Liu and his ID card in the wallet
    liu, uri = await _holder_and_licence(app, client)
    # when he asks for its pictures
    png = await client.get(_url(uri), headers=_bearer(liu))
    pdf = await client.get(_url(uri, "pdf"), headers=_bearer(liu))
    # then he gets a PNG card and a one-page PDF, which no intermediary keeps
    assert png.status_code == 200, png.text
    assert png.headers["content-type"] == "image/png"
    assert png.headers["cache-control"] == "private, no-store"
    assert Image.open(io.BytesIO(png.content)).size == CARD_SIZE
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert len(pdfium.PdfDocument(pdf.content)) == 1


@pytest.mark.parametrize("kind", ["png", "pdf"])
async def test_another_citizen_gets_the_same_404_as_for_no_licence(
    app: FastAPI, client: httpx.AsyncClient, kind: str
) -> None:
    # given Liu's licence, and Li signed in
    _, uri = await _holder_and_licence(app, client)
    li = await verified_caller(client, app, LI_XIAOYAN)
    # when Li asks for Liu's licence, and for one that does not exist
    theirs = await client.get(_url(uri, kind), headers=_bearer(li))
    unknown = await client.get(_url(uri[:-4] + "ffff", kind), headers=_bearer(li))
    # then both answers are the same 404: nothing says Liu's licence exists
    assert theirs.status_code == unknown.status_code == 404
    assert (
        theirs.json()
        == unknown.json()
        == {
            "code": "NOT_FOUND",
            "message": "未找到该证照",
            "messageEn": "No such licence",
        }
    )
    assert "刘建军" not in theirs.text


async def test_an_anonymous_or_forged_caller_must_sign_in(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    _, uri = await _holder_and_licence(app, client)
    anonymous = await client.get(_url(uri))
    forged = await client.get(_url(uri), headers={"Authorization": "Bearer not-a-token"})
    for answer in (anonymous, forged):
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert answer.json()["code"] == "AUTHENTICATION_REQUIRED"
        assert "Traceback" not in answer.text


async def test_a_phone_only_session_must_verify_its_real_name_first(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a licence held by an account that signed in with its phone only
    await seed(resources_of(app))
    caller = await sign_in(client, app)
    licence = await _wallet(app).issue(resident_id(caller.account_id))
    # when it asks for the card
    answer = await client.get(_url(licence.uri), headers=_bearer(caller))
    # then it is asked to step up, before anything about the licence is read
    assert answer.status_code == 403
    assert answer.json()["code"] == "STEP_UP_REQUIRED"
    assert answer.json()["requiredLevel"] == "REAL_NAME"


async def test_an_enterprise_licence_is_for_agents_with_wallet_read_only(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given the rail company's business licence, Liu its representative, Zhou its agent
    # with wallet:read
    liu, zhou = await _agent_of_rail(app, client, ["wallet:read"])
    licence = await _wallet(app).issue(business_licence(RAIL.uscc))
    li = await verified_caller(client, app, LI_XIAOYAN)
    # when Zhou asks acting for the company, without acting, and Li pretends to act
    representative = await client.get(_url(licence.uri), headers=_bearer(liu, RAIL.uscc))
    acting = await client.get(_url(licence.uri), headers=_bearer(zhou, RAIL.uscc))
    not_acting = await client.get(_url(licence.uri), headers=_bearer(zhou))
    stranger = await client.get(_url(licence.uri), headers=_bearer(li, RAIL.uscc))
    # then only requests acting for the company with wallet:read get the card (the legal
    # representative holds every scope)
    assert representative.status_code == acting.status_code == 200, acting.text
    assert acting.headers["content-type"] == "image/png"
    assert not_acting.status_code == stranger.status_code == 404


async def test_an_agent_without_wallet_read_gets_404(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    _, zhou = await _agent_of_rail(app, client, ["profile:read"])
    licence = await _wallet(app).issue(business_licence(RAIL.uscc))
    answer = await client.get(_url(licence.uri, "pdf"), headers=_bearer(zhou, RAIL.uscc))
    assert answer.status_code == 404

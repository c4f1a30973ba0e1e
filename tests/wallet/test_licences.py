"""Issuing sealed licences and verifying their seals, on the real servers."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from wallet.canonical import canonical_json
from wallet.errors import InvalidLicence, LicenceAlreadyIssued, LicenceTypeNotIssued
from wallet.models import Holder, HolderKind, Licence, LicenceType, SealFailure
from wallet.seals import (
    DepartmentSeal,
    SealAlgorithm,
    SealKeyring,
    Sm2PublicKey,
    b64url_decode,
    generate_key,
)
from wallet.service import IssueRequest, WalletService

ID_NUMBER = "430202199001011234"
NAME = "张三丰"
ADDRESS = "湖南省株洲市天元区神农大道1号"


def _wallet(app: FastAPI) -> WalletService:
    service: WalletService = app.state.services.get(WalletService)
    return service


def resident_id(account: str = "acct-0001", number: str = ID_NUMBER) -> IssueRequest:
    return IssueRequest(
        type=LicenceType.RESIDENT_ID,
        holder=Holder(HolderKind.CITIZEN, account),
        issuer="430200-GA",
        number=number,
        issued_on=date(2020, 5, 1),
        expires_on=date(2040, 5, 1),
        fields={
            "name": NAME,
            "sex": "男",
            "ethnicity": "汉",
            "birthDate": "1990-01-01",
            "address": ADDRESS,
        },
    )


def business_licence(uscc: str = "91430200MA4L000001") -> IssueRequest:
    return IssueRequest(
        type=LicenceType.BUSINESS_LICENCE,
        holder=Holder(HolderKind.ENTERPRISE, uscc),
        issuer="430200-SCJG",
        number=uscc,
        issued_on=date(2021, 3, 15),
        expires_on=None,
        fields={
            "name": "株洲示例科技有限公司",
            "legalForm": "有限责任公司",
            "legalRepresentative": "李四",
            "registeredCapital": 500,
            "establishedOn": date(2021, 3, 15),
            "address": "株洲市芦淞区建设中路2号",
            "scope": "软件开发",
        },
    )


async def test_issuing_seals_with_the_departments_current_key_and_verifies(app: FastAPI) -> None:
    wallet = _wallet(app)
    licence = await wallet.issue(business_licence())
    current = wallet.seals.current("430200-SCJG")
    assert current is not None
    assert (licence.seal.kid, licence.seal.alg) == (current.public.kid, "SM2-SM3")
    assert licence.uri.startswith("urn:zhuzhou:licence:430200-SCJG:business_licence:")
    assert (await wallet.verify(licence.uri)).authentic
    stored = await wallet.licence(licence.uri)
    assert stored.fields["registeredCapital"] == 500
    assert stored.fields["establishedOn"] == "2021-03-15"


async def test_issuing_stores_no_personal_data_in_clear(app: FastAPI) -> None:
    licence = await _wallet(app).issue(resident_id())
    raw = await app.state.resources.database["licences"].find_one({"_id": licence.uri})
    text = json.dumps(raw, default=str, ensure_ascii=False)
    for personal in (ID_NUMBER, NAME, ADDRESS, "1990-01-01"):
        assert personal not in text
    assert set(raw) == {
        "_id",
        "type",
        "holder",
        "issuer",
        "issuedOn",
        "expiresOn",
        "content",
        "seal",
        "status",
        "version",
        "statusIndex",
        "createdAt",
    }
    assert raw["holder"] == {"kind": "citizen", "id": "acct-0001"}


def _tampered(licence: Licence, **fields: Any) -> Licence:
    return dataclasses.replace(licence, fields={**licence.fields, **fields})


async def test_a_tampered_field_fails_verification(app: FastAPI) -> None:
    wallet = _wallet(app)
    licence = await wallet.issue(resident_id())
    assert wallet.check_seal(licence).authentic
    for changed in (
        _tampered(licence, name="张三"),
        dataclasses.replace(licence, expires_on=date(2050, 5, 1)),
        dataclasses.replace(licence, holder=Holder(HolderKind.CITIZEN, "acct-0002")),
        dataclasses.replace(licence, number="430202199001011235"),
    ):
        assert wallet.check_seal(changed).failure is SealFailure.BAD_SIGNATURE
    # a stored field changed in the database fails too
    collection = app.state.resources.database["licences"]
    other = await wallet.issue(resident_id("acct-0003", "430202199001013333"))
    await collection.update_one({"_id": other.uri}, {"$set": {"issuedOn": "2019-01-01"}})
    assert (await wallet.verify(other.uri)).failure is SealFailure.BAD_SIGNATURE


async def test_a_rotated_out_key_verifies_while_published_and_an_unknown_kid_fails(
    app: FastAPI,
) -> None:
    wallet = _wallet(app)
    old = wallet.seals
    licence = await wallet.issue(resident_id())
    old_key = old.current("430200-GA")
    assert old_key is not None
    # rotation: a new current key, the old one kept as previous
    new_key = generate_key(SealAlgorithm.ED25519)
    wallet.seals = SealKeyring([DepartmentSeal("430200-GA", new_key, (old_key.public,))])
    assert wallet.check_seal(licence).authentic
    reissued = await wallet.issue(resident_id("acct-0009", "430202199001019999"))
    assert (reissued.seal.kid, reissued.seal.alg) == (new_key.public.kid, "EdDSA")
    # the old key withdrawn: its licences no longer verify
    wallet.seals = SealKeyring([DepartmentSeal("430200-GA", new_key)])
    assert wallet.check_seal(licence).failure is SealFailure.UNKNOWN_KEY
    # a key of another department does not seal this department's licences
    scjg = old.current("430200-SCJG")
    assert scjg is not None
    wallet.seals = SealKeyring([DepartmentSeal("430200-SCJG", scjg, (old_key.public,))])
    assert wallet.check_seal(licence).failure is SealFailure.WRONG_DEPARTMENT
    wallet.seals = old


async def test_bad_requests_are_refused_and_nothing_is_stored(app: FastAPI) -> None:
    wallet = _wallet(app)
    cases: list[tuple[IssueRequest, type[Exception], str | None]] = [
        (dataclasses.replace(resident_id(), issuer="430200-SCJG"), LicenceTypeNotIssued, "issuer"),
        (
            dataclasses.replace(
                resident_id(), holder=Holder(HolderKind.ENTERPRISE, "91430200MA4L000001")
            ),
            InvalidLicence,
            "holder",
        ),
        (
            dataclasses.replace(resident_id(), fields={**resident_id().fields, "extra": "x"}),
            InvalidLicence,
            "fields",
        ),
        (
            dataclasses.replace(
                resident_id(), fields={**resident_id().fields, "birthDate": "1990-13-01"}
            ),
            InvalidLicence,
            "fields.birthDate",
        ),
        (
            dataclasses.replace(
                business_licence(), fields={**business_licence().fields, "registeredCapital": 5.5}
            ),
            InvalidLicence,
            "fields.registeredCapital",
        ),
        (
            dataclasses.replace(resident_id(), expires_on=date(2019, 1, 1)),
            InvalidLicence,
            "expiresOn",
        ),
    ]
    for request, error, field in cases:
        with pytest.raises(error) as refused:
            await wallet.issue(request)
        assert getattr(refused.value, "field", None) == field
    assert await app.state.resources.database["licences"].count_documents({}) == 0
    await wallet.issue(resident_id())
    with pytest.raises(LicenceAlreadyIssued):
        await wallet.issue(resident_id())


async def test_the_seals_endpoint_lists_each_departments_keys_with_alg_and_kid(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.get("/.well-known/seals.json")
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    keys = response.json()["keys"]
    wallet = _wallet(app)
    by_department = {key["department"]: key for key in keys}
    assert set(by_department) == set(wallet.seals.departments)
    for department, key in by_department.items():
        current = wallet.seals.current(department)
        assert current is not None
        assert key == current.public.jwk() | {
            "kid": current.public.kid,
            "alg": "SM2-SM3",
            "use": "sig",
            "department": department,
            "status": "current",
        }
    # a licence verifies offline with nothing but the published key
    licence = await wallet.issue(business_licence())
    published = next(key for key in keys if key["kid"] == licence.seal.kid)
    point = b"\x04" + b64url_decode(published["x"]) + b64url_decode(published["y"])
    assert Sm2PublicKey(point).verify(
        canonical_json(licence.signed_content()), b64url_decode(licence.seal.signature)
    )

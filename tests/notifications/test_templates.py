"""Templates are data: one file per event kind of the outbox contract, zh-CN and en."""

from __future__ import annotations

import json

import pytest

from notifications.models import Category
from notifications.templates import LANGUAGES, TEMPLATE_DIR, template_for, templates

CASE_CHANGES = (
    "submitted",
    "accepted",
    "supplement_requested",
    "supplied",
    "suspended",
    "resumed",
    "approved",
    "rejected",
    "completed",
    "withdrawn",
    "due_soon",
)
LICENCE_CHANGES = ("issued", "suspended", "reinstated", "revoked", "expiring")
EVENT_KINDS = (
    [f"applications.case.{change}" for change in CASE_CHANGES]
    + [f"wallet.licence.{change}" for change in LICENCE_CHANGES]
    + ["liferecord.dispute.resolved", "identity.session.new_device", "system.announcement"]
)


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_every_event_kind_has_a_template_file_in_both_languages(kind: str) -> None:
    # given the template file of the kind
    doc = json.loads((TEMPLATE_DIR / f"{kind}.json").read_text(encoding="utf-8"))
    # then it has a title and a body in zh-CN and en, and a deep link
    for language in LANGUAGES:
        assert doc[language]["title"].strip(), language
        assert doc[language]["body"].strip(), language
    assert doc["deep_link"].startswith("smartzhuzhou://")
    assert Category(doc["category"])


def test_no_template_exists_for_a_kind_the_contract_does_not_name() -> None:
    assert sorted(templates()) == sorted(EVENT_KINDS)


def test_a_case_template_renders_the_reference_and_the_case_deep_link() -> None:
    template = template_for("applications.case.approved")
    assert template is not None
    rendered = template.render({"case_id": "case_1", "reference": "ZZ20261202-000123"})
    assert "ZZ20261202-000123" in rendered.body.zh
    assert "ZZ20261202-000123" in rendered.body.en
    assert rendered.deep_link == "smartzhuzhou://cases/case_1"


def test_a_licence_deep_link_quotes_the_licence_uri() -> None:
    template = template_for("wallet.licence.expiring")
    assert template is not None
    rendered = template.render({"licence": "urn:zz:licence/1 2", "days": 7})
    assert rendered.deep_link == "smartzhuzhou://wallet/urn%3Azz%3Alicence%2F1%202"
    assert "7" in rendered.body.en


def test_a_missing_parameter_renders_empty_instead_of_failing() -> None:
    template = template_for("applications.case.approved")
    assert template is not None
    assert template.render({}).deep_link == "smartzhuzhou://cases/"

"""The demo's provider wiring: a labelled stand-in in every slot, refused by staging."""

from __future__ import annotations

import dataclasses

from app.resources import Resources
from app.services import INTERNAL_SEAMS, SLOT_SETTINGS
from demo.providers import DemoExchange, demo_providers
from infra.providers import DevelopmentOnly

DEMO_LABELS = [
    "development SMS (codes written to the log, never sent)",
    "development liveness",
    "development mini-program sign-in",
    "demo population register",
    "development carrier check",
    "demo register of legal entities",
    "demo life-record sources",
    "demo enterprise data sets",
    "demo department licence sources",
]


def test_every_slot_of_the_demo_wiring_is_a_labelled_stand_in(resources: Resources) -> None:
    # given the wiring development and the demo run
    providers = demo_providers(resources)
    # then every provider in every slot says it is a stand-in, and what for
    labels: set[str] = set()
    for field in dataclasses.fields(providers):
        if field.name in INTERNAL_SEAMS:
            continue
        wired = getattr(providers, field.name)
        leaves = (
            list(wired.values())
            if isinstance(wired, dict)
            else list(wired)
            if isinstance(wired, list | tuple)
            else [wired]
        )
        assert leaves, field.name
        for provider in leaves:
            assert isinstance(provider, DevelopmentOnly), field.name
            assert provider.label.strip(), field.name
            labels.add(provider.label)
        assert field.name in SLOT_SETTINGS
    for label in DEMO_LABELS:
        assert any(found.startswith(label) for found in labels), label


async def test_the_demo_wiring_hands_its_exchange_to_the_index_creation(
    resources: Resources,
) -> None:
    # given the resources a demo app starts with
    before = list(resources.repositories)
    # when the demo wiring runs
    demo_providers(resources)
    # then the demo exchange's stores are among the repositories whose indexes are made
    added = resources.repositories[len(before) :]
    kinds = {type(repository) for repository in added}
    exchange = DemoExchange.over(resources.database)
    assert kinds == {type(repository) for repository in exchange.repositories}
    # and making them creates the register's look-up by legal representative
    for repository in added:
        await repository.ensure_indexes()
    cursor = await resources.database["exchange_legal_entities"].list_indexes()
    names = [index["name"] async for index in cursor]
    assert "legal_representative_uscc" in names

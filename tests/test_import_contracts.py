"""The import contracts in pyproject.toml name every top-level package, so none escapes them.

scripts/lint runs the contracts (import-linter) and scripts/check_cycles.py; this test
only reads the configuration, so that a new domain, added as a folder, fails here until
it is placed in the layers and given its rules (see docs/architecture.md, "Adding a
domain").
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Outside the product whatever else is: never imported by it, never in the image.
OUTSIDE_PRODUCT = frozenset({"demo", "devstack", "bench"})
# The product's packages that are not domains.
FRAMEWORK = frozenset({"app", "resolvers", "schema", "infra", "kit"})
DRIVERS = frozenset({"pymongo", "redis", "bson"})
WEB = frozenset({"strawberry", "fastapi", "app", "resolvers", "schema"})


def _top_level_packages() -> set[str]:
    return {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests"}


def _config() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        config: dict[str, Any] = tomllib.load(file)["tool"]["importlinter"]
    return config


def _contract(contract_id: str) -> dict[str, Any]:
    contracts: dict[str, dict[str, Any]] = {
        contract["id"]: contract for contract in _config()["contracts"]
    }
    assert contract_id in contracts, f"no contract with id {contract_id!r} in pyproject.toml"
    return contracts[contract_id]


def _layer_names(layer: str) -> set[str]:
    """Module names of one layer, optional ones ("(wallet)") included."""
    return {name.strip().strip("()") for name in layer.replace("|", ":").split(":")}


# A package is in the product (a root package) or forbidden to it; nothing in between.
OUTSIDE = set(_contract("product-without-demo")["forbidden_modules"])
PRODUCT = sorted(_top_level_packages() - OUTSIDE)
DOMAINS = sorted(set(PRODUCT) - FRAMEWORK)


def test_the_product_is_exactly_the_root_packages() -> None:
    assert sorted(_config()["root_packages"]) == PRODUCT
    assert _config()["include_external_packages"] is True  # drivers and demo are external


@pytest.mark.parametrize("package", PRODUCT)
def test_every_product_package_is_kept_acyclic_and_demo_free(package: str) -> None:
    assert package in _contract("acyclic-rooms")["ancestors"]
    assert package in _contract("product-without-demo")["source_modules"]


def test_the_product_never_imports_what_lies_outside_it() -> None:
    assert OUTSIDE >= OUTSIDE_PRODUCT
    assert not OUTSIDE & set(PRODUCT)


def test_the_graphql_side_points_down() -> None:
    assert _contract("graphql-layers")["layers"] == ["app", "resolvers", "schema"]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_has_its_layer_and_its_rules(domain: str) -> None:
    app, resolvers, domains, infra, kit = _contract("domain-layers")["layers"]
    assert (app, resolvers, infra, kit) == ("app", "resolvers", "infra", "kit")
    assert domain in _layer_names(domains), f"add {domain} to the domain layer"

    assert domain in _contract("schema-is-shape")["forbidden_modules"]

    plain = _contract("domains-stay-plain")
    assert domain in plain["source_modules"]
    assert set(plain["forbidden_modules"]) >= WEB

    drivers = _contract(f"drivers-{domain}")
    assert drivers["source_modules"] == [domain]
    assert set(drivers["forbidden_modules"]) >= DRIVERS
    allowed = {line.split(" -> ")[0] for line in drivers["ignore_imports"]}
    assert allowed == {
        f"{domain}.repository",
        f"{domain}.repositories",
        f"{domain}.repositories.**",
        f"{domain}.adapters",
        f"{domain}.adapters.**",
    }


def test_scripts_lint_runs_the_contracts_and_the_cycle_check() -> None:
    lint = (ROOT / "scripts" / "lint").read_text(encoding="utf-8")
    assert "lint-imports" in lint
    assert "scripts/check_cycles.py" in lint

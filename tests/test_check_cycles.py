"""scripts/check_cycles.py: the import cycles it must find, and those it must not invent."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_cycles.py"


@pytest.fixture(scope="module")
def check_cycles() -> ModuleType:
    """The script, loaded as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("check_cycles", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_cycles"] = module
    spec.loader.exec_module(module)
    return module


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Create the files (paths relative to root) and return root."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_project_without_cycles_passes(check_cycles: ModuleType, tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/main.py": "import pymongo\nfrom shop import service\n",
            "shop/__init__.py": "",
            "shop/service.py": "from .repository import Repository\nimport os.path\n",
            "shop/repository.py": "from shop.models import Item\n",
            "shop/models.py": "import dataclasses\n",
        },
    )
    assert check_cycles.find_cycles(root) == []
    assert check_cycles.main(["check_cycles", str(root)]) == 0


def test_a_two_module_cycle_is_named_with_its_path(
    check_cycles: ModuleType, tmp_path: Path
) -> None:
    root = write_tree(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/disputes.py": "from shop.dispute_repository import save\n",
            "shop/dispute_repository.py": "from shop import disputes\n",
        },
    )
    assert check_cycles.find_cycles(root) == [
        "module cycle: shop.dispute_repository -> shop.disputes -> shop.dispute_repository"
    ]
    assert check_cycles.main(["check_cycles", str(root)]) == 1


def test_relative_and_deferred_imports_count(check_cycles: ModuleType, tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/cli.py": "def dev() -> None:\n    from . import embedded\n",
            "app/sub/__init__.py": "",
            "app/sub/embedded_helpers.py": "from ..cli import dev\n",
            "app/embedded.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .sub.embedded_helpers import x\n"
            ),
        },
    )
    assert check_cycles.find_cycles(root) == [
        "module cycle: app.cli -> app.embedded -> app.sub.embedded_helpers -> app.cli"
    ]


def test_a_package_imported_from_its_init_is_the_package(
    check_cycles: ModuleType, tmp_path: Path
) -> None:
    root = write_tree(
        tmp_path,
        {
            "kit/__init__.py": "from kit.text import Localized\n",
            "kit/text.py": "from kit import errors\n",
            "kit/errors.py": "from kit import VERSION\n",
        },
    )
    assert check_cycles.find_cycles(root) == ["module cycle: kit -> kit.text -> kit.errors -> kit"]


def test_a_cycle_between_top_level_packages_is_found_without_a_module_cycle(
    check_cycles: ModuleType, tmp_path: Path
) -> None:
    root = write_tree(
        tmp_path,
        {
            "identity/__init__.py": "",
            "identity/enterprises.py": "from liferecord.models import Section\n",
            "identity/models.py": "",
            "liferecord/__init__.py": "",
            "liferecord/models.py": "",
            "liferecord/enterprise.py": "import identity.models\n",
        },
    )
    assert check_cycles.find_cycles(root) == [
        "package cycle: identity -> liferecord -> identity, through\n"
        "    identity.enterprises -> liferecord.models\n"
        "    liferecord.enterprise -> identity.models"
    ]


def test_tests_and_external_packages_are_left_out(check_cycles: ModuleType, tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/models.py": "import redis\nfrom tests import factories\n",
            "tests/__init__.py": "",
            "tests/factories.py": "from shop import models\n",
        },
    )
    assert check_cycles.top_level_packages(root) == ["shop"]
    assert check_cycles.find_cycles(root) == []

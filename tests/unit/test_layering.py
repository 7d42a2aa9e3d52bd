"""The layering of DESIGN.md: the domain, the documents and the reports load no ORM, web3 or web
framework."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from types import ModuleType

import pytest

import node.documents
import node.domain
import node.reports

FORBIDDEN = ("sqlalchemy", "web3", "fastapi", "starlette", "alembic")


@pytest.mark.parametrize(
    "package", [node.domain, node.documents, node.reports], ids=lambda p: p.__name__
)
def test_the_package_loads_none_of_the_infrastructure(package: ModuleType) -> None:
    modules = [
        info.name for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
    ]
    assert modules, "no module found: the walk itself is broken"
    probe = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]", f"{package.__name__} loads {loaded}"

"""The direction of dependencies (DESIGN section 0), checked two ways.

Statically: every ``import`` in a package's files names only packages at or below it. Dynamically:
importing the producer's public entry points in a fresh interpreter loads no ``worker`` module
(a lazy import inside a function would pass the static check only if it is not at module level,
so the dynamic check catches what the static one cannot see: imports made at import time).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: What each package may import (besides itself, the standard library and third parties).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "schemas": {"core"},
    "hubspot_client": {"core", "schemas"},
    "store": {"core", "schemas"},
    "broker": {"core", "schemas", "store", "hubspot_client"},
    "worker": {"core", "schemas", "store", "hubspot_client", "broker"},
    "producer": {"core", "schemas", "store", "hubspot_client", "broker"},
    "cli": {
        "core",
        "schemas",
        "store",
        "hubspot_client",
        "broker",
        "worker",
        "producer",
        "sandbox",
    },
    "sandbox": {"core", "schemas"},  # HubSpot's default portal data (schemas.hubspot_defaults)
}
OURS = set(ALLOWED)


def _imported_packages(path: Path) -> set[str]:
    """Top-level package names of every import in one file (module level and inside functions)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_layers_below_it(package: str) -> None:
    """No file of a package imports a package above it or beside it (producer <-> worker)."""
    offences = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for imported in _imported_packages(path) - ALLOWED[package] - {package}:
            offences.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert offences == []


def test_the_layer_table_covers_every_product_package() -> None:
    """A new top-level package must be placed in the table, or this test would ignore it."""
    packages = {
        p.name
        for p in ROOT.iterdir()
        if (p / "__init__.py").exists() and p.name not in {"tests", "bench"}
    }
    assert packages == OURS


def _loaded(imports: str, packages: tuple[str, ...]) -> str:
    """The modules of ``packages`` that ``import {imports}`` loads in a fresh interpreter."""
    code = (
        f"import sys, {imports}\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{packages!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_importing_the_producer_loads_no_worker_module() -> None:
    """``producer``, its HTTP app and its LangChain tools load nothing from ``worker``."""
    imports = "producer, producer.api.app, producer.langchain, producer.actions"
    assert _loaded(imports, ("worker",)) == ""


def test_importing_the_broker_is_cheap() -> None:
    """The shared Redis layer loads neither the worker nor the producer nor the web framework."""
    imports = "broker.dispatch, broker.schedule, broker.notify, broker.counters"
    assert _loaded(imports, ("worker", "producer", "fastapi", "cli")) == ""

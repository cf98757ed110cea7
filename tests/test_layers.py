"""The import rule between the layers, checked on every module's syntax tree.

domain/ is the nouns and rules, storage/ keeps them, handlers/ are the platform-neutral flows, bot/
holds the channel adapters, the CLI and the secrets. Arrows point down only: a flow that
imported `bot` could reach the Telegram token, and a domain module that imported `storage` or
`handlers` could not be reused by a fourth adapter.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> packages it must never import, directly or lazily inside a function
FORBIDDEN = {
    "domain": {"bot", "handlers", "storage"},
    "storage": {"bot", "handlers"},
    "handlers": {"bot"},
}


def imported_packages(path: Path) -> set[tuple[int, str]]:
    """(line, top-level package) of every import in the module, wherever it is written."""
    found: set[tuple[int, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name.split(".")[0]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # A relative import stays inside its own package.
                package = path.relative_to(ROOT).parts[0]
                found.add((node.lineno, package))
            elif node.module:
                found.add((node.lineno, node.module.split(".")[0]))
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_downwards(package: str) -> None:
    assert modules(package), f"no modules found under {package}/"
    broken = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in modules(package)
        for line, name in sorted(imported_packages(path))
        if name in FORBIDDEN[package]
    ]
    assert broken == []


def test_the_rule_sees_lazy_and_nested_imports(tmp_path: Path) -> None:
    # The check itself must not miss the import a newcomer would write inside a function.
    module = tmp_path / "sample.py"
    module.write_text(
        "import os\n"
        "def f():\n"
        "    from bot.config import Settings\n"
        "    import storage.sqlite\n"
        "    return Settings\n",
        encoding="utf-8",
    )
    names = {name for _, name in imported_packages(module)}
    assert {"bot", "storage", "os"} <= names


# Each flow's modules, and the modules of the other flows they must not import: what two flows
# share lives in a neutral module (handlers/common.py, handlers/intake.py, handlers/engine.py).
FLOW_MODULES = {
    "resident": ["handlers/resident"],
    "office": ["handlers/office.py", "handlers/staff.py"],
    "admin": ["handlers/admin"],
}
FLOW_PACKAGES = {
    "resident": ("handlers.resident",),
    "office": ("handlers.office", "handlers.staff"),
    "admin": ("handlers.admin",),
}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("flow", sorted(FLOW_MODULES))
def test_flows_do_not_import_each_other(flow: str) -> None:
    paths = [
        path
        for place in FLOW_MODULES[flow]
        for path in ([ROOT / place] if place.endswith(".py") else modules(place))
    ]
    others = tuple(
        package for name, packages in FLOW_PACKAGES.items() if name != flow for package in packages
    )
    broken = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in sorted(imported_modules(path))
        if any(name == other or name.startswith(other + ".") for other in others)
    ]
    assert broken == []


MAX_LINES = 600


@pytest.mark.parametrize("package", ["bot", "handlers", "storage", "domain", "benchmarks"])
def test_no_module_is_longer_than_one_reading(package: str) -> None:
    # A module past this has usually grown a second concept; split it where the concepts part.
    long = {
        str(path.relative_to(ROOT)): n
        for path in modules(package)
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long

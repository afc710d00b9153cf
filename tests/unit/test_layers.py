"""The layering rules that a reviewer would otherwise have to remember (docs/architecture.md).

The command line parses, calls services and prints: a query written there is a use case
nobody else can call and no service test covers. Notifiers are chosen in one place, the
composition root, so that a channel means the same thing from every entry point.
"""

from __future__ import annotations

import ast
from pathlib import Path

import swordnet

PACKAGE = Path(swordnet.__file__).parent
FORBIDDEN_IN_CLI = ("sqlalchemy", "swordnet.storage")
NOTIFIER_MODULES = ("smtp", "webhook", "json_outbox", "csv_lumen")


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions (``from a import b``
    counts as ``a`` and ``a.b``, since ``b`` may be a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_command_line_holds_no_database_code() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted((PACKAGE / "cli").rglob("*.py"))
        for module in sorted(imported_modules(path))
        if any(_within(module, forbidden) for forbidden in FORBIDDEN_IN_CLI)
    ]
    assert offenders == [], "move these queries into services: " + "; ".join(offenders)


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def command():\n    from sqlalchemy import select\n", encoding="utf-8")
    assert "sqlalchemy" in imported_modules(sample)


def test_only_the_composition_root_picks_a_notifier() -> None:
    concrete = tuple(f"swordnet.adapters.notifiers.{name}" for name in NOTIFIER_MODULES)
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if _within(".".join(path.relative_to(PACKAGE).parts), "adapters.notifiers"):
            continue
        source = path.read_text(encoding="utf-8")
        if path.name != "bootstrap.py" and "notifiers.get(" in source:
            offenders.append(f"{path.relative_to(PACKAGE)} looks a notifier up by name")
        offenders += [
            f"{path.relative_to(PACKAGE)} imports {module}"
            for module in sorted(imported_modules(path))
            if any(_within(module, name) for name in concrete)
        ]
    assert offenders == [], "ask bootstrap.Container.notifier instead: " + "; ".join(offenders)

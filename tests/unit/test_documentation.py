"""The documentation keeps up with the code: links resolve, settings and plug-ins are described."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from swordnet import plugins
from swordnet.plugins.registry import Registry
from swordnet.settings import (
    BudgetSettings,
    CrawlerSettings,
    EnforcementSettings,
    LedgerSettings,
    Settings,
    WebSettings,
)

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_relative_links_resolve(page: Path) -> None:
    targets = _LINK.findall(page.read_text(encoding="utf-8"))
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    missing = [t for t in local if not (page.parent / t).exists()]
    assert missing == [], f"{page.name} links to missing files"


def _documented(model: type[BaseModel], section: str) -> list[str]:
    return [name for name in model.model_fields if f"`{name}`" not in section]


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    nested = {"crawler", "enforcement", "budgets", "web", "ledger"}
    top_level = [n for n in Settings.model_fields if n not in nested]
    assert [n for n in top_level if f"`{n}`" not in text] == []
    assert _documented(CrawlerSettings, text) == []
    assert _documented(EnforcementSettings, text) == []
    assert _documented(BudgetSettings, text) == []
    assert _documented(WebSettings, text) == []
    assert _documented(LedgerSettings, text) == []


@pytest.mark.parametrize(
    ("registry", "page"),
    [
        (plugins.signals, "architecture.md"),
        (plugins.fetchers, "architecture.md"),
        (plugins.extractors, "extractors.md"),
        (plugins.notifiers, "enforcement.md"),
    ],
    ids=["signals", "fetchers", "extractors", "notifiers"],
)
def test_every_plugin_is_documented(registry: Registry[object], page: str) -> None:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    names = registry.names()
    assert names, "no plug-ins registered"
    assert [name for name in names if f"`{name}`" not in text] == []

"""Every enforcement setting is documented, and the defaults hold no secret."""

from __future__ import annotations

from pathlib import Path

from swordnet.settings import EnforcementSettings

DOCS = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def test_every_enforcement_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("`[enforcement]`") :]
    missing = [name for name in EnforcementSettings.model_fields if f"`{name}`" not in section]
    assert missing == []


def test_no_default_smtp_password() -> None:
    assert EnforcementSettings().smtp_password is None

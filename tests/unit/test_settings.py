from __future__ import annotations

from pathlib import Path

import pytest

from swordnet.domain.errors import ConfigurationError
from swordnet.settings import load_settings


def test_home_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWORDNET_HOME", str(tmp_path))
    settings = load_settings()
    assert settings.home == tmp_path
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'swordnet.db'}"


def test_toml_file_in_home_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "swordnet.toml").write_text(
        'text_min_copy_chars = 300\nworkers = 3\n[crawler]\nallow_networks = ["10.1.0.0/16"]\n'
    )
    monkeypatch.setenv("SWORDNET_WORKERS", "2")
    settings = load_settings(home=tmp_path)
    assert settings.text_min_copy_chars == 300
    assert settings.workers == 2
    assert settings.crawler.allow_networks == ["10.1.0.0/16"]


def test_explicit_config_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWORDNET_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigurationError, match="not a file"):
        load_settings(home=tmp_path)


@pytest.mark.parametrize("secret", ["changeme", "short-but-not-weak", "x" * 31])
def test_weak_or_short_secrets_are_refused(tmp_path: Path, secret: str) -> None:
    with pytest.raises(ConfigurationError, match="secret_key"):
        load_settings(home=tmp_path, secret_key=secret)


def test_there_is_no_default_secret(tmp_path: Path) -> None:
    assert load_settings(home=tmp_path).secret_key is None


def test_invalid_values_give_one_readable_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWORDNET_TEXT_MIN_COPY_CHARS", "-5")
    monkeypatch.setenv("SWORDNET_CRAWLER__ALLOW_NETWORKS", '["not-a-network"]')
    with pytest.raises(ConfigurationError) as info:
        load_settings(home=tmp_path)
    assert "text_min_copy_chars" in str(info.value)
    assert "not a CIDR network" in str(info.value)


def test_malformed_toml_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "swordnet.toml").write_text("workers = [unclosed\n")
    with pytest.raises(ConfigurationError, match="TOML"):
        load_settings(home=tmp_path)

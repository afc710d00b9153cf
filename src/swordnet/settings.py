"""All settings in one place: environment (``SWORDNET_*``) over an optional TOML file.

The TOML file is ``$SWORDNET_CONFIG`` or ``<home>/swordnet.toml``; its keys are the field
names below (``database_url = "..."``), with the crawler's under ``[crawler]`` and the
resource budgets under ``[budgets]``.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from swordnet.domain.errors import ConfigurationError

# Values people paste from tutorials; a secret equal to one of them is refused.
_WEAK_SECRETS = {"changeme", "change-me", "secret", "password", "swordnet", "admin", "test"}


def default_home() -> Path:
    return Path(os.environ.get("SWORDNET_HOME") or Path.home() / ".swordnet")


class CrawlerSettings(BaseModel):
    """How the crawler behaves. Private, loopback and link-local addresses are refused
    unless they fall inside ``allow_networks``."""

    allow_networks: list[str] = Field(
        default_factory=list,
        description="CIDR blocks the crawler may reach although they are not public.",
    )
    user_agent: str = "SwordNetBot/0.1 (+copyright enforcement; contact the operator)"
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0
    total_timeout_s: float = 30.0
    max_body_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    max_pages: int = 500
    max_depth: int = 5
    per_host_concurrency: int = 4
    per_host_delay_s: float = 0.0
    obey_robots: bool = True
    screenshots: bool = False  # full-page screenshots of pages with detections (Chromium)

    @field_validator("allow_networks")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise ValueError(f"not a CIDR network: {network!r}") from exc
        return value


class BudgetSettings(BaseModel):
    """How much one item may cost to fingerprint, per modality (see docs/resource-budgets.md).

    An item over a budget is refused with an error naming the budget, before decoding when
    its header tells its size, else as soon as decoding passes the budget: a fingerprint of
    part of a file is never passed off as the file's.
    """

    image_max_pixels: int = Field(
        default=80_000_000, gt=0, description="Largest picture (width x height, from its header)."
    )
    audio_max_seconds: float = Field(
        default=3600.0, gt=0, description="Longest audio file (declared or decoded seconds)."
    )
    video_max_seconds: float = Field(
        default=3 * 3600.0, gt=0, description="Longest video (declared or decoded seconds)."
    )
    video_max_frames: int = Field(
        default=12_000, gt=0, description="Most frames sampled from one video (about one a second)."
    )
    text_max_bytes: int = Field(
        default=8 * 1024 * 1024, gt=0, description="Largest text file or page text, in bytes."
    )
    text_max_chars: int = Field(
        default=8 * 1024 * 1024, gt=0, description="Most characters of text fingerprinted at once."
    )


class EnforcementSettings(BaseModel):
    """Notices, deadlines, review thresholds and escalation (see docs/enforcement.md)."""

    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_tls: str = Field(default="none", pattern="^(none|starttls|ssl)$")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = 30.0
    sender: str = Field(default="notices@swordnet.localhost", description="From: of notices.")
    channel: str = Field(default="smtp", description="Notifier used to send notices.")
    jurisdiction: str = Field(default="cn-rpnd", pattern="^(cn-rpnd|us-dmca)$")
    language: str = Field(default="zh", pattern="^(zh|en)$")
    deadline_hours: dict[str, float] = Field(
        default_factory=lambda: {"key_work": 24.0, "ecommerce": 360.0, "default": 72.0}
    )
    counter_notice_restore_days: float = 10.0
    # "title" (listings, share links... matched by title) is left out on purpose: naming a
    # work is weaker evidence than copying it, so such matches wait for a person by default
    # None: what each signal type declares (``SignalType.auto_confirm_default``), read when
    # used (``auto_confirm_thresholds``): loading the signal types costs seconds, which
    # every command building its settings would otherwise pay
    auto_confirm: dict[str, float] | None = Field(
        default=None,
        description="Score from which new detections are confirmed, per kind of evidence.",
    )
    repeat_ignored_notices: int = Field(default=2, ge=1)
    repeat_confirmed_detections: int = Field(default=50, ge=1)
    repeat_window_days: int = Field(default=90, ge=1)
    regulator_name: str = "Telecommunications Administration"
    regulator_email: str = "shutdown-requests@regulator.localhost"
    resend_in_doubt: bool = False
    shutdown_confirm_days: float = Field(
        default=7.0,
        ge=0,
        description="How long re-checks must keep finding a shut-down site gone.",
    )
    shutdown_confirm_checks: int = Field(
        default=2, ge=1, description="How many re-checks in a row must find it gone."
    )

    def auto_confirm_thresholds(self) -> dict[str, float]:
        """The thresholds in force: the configured ones, else each signal type's own."""
        if self.auto_confirm is not None:
            return dict(self.auto_confirm)
        # imported here: the plug-ins' registry loads the signal types, which read settings
        from swordnet.plugins import auto_confirm_defaults

        return auto_confirm_defaults()

    @field_validator("auto_confirm")
    @classmethod
    def _known_evidence_kinds(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return None
        from swordnet.plugins import evidence_kinds

        known = evidence_kinds()
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(
                f"auto_confirm has no kind of evidence named {', '.join(unknown)}: use "
                f"{', '.join(known)} (leave a kind out to review it by hand)"
            )
        return value


class OidcSettings(BaseModel):
    """OpenID Connect sign-in, for agencies that run an identity provider. Off unless
    ``issuer`` is set. A user signs in by OIDC only once an administrator has linked the
    account (``oidc_subject``): the provider proves who someone is, SwordNet decides what
    they may do."""

    issuer: str | None = Field(default=None, description="The provider's issuer URL.")
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scope: str = "openid email profile"
    label: str = Field(default="OpenID Connect", description="The sign-in button's text.")


class WebSettings(BaseModel):
    host: str = Field(default="127.0.0.1", description="Address `swordnet serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, description="uvicorn worker processes.")
    tls_certfile: Path | None = Field(default=None, description="Serve HTTPS with this cert.")
    tls_keyfile: Path | None = None
    behind_proxy: bool = Field(
        default=False,
        description="A TLS-terminating proxy is in front: trust its X-Forwarded-* headers.",
    )
    session_hours: float = Field(default=12.0, gt=0, description="A web session's lifetime.")
    idle_minutes: float = Field(default=60.0, gt=0, description="Ended after this idle time.")
    max_upload_bytes: int = Field(default=512 * 1024**2, gt=0)
    max_json_bytes: int = Field(default=1024**2, gt=0, description="Largest JSON body.")
    default_language: str = Field(default="zh_CN", description="zh_CN or en.")
    page_size: int = Field(default=50, ge=1, le=500)
    oidc: OidcSettings = Field(default_factory=OidcSettings)


class LedgerSettings(BaseModel):
    """The evidence ledger's checkpoints (see docs/evidence-ledger.md)."""

    origin: str | None = Field(
        default=None,
        pattern=r"^[^\s+]+$",
        description="The log's name in its checkpoints; default: derived from the database.",
    )
    tsa_url: str | None = Field(
        default=None, description="RFC 3161 timestamp authority asked to stamp each checkpoint."
    )
    tsa_ca_file: Path | None = Field(
        default=None, description="PEM certificates the TSA's tokens must chain to."
    )
    tsa_timeout_s: float = Field(default=10.0, gt=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SWORDNET_", env_nested_delimiter="__", extra="forbid"
    )

    home: Path = Field(default_factory=default_home, description="Data directory.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite at <home>/swordnet.db."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs sessions and webhooks. No default: features needing it refuse to run.",
    )
    auto_migrate: bool = Field(default=True, description="Upgrade the schema on start-up.")
    max_media_bytes: int = Field(default=2 * 1024**3, description="Largest file to fingerprint.")
    text_min_copy_chars: int = Field(
        default=150,
        description="Shorter overlaps count as quotation, not copying (normalised characters).",
    )
    min_match_score: dict[str, float] = Field(
        default_factory=lambda: {"image": 0.665},
        description=(
            "Per signal, the lowest score reported as a match. image: the operating point of "
            "bench/image.py on the corpus (precision >= 0.99, no distractor matched)."
        ),
    )
    workers: int = Field(default=0, description="Worker processes; 0 = number of cores.")
    crawler: CrawlerSettings = Field(default_factory=CrawlerSettings)
    budgets: BudgetSettings = Field(default_factory=BudgetSettings)
    enforcement: EnforcementSettings = Field(default_factory=EnforcementSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    ledger: LedgerSettings = Field(default_factory=LedgerSettings)

    @field_validator("secret_key")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value()
        if raw.lower() in _WEAK_SECRETS or len(raw) < 32:
            raise ValueError("secret_key must be at least 32 characters and not a placeholder")
        return value

    @field_validator("text_min_copy_chars", "max_media_bytes")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be positive")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = config_file_path(init_settings())
        if config is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config))
        return tuple(sources)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'swordnet.db'}"

    @property
    def index_dir(self) -> Path:
        return self.home / "indexes"

    @property
    def audit_dir(self) -> Path:
        """The audit trail's signed checkpoint and its signing key."""
        return self.home / "audit"

    @property
    def ledger_dir(self) -> Path:
        """The evidence ledger's signing keys (never in the database)."""
        return self.home / "ledger"

    @property
    def warc_dir(self) -> Path:
        return self.home / "warc"

    def for_workers(self) -> str:
        """These settings as JSON for worker processes, secrets left out.

        Workers fingerprint and extract; none of them signs or sends anything, so secrets
        never travel to them (``model_dump_json`` would mask them as ``**********``, which
        then fails validation in the worker). ``from_worker_json`` reads it back.
        """
        return self.model_dump_json(exclude=_secret_fields(self))

    @classmethod
    def from_worker_json(cls, payload: str) -> Settings:
        return cls.model_validate_json(payload)

    def ensure_dirs(self) -> None:
        for directory in (self.home, self.index_dir, self.warc_dir):
            directory.mkdir(parents=True, exist_ok=True)


def _secret_fields(model: BaseModel) -> dict[str, Any]:
    """The ``exclude`` argument naming every ``SecretStr`` field, nested models included."""
    excluded: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            excluded[name] = True
        elif isinstance(value, BaseModel):
            nested = _secret_fields(value)
            if nested:
                excluded[name] = nested
    return excluded


def config_file_path(init_values: dict[str, Any]) -> Path | None:
    explicit = os.environ.get("SWORDNET_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigurationError(f"SWORDNET_CONFIG points at {path}, which is not a file")
        return path
    home = Path(init_values.get("home") or default_home())
    candidate = home / "swordnet.toml"
    return candidate if candidate.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation failures into one readable ``ConfigurationError``."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"config file is not valid TOML: {exc}") from exc

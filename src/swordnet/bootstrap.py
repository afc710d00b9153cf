"""The composition root: the one place that picks concrete adapters from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from swordnet import plugins
from swordnet.execution import BatchExecutor, make_executor
from swordnet.plugins import (
    Extractor,
    Fetcher,
    Notifier,
    SignalType,
    build_extractors,
    build_signals,
)
from swordnet.services.audit import CHECKPOINT_INFO
from swordnet.services.audit_checkpoint import AuditCheckpoint, database_identity
from swordnet.services.indexes import IndexStore
from swordnet.settings import Settings, load_settings
from swordnet.storage.db import ensure_schema, make_engine, make_session_factory

log = logging.getLogger(__name__)


@dataclass
class Container:
    """Everything a use case needs, wired once."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    signals: dict[str, SignalType]
    extractors: list[Extractor]
    indexes: IndexStore
    _executor: BatchExecutor | None = field(default=None, repr=False)

    def fetcher(self, name: str = "http") -> Fetcher:
        """A new fetcher (it owns connections: close it with ``aclose``)."""
        return plugins.fetchers.get(name).from_settings(self.settings)

    def notifier(self, channel: str | None = None, **enforcement: Any) -> Notifier:
        """The notifier of ``channel`` (default: the settings' ``enforcement.channel``).

        ``enforcement`` overrides enforcement settings for this notifier only: the demo and
        the tests point SMTP at a loopback sink whose port is known only once it runs.
        Raises ``UnknownPluginError`` or ``NotConfigured`` when it cannot be built.
        """
        settings = self.settings
        if enforcement:
            update = settings.enforcement.model_copy(update=enforcement)
            settings = settings.model_copy(update={"enforcement": update})
        return plugins.notifiers.get(channel or settings.enforcement.channel).from_settings(
            settings
        )

    @property
    def executor(self) -> BatchExecutor:
        if self._executor is None:
            self._executor = make_executor(self.settings.workers)
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
        self.engine.dispose()


def bootstrap(settings: Settings | None = None) -> Container:
    settings = settings or load_settings()
    settings.ensure_dirs()
    engine = make_engine(settings.resolved_database_url)
    if settings.auto_migrate:
        ensure_schema(engine)
    signals = build_signals(settings)
    checkpoint = AuditCheckpoint(settings.audit_dir, database_identity(engine))
    return Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine, info={CHECKPOINT_INFO: checkpoint}),
        signals=signals,
        extractors=build_extractors(settings),
        indexes=IndexStore(signals, settings.index_dir),
    )

"""What the use cases may ask of the running system, as a port.

Services name this protocol, not the composition root: ``bootstrap.Container`` satisfies
it, and a test may hand in anything else that does. A use case that needs only part of it
(a session factory, the index store, a notifier) takes that part instead.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from swordnet.execution import BatchExecutor
from swordnet.plugins import Extractor, Fetcher, Notifier, SignalType
from swordnet.services.indexes import IndexStore
from swordnet.settings import Settings


class AppContext(Protocol):
    settings: Settings
    sessions: sessionmaker[Session]
    signals: dict[str, SignalType]
    extractors: list[Extractor]
    indexes: IndexStore

    @property
    def executor(self) -> BatchExecutor: ...

    def fetcher(self, name: str = "http") -> Fetcher: ...

    def notifier(self, channel: str | None = None, **enforcement: Any) -> Notifier: ...

"""Extension points. Each kind of plug-in has one small interface and one registry.

Built-in plug-ins register through the same ``importlib.metadata`` entry points as
third-party ones (see ``pyproject.toml``), so nothing distinguishes them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from swordnet.domain.errors import NotConfigured
from swordnet.plugins.extractors import ExtractedContent, Extractor, Page
from swordnet.plugins.fetchers import Fetcher, FetchResult
from swordnet.plugins.notifiers import DeliveryReceipt, Notifier, OutgoingNotice
from swordnet.plugins.registry import Registry
from swordnet.plugins.signals import (
    ConformanceSamples,
    Fingerprint,
    MediaInput,
    SignalIndex,
    SignalType,
)

signals: Registry[SignalType] = Registry("swordnet.signals", SignalType)
fetchers: Registry[Fetcher] = Registry("swordnet.fetchers", Fetcher)
extractors: Registry[Extractor] = Registry("swordnet.extractors", Extractor)
notifiers: Registry[Notifier] = Registry("swordnet.notifiers", Notifier)

if TYPE_CHECKING:
    from swordnet.settings import Settings

log = logging.getLogger(__name__)


def build_signals(settings: Settings) -> dict[str, SignalType]:
    """Every registered signal type that can run with these settings, by name."""
    built: dict[str, SignalType] = {}
    for cls in signals:
        try:
            built[cls.name] = cls.from_settings(settings)
        except NotConfigured as exc:
            log.info("signal %s is off: %s", cls.name, exc)
    return built


def build_extractors(settings: Settings) -> list[Extractor]:
    """Every registered extractor that can run with these settings, in registry order."""
    built: list[Extractor] = []
    for cls in extractors:
        try:
            built.append(cls.from_settings(settings))
        except NotConfigured as exc:
            log.info("extractor %s is off: %s", cls.name, exc)
    return built


__all__ = [
    "ConformanceSamples",
    "DeliveryReceipt",
    "ExtractedContent",
    "Extractor",
    "FetchResult",
    "Fetcher",
    "Fingerprint",
    "MediaInput",
    "Notifier",
    "OutgoingNotice",
    "Page",
    "Registry",
    "SignalIndex",
    "SignalType",
    "build_extractors",
    "build_signals",
    "extractors",
    "fetchers",
    "notifiers",
    "signals",
]

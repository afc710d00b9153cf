"""Extension points. Each kind of plug-in has one small interface and one registry.

Built-in plug-ins register through the same ``importlib.metadata`` entry points as
third-party ones (see ``pyproject.toml``), so nothing distinguishes them.
"""

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
    "extractors",
    "fetchers",
    "notifiers",
    "signals",
]

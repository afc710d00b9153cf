"""Extension points. Each kind of plug-in has one small interface and one registry.

Built-in plug-ins register through the same ``importlib.metadata`` entry points as
third-party ones (see ``pyproject.toml``), so nothing distinguishes them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from swordnet.domain.enforcement import TITLE_EVIDENCE
from swordnet.domain.errors import NotConfigured
from swordnet.plugins.extractors import ExtractedContent, Extractor, Page
from swordnet.plugins.fetchers import Fetcher, FetchResult
from swordnet.plugins.notifiers import DeliveryReceipt, Notifier, OutgoingNotice
from swordnet.plugins.registry import Registry
from swordnet.plugins.signals import (
    ConformanceSamples,
    Fingerprint,
    Labels,
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


def modalities() -> dict[str, type[SignalType]]:
    """Each registered modality with the signal type that declares it (the first by name
    when several read one modality): nothing else in SwordNet lists the modalities."""
    declared: dict[str, type[SignalType]] = {}
    for cls in signals:
        declared.setdefault(cls.modality, cls)
    return declared


def modality_label(modality: str, language: str) -> str:
    """How a notice in ``language`` names ``modality``; ``KeyError`` when it has no word."""
    return modalities()[modality].notice_labels[language]


def unit_labels() -> dict[str, Labels]:
    """Every segment unit a registered signal type measures in, with its words."""
    units: dict[str, Labels] = {}
    for cls in signals:
        for unit, labels in cls.units.items():
            units.setdefault(unit, labels)
    return units


def link_suffixes() -> dict[str, str]:
    """Suffix of a link to a media file -> the media kind its page item gets."""
    suffixes: dict[str, str] = {}
    for cls in signals:
        for suffix, kind in cls.link_suffixes.items():
            suffixes.setdefault(suffix.lower(), kind)
    return suffixes


def auto_confirm_defaults() -> dict[str, float]:
    """The auto-confirm threshold each modality declares (the settings may replace them)."""
    return {
        modality: cls.auto_confirm_default
        for modality, cls in modalities().items()
        if cls.auto_confirm_default is not None
    }


def evidence_kinds() -> tuple[str, ...]:
    """What a detection can rest on: a fingerprint match of a registered modality, or a
    title match (``domain.enforcement.TITLE_EVIDENCE``)."""
    return (*modalities(), TITLE_EVIDENCE)


def default_work_kind(modality: str) -> str:
    """The kind of work a reference of ``modality`` makes when none is given."""
    return modalities()[modality].default_work_kind


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
    "Labels",
    "MediaInput",
    "Notifier",
    "OutgoingNotice",
    "Page",
    "Registry",
    "SignalIndex",
    "SignalType",
    "auto_confirm_defaults",
    "build_extractors",
    "build_signals",
    "default_work_kind",
    "evidence_kinds",
    "extractors",
    "fetchers",
    "link_suffixes",
    "modalities",
    "modality_label",
    "notifiers",
    "signals",
    "unit_labels",
]

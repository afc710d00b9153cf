from __future__ import annotations

from typing import ClassVar

import pytest

from swordnet import plugins
from swordnet.domain.errors import DuplicatePluginError, UnknownPluginError
from swordnet.plugins import ExtractedContent, Extractor, Page, Registry


class _First(Extractor):
    name: ClassVar[str] = "same"

    def extract(self, page: Page) -> list[ExtractedContent]:
        return []


class _Second(Extractor):
    name: ClassVar[str] = "same"

    def extract(self, page: Page) -> list[ExtractedContent]:
        return []


def _empty_registry() -> Registry[Extractor]:
    return Registry("swordnet.test-nothing-registers-here", Extractor)


def test_duplicate_name_is_rejected() -> None:
    registry = _empty_registry()
    registry.register(_First)
    with pytest.raises(DuplicatePluginError, match="'same' is taken"):
        registry.register(_Second)


def test_registering_the_same_class_twice_is_harmless() -> None:
    registry = _empty_registry()
    registry.register(_First)
    registry.register(_First)
    assert registry.names() == ["same"]


def test_unknown_name_lists_known_ones() -> None:
    registry = _empty_registry()
    registry.register(_First)
    with pytest.raises(UnknownPluginError, match="known: same"):
        registry.get("other")


def test_only_subclasses_of_the_interface_register() -> None:
    with pytest.raises(TypeError):
        _empty_registry().register(dict)  # type: ignore[arg-type]


def test_built_ins_register_through_entry_points() -> None:
    assert "text" in plugins.signals.names()
    assert "http" in plugins.fetchers.names()
    assert {"html_text", "links"} <= set(plugins.extractors.names())
    assert "export" in plugins.notifiers.names()


def test_public_api_is_pinned() -> None:
    assert set(plugins.__all__) == {
        "auto_confirm_defaults",
        "build_extractors",
        "build_signals",
        "default_work_kind",
        "evidence_kinds",
        "Labels",
        "link_suffixes",
        "modalities",
        "modality_label",
        "unit_labels",
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
    }

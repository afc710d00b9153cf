"""Every registered signal type, built-in or third-party, must pass these tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from swordnet import plugins
from swordnet.domain.errors import MediaError
from swordnet.domain.kinds import WorkKind
from swordnet.plugins import ConformanceSamples, SignalType
from swordnet.services.enforcement.vocabulary import LANGUAGES
from swordnet.settings import Settings

SIGNAL_NAMES = plugins.signals.names()
_LATIN = re.compile("[A-Za-z]")


@pytest.fixture(params=SIGNAL_NAMES)
def signal(request: pytest.FixtureRequest, tmp_path: Path) -> SignalType:
    cls = plugins.signals.get(request.param)
    return cls.from_settings(Settings(home=tmp_path / "home"))


@pytest.fixture
def samples(signal: SignalType, tmp_path: Path) -> ConformanceSamples:
    workdir = tmp_path / "samples"
    workdir.mkdir()
    return type(signal).conformance_samples(workdir)


def test_signal_declares_identity(signal: SignalType) -> None:
    assert signal.name and signal.name == type(signal).name
    assert isinstance(signal.modality, str)
    assert re.fullmatch(r"[a-z][a-z0-9_]{0,31}", signal.modality), "fits the modality column"
    assert signal.file_extensions or signal.media_types


def test_signal_declares_what_the_rest_needs_of_its_modality(signal: SignalType) -> None:
    """Nothing outside a modality's folder lists it: a notice names it and its units, the
    links extractor and the pipeline follow its media, review and the catalogue take its
    defaults, all from what its signal type declares."""
    assert set(signal.notice_labels) == set(LANGUAGES)
    assert not _LATIN.search(signal.notice_labels["zh"]), "a Chinese notice is wholly Chinese"
    assert signal.units, "its segments' units"
    for labels in signal.units.values():
        assert set(labels) == set(LANGUAGES)
        assert not _LATIN.search(labels["zh"])
    assert all(suffix.startswith(".") for suffix in signal.link_suffixes)
    assert all(kind and kind != "link" for kind in signal.link_suffixes.values())
    assert signal.default_work_kind in set(WorkKind)
    default = signal.auto_confirm_default
    assert default is None or 0.0 < default <= 1.0
    assert signal.modality in plugins.modalities()
    assert signal.modality in plugins.evidence_kinds()


def test_segments_are_in_declared_units(signal: SignalType, samples: ConformanceSamples) -> None:
    index = signal.new_index()
    index.add(1, signal.fingerprint(samples.reference, role="reference"))
    for hit in index.query(signal.fingerprint(samples.copy)):
        assert {segment.unit for segment in hit.segments} <= set(signal.units)


def test_modalities_name_their_units_alike() -> None:
    """Two signal types measuring in one unit give it the same words."""
    words = plugins.unit_labels()
    for cls in plugins.signals:
        for unit, labels in cls.units.items():
            assert dict(labels) == dict(words[unit]), (cls.name, unit)


def test_accepts_its_own_samples(signal: SignalType, samples: ConformanceSamples) -> None:
    assert signal.accepts(samples.reference)
    assert signal.accepts(samples.copy)


def test_copy_matches_reference_and_unrelated_does_not(
    signal: SignalType, samples: ConformanceSamples
) -> None:
    index = signal.new_index()
    index.add(1, signal.fingerprint(samples.reference, role="reference"))
    hits = index.query(signal.fingerprint(samples.copy))
    assert [hit.ref_id for hit in hits][:1] == [1]
    assert 0.0 < hits[0].score <= 1.0
    assert hits[0].segments, "a hit must say where the copy is"
    assert index.query(signal.fingerprint(samples.unrelated)) == []


def test_index_round_trips_and_removes(signal: SignalType, samples: ConformanceSamples) -> None:
    index = signal.new_index()
    index.add(1, signal.fingerprint(samples.reference, role="reference"))
    index.add(2, signal.fingerprint(samples.unrelated, role="reference"))
    query = signal.fingerprint(samples.copy)
    restored = signal.load_index(index.serialize())
    assert restored.ref_ids() == {1, 2}
    assert [hit.ref_id for hit in restored.query(query)][:1] == [1]
    restored.remove(1)
    assert restored.ref_ids() == {2}
    assert all(hit.ref_id != 1 for hit in restored.query(query))


def test_fingerprint_is_deterministic(signal: SignalType, samples: ConformanceSamples) -> None:
    first = signal.fingerprint(samples.reference, role="reference")
    second = signal.fingerprint(samples.reference, role="reference")
    assert first.payload == second.payload
    assert first.signal == signal.name


def test_garbage_raises_media_error(signal: SignalType, samples: ConformanceSamples) -> None:
    with pytest.raises(MediaError):
        signal.fingerprint(samples.garbage)

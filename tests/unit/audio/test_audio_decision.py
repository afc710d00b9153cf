"""The decision on a verified candidate: witnesses in, evidence out (decision.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from swordnet.modalities.audio.decision import Assessment, evidence, required_evidence
from swordnet.modalities.audio.params import AudioMatchParams, Candidate
from swordnet.modalities.audio.verify import Verdict

PARAMS = AudioMatchParams()


def assessed(
    *,
    z: float = 20.0,
    matched: int = 50,
    lift: float = 0.0,
    reverse_z: float = 0.0,
    has_peak_map: bool = True,
    has_envelopes: bool = True,
) -> Assessment:
    verdict = Verdict(
        z=z,
        matched=matched,
        null_mean=2.0,
        near_null=2.0,
        query_start_frame=0.0,
        query_end_frame=150.0,
        offset=100.0,
        z_halves=z,
        envelope_lift=lift,
        weighted_lift=lift,
        reverse_z=reverse_z,
    )
    candidate = Candidate(0, 100.0, 1.0, 0.0, votes=10)
    return Assessment(candidate, verdict, 100, has_envelopes, has_peak_map)


def test_envelopes_that_follow_the_reference_make_a_match_and_flat_ones_do_not() -> None:
    assert evidence(assessed(z=12.0, matched=20, lift=0.9), PARAMS) >= PARAMS.min_evidence
    assert evidence(assessed(z=12.0, matched=20, lift=0.3), PARAMS) < PARAMS.min_evidence


def test_the_reference_side_witness_raises_a_noisy_copy_over_the_bar() -> None:
    weak = assessed(z=8.0, matched=15, lift=0.7)
    seen = assessed(z=8.0, matched=15, lift=0.7, reverse_z=6.0)
    assert evidence(weak, PARAMS) < PARAMS.min_evidence <= evidence(seen, PARAMS)


@pytest.mark.parametrize(("reverse_z", "matches"), [(2.0, False), (5.0, True)])
def test_a_large_peak_share_settles_it_only_when_the_reference_is_seen_in_the_query(
    reverse_z: float, matches: bool
) -> None:
    # A steady loop: half the query's peaks on the reference, envelopes with nothing to follow.
    loop = assessed(z=25.0, matched=52, lift=0.15, reverse_z=reverse_z)
    assert loop.share == pytest.approx(0.5)
    assert (evidence(loop, PARAMS) >= PARAMS.min_evidence) is matches


def test_a_query_without_a_peak_map_keeps_the_peak_share_path() -> None:
    loop = assessed(z=25.0, matched=52, lift=0.15, has_peak_map=False)
    assert evidence(loop, PARAMS) >= PARAMS.min_evidence


def test_peaks_only_payloads_need_a_stricter_peak_strength() -> None:
    assert evidence(assessed(z=9.0, has_envelopes=False), PARAMS) < PARAMS.min_evidence
    assert evidence(assessed(z=11.0, has_envelopes=False), PARAMS) >= PARAMS.min_evidence


def test_alignments_of_the_query_as_it_is_have_their_own_lower_bar() -> None:
    plain = assessed()
    pitched = replace(plain, candidate=replace(plain.candidate, pitch_shift=1.0))
    scaled = replace(plain, candidate=replace(plain.candidate, time_scale=0.95))
    assert required_evidence(plain, PARAMS) == PARAMS.min_evidence_plain
    assert required_evidence(pitched, PARAMS) == required_evidence(scaled, PARAMS)
    assert required_evidence(scaled, PARAMS) == PARAMS.min_evidence > PARAMS.min_evidence_plain

"""Matching settings of the audio index, and the grid of speed, tempo and pitch changes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _default_time_scales() -> list[float]:
    return [round(x, 4) for x in np.arange(0.875, 1.1376, 0.025)]


def _default_pitch_shifts() -> list[float]:
    return [-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0]


@dataclass(frozen=True, slots=True)
class AudioMatchParams:
    """Matching settings; the defaults are the ones ``bench/audio.py`` measured."""

    reference_fanout: int = 5
    query_fanout: int = 10
    time_scales: list[float] = field(default_factory=_default_time_scales)
    pitch_shifts: list[float] = field(default_factory=_default_pitch_shifts)
    # The query as it is (no time scale or pitch shift) also votes with each pair's time step
    # this many frames shorter and longer (landmarks.hash_pairs): in 0 dB noise peaks move
    # by a frame, and a query cut between frames rounds them either way (docs/audio.md).
    dt_tolerance: int = 1
    min_votes: int = 2
    candidates: int = 12
    # Voted alignments looked at (single peaks against a small null) to choose those
    # candidates from; 0 takes the candidates straight from the vote.
    prescreen: int = 0
    min_z: float = 6.0  # peaks must beat chance by this much before envelopes are asked
    # Decision: evidence = (min(z, 3 * weaker-half z) + reverse_weight * reverse z)
    # * (best envelope lift)**3 >=
    # min_evidence (score 0.5 there), set for at most 0.1% false positives on 1440 held-out
    # calibration negatives (``bench/audio.py --calibration``, docs/audio.md). Payloads
    # without envelopes fall back to a peak strength >= 10.
    min_evidence: float = 5.8
    # ... for alignments of the query as it is (no time scale or pitch shift): the grid's
    # extra tries lift unrelated music higher by chance, so the plain pass has its own bar,
    # set above every plain calibration negative (highest 5.30 then, 4.07 now; docs/audio.md).
    min_evidence_plain: float = 5.5
    # The peak strength above is first raised by this many times the z of the reference's
    # peaks in the query's peak map (peakmap.py; queries fingerprinted with a map only).
    reverse_weight: float = 1.5
    # ... or: a peak strength >= 10 with this share of the query's peaks matched beyond chance
    # (set on the same calibration negatives; evidence min_evidence * share / min_share).
    min_share: float = 0.42
    # ... provided the reference's peaks stand out in the query's peak map by this z: a
    # loop or figure shared by two tracks matches peaks, not the rest of the reference.
    min_share_reverse_z: float = 2.7
    min_matched: int = 10
    # Phase witness (phase.py), for the query as it is: coherence above its median at wrong
    # offsets. At this excess a candidate is a match on its own (evidence
    # min_evidence_plain * excess / min_phase), even where too few peaks matched to pass
    # min_z; set on held-out calibration negatives (docs/audio.md).
    min_phase: float = 18.0
    # ... and the query as it is looks at this many more voted cells by phase alone
    # (index._phase_scan): in 0 dB noise a copy's cell may rank far down the vote. While it
    # is on, the plain pass takes its candidates straight from the vote (no prescreen).
    phase_scan: int = 48
    # ... and this many cells of a second vote of the query as it is, by its dense peaks
    # (40 a second, not 20): under a voice, the music's peaks rank below the strongest 20.
    dense_scan: int = 48
    # The speed witness (phase.speed_witness) for this many speed-changed alignments of the
    # grid pass (time and pitch moved together, as a resampling moves them), the ones whose
    # peaks stand out most; its excess is read against min_phase as the plain pass's is.
    speed_phase: int = 2
    sure_evidence: float = 12.0  # a first-pass match this strong skips the scale/pitch grid
    window_seconds: float = 30.0  # long queries are matched window by window
    # Hashes held more than this many times the average are skipped at query time: they say
    # little and cost most of the lookup. Relative, so it means the same at any index size.
    max_bucket_ratio: float = 3.5
    full_grid: bool = False  # every (time scale, pitch shift) pair, not only the three axes


def scale_grid(params: AudioMatchParams) -> list[tuple[float, float]]:
    """(time scale, pitch shift) pairs to try on a query's peaks.

    The axes are what pirates do: speed (time and pitch together, the diagonal), tempo
    (time only) and pitch (pitch only). The full grid also covers their combinations at
    about three times the cost.
    """
    if params.full_grid:
        shifts = [0.0, *params.pitch_shifts]
        return [(a, s) for a in params.time_scales for s in shifts]
    speed = [(float(a), -12.0 * float(np.log2(a))) for a in params.time_scales if a != 1.0]
    tempo = [(float(a), 0.0) for a in params.time_scales if a != 1.0]
    pitch = [(1.0, s) for s in params.pitch_shifts]
    return speed + tempo + pitch


@dataclass(frozen=True, slots=True)
class Candidate:
    ref_slot: int
    offset: float
    time_scale: float
    pitch_shift: float
    votes: int

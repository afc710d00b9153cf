"""The audio index: peak-pair hashes voted by time offset, then verified peak by peak.

References are stored as their peaks (compact, and what verification needs); the hash table
is rebuilt from them in memory when the set of references has changed. A query is tried as
is, then, if nothing verified, under a grid of time scales and pitch shifts applied to its
peaks, which undoes speed, tempo and pitch changes of up to about +-12%.
"""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, fields, replace
from typing import Self

import numpy as np

from swordnet.domain.errors import CorruptMediaError
from swordnet.domain.matching import IndexHit, Segment
from swordnet.modalities.audio.decision import Assessment, evidence, required_evidence
from swordnet.modalities.audio.envelopes import ENVELOPE_HOP, envelope_agreement
from swordnet.modalities.audio.hashtable import SAME_ALIGNMENT, HashTable
from swordnet.modalities.audio.landmarks import FRAME_SECONDS, Peaks
from swordnet.modalities.audio.params import AudioMatchParams, Candidate, scale_grid
from swordnet.modalities.audio.payload import (
    AudioPayload,
    Envelopes,
    decode_all,
    encode_payload,
)
from swordnet.modalities.audio.peakmap import PeakMap, reverse_z
from swordnet.modalities.audio.phase import (
    SCAN_COHERENCE,
    PhasePoints,
    PhaseWitness,
    QueryPhases,
    coherences_of,
    phase_witnesses,
    speed_witness,
)
from swordnet.modalities.audio.verify import matched_peaks, quick_excess, verify_alignment
from swordnet.plugins.signals import Fingerprint, SignalIndex

_ENVELOPE_NULL_SHIFTS = np.array([-251.0, -163.0, -97.0, -53.0, 53.0, 97.0, 163.0, 251.0])
_REFINE_STEPS = (-0.01, -0.005, 0.005, 0.01)  # within the grid's 0.025 step in time scale


class AudioIndex(SignalIndex):
    """Reference peaks by ref id, with a hash table built from them on demand."""

    def __init__(self, params: AudioMatchParams | None = None) -> None:
        self.params = params or AudioMatchParams()
        self._peaks: dict[int, Peaks] = {}
        self._envelopes: dict[int, Envelopes] = {}
        self._points: dict[int, PhasePoints] = {}  # empty for payloads from before SNA4
        self._durations: dict[int, float] = {}
        self._table: HashTable | None = None

    # -- contents ----------------------------------------------------------------------
    def add(self, ref_id: int, fingerprint: Fingerprint) -> None:
        self._store(ref_id, decode_all(fingerprint.payload))
        self._durations[ref_id] = float(fingerprint.length)
        self._table = None

    def remove(self, ref_id: int) -> None:
        if self._peaks.pop(ref_id, None) is not None:
            self._durations.pop(ref_id, None)
            self._envelopes.pop(ref_id, None)
            self._points.pop(ref_id, None)
            self._table = None

    def _store(self, ref_id: int, payload: AudioPayload) -> None:
        self._peaks[ref_id], self._envelopes[ref_id] = payload.peaks, payload.envelopes
        self._points[ref_id] = payload.points or PhasePoints.empty()

    def ref_ids(self) -> set[int]:
        return set(self._peaks)

    def reference_seconds(self) -> float:
        return float(sum(self._durations.values()))

    def memory_bytes(self) -> int:
        """Bytes held in memory by the hash table and the reference peaks."""
        peaks = sum(p.frames.nbytes + p.pitches.nbytes for p in self._peaks.values())
        envelopes = sum(e.nbytes for e in self._envelopes.values())
        points = sum(p.nbytes for p in self._points.values())
        return peaks + envelopes + points + self._hash_table().nbytes()

    # -- persistence -------------------------------------------------------------------
    def serialize(self) -> bytes:
        header = {"version": 1, "params": asdict(self.params), "refs": []}
        blobs: list[bytes] = []
        for ref_id in sorted(self._peaks):
            blob = encode_payload(
                self._peaks[ref_id], self._envelopes[ref_id], points=self._points.get(ref_id)
            )
            header["refs"].append([ref_id, self._durations[ref_id], len(blob)])  # type: ignore[attr-defined]
            blobs.append(blob)
        head = json.dumps(header).encode()
        return struct.pack("<I", len(head)) + head + b"".join(blobs)

    @classmethod
    def deserialize(cls, data: bytes) -> Self:
        try:
            (head_size,) = struct.unpack_from("<I", data)
            header = json.loads(data[4 : 4 + head_size])
            known = {f.name for f in fields(AudioMatchParams)}
            stored = {k: v for k, v in header["params"].items() if k in known}
            # Saved before the peak map: keep the decision that was calibrated with it.
            stored.setdefault("reverse_weight", 0.0)
            # Saved with one bar for every alignment: keep it for the plain pass too.
            stored.setdefault("min_evidence_plain", stored.get("min_evidence", 5.8))
            index = cls(AudioMatchParams(**stored))
            position = 4 + head_size
            for ref_id, duration, size in header["refs"]:
                index._store(int(ref_id), decode_all(data[position : position + size]))
                index._durations[int(ref_id)] = float(duration)
                position += size
        except (struct.error, ValueError, KeyError, TypeError) as error:
            raise CorruptMediaError(f"audio index data is damaged ({error})") from None
        return index

    # -- matching ----------------------------------------------------------------------
    def query(self, fingerprint: Fingerprint) -> list[IndexHit]:
        payload = decode_all(fingerprint.payload)
        if len(payload.peaks) < self.params.min_matched or not self._peaks:
            return []
        best: dict[int, IndexHit] = {}
        for chunk, dense in self._windows(payload):
            for hit in self._query_window(chunk, _witnesses(payload), dense):
                if hit.ref_id not in best or hit.score > best[hit.ref_id].score:
                    best[hit.ref_id] = hit
        return sorted(best.values(), key=lambda hit: -hit.score)

    def _query_window(
        self, peaks: Peaks, witnesses: Witnesses, dense: Peaks | None
    ) -> list[IndexHit]:
        accepted = [
            (assessment, found)
            for assessment in self._assess_window(peaks, witnesses, dense, always_grid=False)
            if (found := evidence(assessment, self.params))
            >= required_evidence(assessment, self.params)
        ]
        return self._hits(accepted)

    def assess(self, fingerprint: Fingerprint) -> list[tuple[int, Assessment]]:
        """Every candidate alignment of a query, verified but not decided: (ref id, it).

        Tries the scale and pitch grid even when the plain pass is sure, so that the
        benchmark's calibration sees every alignment the decision could meet.
        """
        payload = decode_all(fingerprint.payload)
        if len(payload.peaks) < self.params.min_matched or not self._peaks:
            return []
        table = self._hash_table()
        found: list[tuple[int, Assessment]] = []
        witnesses = _witnesses(payload)
        for chunk, dense in self._windows(payload):
            for assessment in self._assess_window(chunk, witnesses, dense, always_grid=True):
                found.append((table.ref_ids[assessment.candidate.ref_slot], assessment))
        return found

    def _windows(self, payload: AudioPayload) -> list[tuple[Peaks, Peaks | None]]:
        """30 s windows every 15 s: the peaks and the dense peaks (if any) of each."""
        window = int(self.params.window_seconds / FRAME_SECONDS)
        peaks, dense = payload.peaks, payload.dense_peaks
        last = int(peaks.frames[-1]) if len(peaks) else 0
        return [
            (
                _slice(peaks, start, start + window),
                None if dense is None else _slice(dense, start, start + window),
            )
            for start in range(0, max(1, last - window // 3), window // 2)
        ]

    def _assess_window(
        self, peaks: Peaks, witnesses: Witnesses, dense: Peaks | None, *, always_grid: bool
    ) -> list[Assessment]:
        if len(peaks) < self.params.min_matched:
            return []
        voted = self._candidates(peaks, [(1.0, 0.0)], witnesses[2])
        plain = self._assessed(peaks, witnesses, voted[: self.params.candidates])
        sure = max((evidence(a, self.params) for a in plain), default=0.0)
        if sure >= self.params.sure_evidence and not always_grid:
            return plain
        # Nothing sure yet: the voted cells beyond the candidates and the dense vote's best
        # cells, by phase alone.
        more = voted[self.params.candidates :] + self._dense_cells(dense, voted, witnesses[2])
        scanned = self._phase_scan(witnesses[2], more)
        plain += self._assessed(peaks, witnesses, scanned)
        grid = scale_grid(self.params)
        return plain + self._assessed(peaks, witnesses, self._candidates(peaks, grid))

    def _candidates(
        self,
        peaks: Peaks,
        grid: list[tuple[float, float]],
        phases: QueryPhases | None = None,
    ) -> list[Candidate]:
        """The best voted alignments; with ``params.prescreen``, re-ranked by single peaks;
        for the query as it is, with phases, also the next ``params.phase_scan`` voted cells,
        which ``_assess_window`` passes through the phase scan when nothing is sure.

        In loud noise a copy's right cell gets 3-5 votes, as many as hundreds of chance
        cells: few of its peak *pairs* survive. Its single peaks still land on the
        reference, so the prescreen votes ``prescreen`` cells and passes on those whose
        peaks stand out most from their neighbourhood (off by default, docs/audio.md). Its
        phase survives too, and that test is both cheap and sharp: the phase scan.
        """
        table = self._hash_table()
        params = self.params
        scan = params.phase_scan if phases is not None and grid == [(1.0, 0.0)] else 0
        limit = max(params.prescreen, params.candidates + scan)
        voted = table.vote(peaks, grid, params, limit=limit)
        if scan:
            return voted  # the cells beyond the candidates are for the phase scan
        if len(voted) <= params.candidates:
            return voted
        excess = [
            quick_excess(
                peaks,
                self._peaks[table.ref_ids[c.ref_slot]],
                offset=c.offset,
                time_scale=c.time_scale,
                pitch_shift=c.pitch_shift,
            )
            for c in voted
        ]
        order = sorted(range(len(voted)), key=lambda i: (-excess[i], -voted[i].votes))
        return [voted[i] for i in order[: params.candidates]]

    def _dense_cells(
        self, dense: Peaks | None, voted: list[Candidate], phases: QueryPhases | None
    ) -> list[Candidate]:
        """The best ``params.dense_scan`` cells of the query as it is, voted by its dense
        peaks, that are not alignments ``voted`` already holds. Under a voice or in loud
        noise the strongest 20 peaks a second are mostly the voice's or the noise's, and
        a copy's cell gets too few votes to rank among the first 60; with 40 peaks a
        second the music's peaks are in, and its cell rises (docs/audio.md)."""
        params = self.params
        if not params.dense_scan or phases is None or dense is None or len(dense) < 2:
            return []
        cells = self._hash_table().vote(dense, [(1.0, 0.0)], params, limit=params.dense_scan)
        return [
            cell
            for cell in cells
            if not any(
                seen.ref_slot == cell.ref_slot and abs(seen.offset - cell.offset) <= SAME_ALIGNMENT
                for seen in voted
            )
        ]

    def _phase_scan(self, phases: QueryPhases | None, cells: list[Candidate]) -> list[Candidate]:
        """The cells whose phase coherence reaches ``SCAN_COHERENCE`` (the lags it searches,
        +-2 frames, cover the vote's 2-frame offset bins)."""
        if phases is None or not cells:
            return []
        table = self._hash_table()
        points = [self._points[table.ref_ids[cell.ref_slot]] for cell in cells]
        alignments = [(p, round(c.offset)) for p, c in zip(points, cells, strict=True)]
        values = coherences_of(phases, alignments)
        found = [cell for cell, value in zip(cells, values, strict=True) if value >= SCAN_COHERENCE]
        return found

    def _assessed(
        self, peaks: Peaks, witnesses: Witnesses, candidates: list[Candidate]
    ) -> list[Assessment]:
        envelopes, peak_map, phases = witnesses
        table = self._hash_table()
        assessed: list[Assessment] = []
        middle = float(np.median(peaks.frames)) if len(peaks) else 0.0
        verified = []
        for voted in candidates:
            ref_id = table.ref_ids[voted.ref_slot]
            reference = self._peaks[ref_id]
            candidate = _best_refinement(peaks, reference, voted, middle)
            verdict = verify_alignment(
                peaks,
                reference,
                offset=candidate.offset,
                time_scale=candidate.time_scale,
                pitch_shift=candidate.pitch_shift,
            )
            verified.append((ref_id, reference, candidate, verdict))
        # A fourth witness for the query as it is: does it keep the reference's phase?
        phase_of = [PhaseWitness(0.0)] * len(verified)
        if phases is not None:
            plain = [i for i, item in enumerate(verified) if _as_is(item[2])]
            found = phase_witnesses(
                phases, [(self._points[verified[i][0]], verified[i][3].offset) for i in plain]
            )
            for i, witness in zip(plain, found, strict=True):
                phase_of[i] = witness
            # ... and for a speed change, which keeps the waveform too.
            sped = [i for i, item in enumerate(verified) if _is_speed_change(item[2])]
            sped.sort(key=lambda i: -verified[i][3].z)
            for i in sped[: self.params.speed_phase]:
                ref_id, _, candidate, verdict = verified[i]
                phase_of[i] = speed_witness(
                    phases,
                    self._points[ref_id],
                    offset=verdict.offset,
                    time_scale=candidate.time_scale,
                )
        for (ref_id, reference, candidate, peak_verdict), phase in zip(
            verified, phase_of, strict=True
        ):
            verdict = peak_verdict
            weak_peaks = verdict.z < self.params.min_z or verdict.matched < self.params.min_matched
            if weak_peaks and phase.excess < self.params.min_phase:
                continue
            if weak_peaks:
                # Noise hid the peaks but not the phase: judge the envelopes and the peak map
                # over the whole query, since too few peaks matched to say where it is.
                verdict = replace(
                    verdict,
                    query_start_frame=float(peaks.frames[0]),
                    query_end_frame=float(peaks.frames[-1]),
                )
            verdict = replace(
                verdict, phase_coherence=phase.coherence, phase_null=phase.null_median
            )
            if envelopes.shape[0] == 0 or self._envelopes[ref_id].shape[0] == 0:
                # Peaks-only payloads have no second witness (decision.py is stricter then).
                assessed.append(Assessment(candidate, verdict, len(peaks), has_envelopes=False))
                continue
            # A second, independent witness: do the band envelopes follow the reference?
            offsets = verdict.offset + np.concatenate([[0.0], _ENVELOPE_NULL_SHIFTS])
            # Only the stretch the peaks matched: a long query is mostly something else.
            first_row = int(verdict.query_start_frame) // ENVELOPE_HOP
            last_row = int(verdict.query_end_frame) // ENVELOPE_HOP + 1
            agreement = envelope_agreement(
                envelopes[first_row:last_row],
                self._envelopes[ref_id],
                first_row=first_row,
                offsets=offsets,
                time_scale=candidate.time_scale,
                pitch_shift=candidate.pitch_shift,
            )
            lift, weighted_lift = agreement[:, 0] - np.median(agreement[:, 1:], axis=1)
            # A third witness, from the reference's side: do its peaks stand out in the
            # query's spectrogram? Noise hides the query's own peaks long before these.
            from_reference = 0.0
            if peak_map is not None:
                from_reference = reverse_z(
                    peak_map,
                    reference.frames,
                    reference.pitches,
                    offset=verdict.offset,
                    time_scale=candidate.time_scale,
                    pitch_shift=candidate.pitch_shift,
                    first_frame=int(peaks.frames[0]),
                    last_frame=int(peaks.frames[-1]),
                )
            verdict = replace(
                verdict,
                envelope_lift=float(lift),
                weighted_lift=float(weighted_lift),
                reverse_z=from_reference,
            )
            assessed.append(
                Assessment(
                    candidate,
                    verdict,
                    len(peaks),
                    has_envelopes=True,
                    has_peak_map=peak_map is not None,
                )
            )
        return assessed

    def _hits(self, accepted: list[tuple[Assessment, float]]) -> list[IndexHit]:
        table = self._hash_table()
        best: dict[int, IndexHit] = {}
        for assessment, found in accepted:
            candidate, verdict = assessment.candidate, assessment.verdict
            ref_id = table.ref_ids[candidate.ref_slot]
            # 0.5 at the bar, towards 1 for strong matches.
            score = found / (found + required_evidence(assessment, self.params))
            if ref_id in best and best[ref_id].score >= score:
                continue
            q0, q1 = verdict.query_start_frame, verdict.query_end_frame + 1
            r0 = verdict.offset + candidate.time_scale * q0
            r1 = verdict.offset + candidate.time_scale * q1
            segment = Segment(
                query=(round(q0 * FRAME_SECONDS, 3), round(q1 * FRAME_SECONDS, 3)),
                reference=(round(max(r0, 0.0) * FRAME_SECONDS, 3), round(r1 * FRAME_SECONDS, 3)),
                unit="s",
            )
            best[ref_id] = IndexHit(
                ref_id=ref_id,
                score=round(score, 6),
                segments=(segment,),
                details={
                    "evidence": round(found, 2),
                    "z": round(verdict.z, 2),
                    "matched_peaks": verdict.matched,
                    "query_peaks": assessment.query_peaks,
                    "null_mean": round(verdict.null_mean, 2),
                    "near_null": round(verdict.near_null, 2),
                    "z_halves": round(verdict.z_halves, 2),
                    "z_near": round(verdict.z_near, 2),
                    "peak_share": round(assessment.share, 3),
                    "envelope_lift": round(verdict.envelope_lift, 3),
                    "weighted_lift": round(verdict.weighted_lift, 3),
                    "reverse_z": round(verdict.reverse_z, 2),
                    "phase_coherence": round(verdict.phase_coherence, 2),
                    "phase_null": round(verdict.phase_null, 2),
                    "votes": candidate.votes,
                    "time_scale": candidate.time_scale,
                    "pitch_shift_semitones": candidate.pitch_shift,
                },
            )
        return list(best.values())

    def _hash_table(self) -> HashTable:
        if self._table is None:
            self._table = HashTable.build(self._peaks, self.params.reference_fanout)
        return self._table


Witnesses = tuple[Envelopes, PeakMap | None, QueryPhases | None]


def _witnesses(payload: AudioPayload) -> Witnesses:
    phases = payload.phases if payload.phases is not None and payload.phases.size else None
    return payload.envelopes, payload.peak_map, phases


def _as_is(candidate: Candidate) -> bool:
    return candidate.time_scale == 1.0 and candidate.pitch_shift == 0.0


def _on_speed_axis(candidate: Candidate) -> bool:
    """Time and pitch moved together, as a resampling (a speed change) moves them."""
    return abs(candidate.pitch_shift + 12.0 * float(np.log2(candidate.time_scale))) < 1e-6


def _is_speed_change(candidate: Candidate) -> bool:
    return candidate.time_scale != 1.0 and _on_speed_axis(candidate)


def _best_refinement(peaks: Peaks, reference: Peaks, voted: Candidate, middle: float) -> Candidate:
    """The grid is 2.5% apart and a real speed change falls in between: try scales around
    it (pivoting on the query's middle) and keep the alignment matching most peaks; only
    that one is then verified against its null."""
    tried = _refinements(voted, middle)
    if len(tried) == 1:
        return voted
    matched = [
        matched_peaks(
            peaks, reference, offset=c.offset, time_scale=c.time_scale, pitch_shift=c.pitch_shift
        )
        for c in tried
    ]
    return tried[int(np.argmax(matched))]  # the first of equals, as the vote ordered them


def _refinements(candidate: Candidate, middle: float) -> list[Candidate]:
    if candidate.time_scale == 1.0:
        return [candidate]
    found = [candidate]
    on_speed_axis = _on_speed_axis(candidate)
    for step in _REFINE_STEPS:
        scale = candidate.time_scale + step
        shift = -12.0 * float(np.log2(scale)) if on_speed_axis else candidate.pitch_shift
        offset = candidate.offset - step * middle
        found.append(replace(candidate, offset=offset, time_scale=scale, pitch_shift=shift))
    return found


def _slice(peaks: Peaks, start: int, stop: int) -> Peaks:
    lo, hi = np.searchsorted(peaks.frames, [start, stop])
    return Peaks(peaks.frames[lo:hi], peaks.pitches[lo:hi])

"""An inverted index of winnowed k-gram hashes that localises copied passages.

Postings live in three parallel numpy arrays sorted by hash; additions are buffered and
merged on the next query. A query's kept hashes are looked up, every shared k-gram is
extended to a maximal exact match on the normalised texts, and nearby matches on the
same reference are chained into segments (so ad lines or a changed character split a
copy into few segments, not many). Segments shorter than the quotation limit are dropped.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from swordnet.domain.matching import IndexHit, Segment
from swordnet.modalities.text.normalize import NormalisedText
from swordnet.modalities.text.winnow import winnow
from swordnet.plugins.signals import Fingerprint, SignalIndex

_MAX_POSTINGS_PER_HASH = 64  # boilerplate k-grams shared by many references carry no signal


@dataclass(frozen=True, slots=True)
class TextIndexParams:
    k: int = 13
    w: int = 8
    min_copy_chars: int = 150
    max_gap: int = 60  # largest unmatched stretch inside one copied segment


@dataclass(slots=True)
class _Run:
    """A maximal exact match between query and reference (normalised coordinates)."""

    q0: int
    q1: int
    r0: int
    r1: int


def decode_text_payload(payload: bytes) -> NormalisedText:
    with np.load(io.BytesIO(payload)) as arrays:
        codes = arrays["codes"]
        offsets = arrays["offsets"].astype(np.int32)
        original_length = int(arrays["original_length"][0])
    text = codes.astype(np.uint32).tobytes().decode("utf-32-le")
    return NormalisedText(text, offsets, original_length)


def encode_text_payload(normalised: NormalisedText) -> bytes:
    buffer = io.BytesIO()
    codes = np.frombuffer(normalised.text.encode("utf-32-le"), dtype=np.uint32)
    np.savez_compressed(
        buffer,
        codes=codes,
        offsets=normalised.offsets,
        original_length=np.array([normalised.original_length], dtype=np.int64),
    )
    return buffer.getvalue()


class TextIndex(SignalIndex):
    def __init__(self, params: TextIndexParams | None = None) -> None:
        self.params = params or TextIndexParams()
        self._refs: dict[int, NormalisedText] = {}
        self._hashes = np.empty(0, dtype=np.uint64)
        self._ref_of = np.empty(0, dtype=np.int64)
        self._pos_of = np.empty(0, dtype=np.int32)
        self._pending: list[tuple[npt.NDArray[np.uint64], int, npt.NDArray[np.int32]]] = []
        self._removed: set[int] = set()

    # -- building ---------------------------------------------------------------
    def add(self, ref_id: int, fingerprint: Fingerprint) -> None:
        self.add_normalised(ref_id, decode_text_payload(fingerprint.payload))

    def add_normalised(self, ref_id: int, normalised: NormalisedText) -> None:
        if ref_id in self._refs:
            self.remove(ref_id)
        self._removed.discard(ref_id)
        self._refs[ref_id] = normalised
        hashes, positions = winnow(normalised.text, self.params.k, self.params.w)
        self._pending.append((hashes, ref_id, positions))

    def remove(self, ref_id: int) -> None:
        if self._refs.pop(ref_id, None) is not None:
            self._removed.add(ref_id)

    def ref_ids(self) -> set[int]:
        return set(self._refs)

    def _compact(self) -> None:
        if not self._pending and not self._removed:
            return
        hashes = [self._hashes]
        refs = [self._ref_of]
        positions = [self._pos_of]
        for pending_hashes, ref_id, pending_positions in self._pending:
            if ref_id not in self._refs:
                continue
            hashes.append(pending_hashes)
            refs.append(np.full(len(pending_hashes), ref_id, dtype=np.int64))
            positions.append(pending_positions)
        all_hashes = np.concatenate(hashes)
        all_refs = np.concatenate(refs)
        all_positions = np.concatenate(positions)
        if self._removed:
            keep = ~np.isin(all_refs, np.fromiter(self._removed, dtype=np.int64))
            all_hashes, all_refs, all_positions = (
                all_hashes[keep],
                all_refs[keep],
                all_positions[keep],
            )
        order = np.argsort(all_hashes, kind="stable")
        self._hashes = all_hashes[order]
        self._ref_of = all_refs[order]
        self._pos_of = all_positions[order]
        self._pending.clear()
        self._removed.clear()

    # -- querying ---------------------------------------------------------------
    def query(self, fingerprint: Fingerprint) -> list[IndexHit]:
        return self.query_normalised(decode_text_payload(fingerprint.payload))

    def query_normalised(self, query: NormalisedText) -> list[IndexHit]:
        self._compact()
        k = self.params.k
        hashes, positions = winnow(query.text, k, self.params.w)
        if len(hashes) == 0 or len(self._hashes) == 0:
            return []
        left = np.searchsorted(self._hashes, hashes, side="left")
        right = np.searchsorted(self._hashes, hashes, side="right")
        counts = right - left
        useful = (counts > 0) & (counts <= _MAX_POSTINGS_PER_HASH)
        seeds: dict[int, list[tuple[int, int]]] = {}
        for q_pos, start, stop in zip(
            positions[useful].tolist(), left[useful].tolist(), right[useful].tolist(), strict=True
        ):
            for ref_id, r_pos in zip(
                self._ref_of[start:stop].tolist(), self._pos_of[start:stop].tolist(), strict=True
            ):
                seeds.setdefault(ref_id, []).append((q_pos, r_pos))
        hits = [
            hit
            for ref_id, pairs in seeds.items()
            if (hit := self._align(query, ref_id, pairs)) is not None
        ]
        hits.sort(key=lambda hit: hit.score, reverse=True)
        return hits

    def _align(
        self, query: NormalisedText, ref_id: int, pairs: list[tuple[int, int]]
    ) -> IndexHit | None:
        reference = self._refs[ref_id]
        runs = _maximal_runs(query.text, reference.text, pairs, self.params.k)
        if not runs:
            return None
        threshold = min(self.params.min_copy_chars, max(self.params.k, int(0.9 * len(reference.text))))
        segments: list[tuple[_Run, int]] = []  # (segment extent, matched chars)
        for extent, matched in _chain(runs, self.params.max_gap):
            if min(extent.q1 - extent.q0, extent.r1 - extent.r0) >= threshold:
                segments.append((extent, matched))
        if not segments:
            return None
        matched_total = sum(matched for _, matched in segments)
        span_total = sum(max(e.q1 - e.q0, e.r1 - e.r0) for e, _ in segments)
        density = matched_total / span_total
        score = density * (1.0 - math.exp(-matched_total / threshold))
        ref_covered = sum(e.r1 - e.r0 for e, _ in segments)
        query_covered = sum(e.q1 - e.q0 for e, _ in segments)
        out_segments = tuple(
            Segment(
                query.original_span(extent.q0, extent.q1),
                reference.original_span(extent.r0, extent.r1),
                "char",
            )
            for extent, _ in segments
        )
        details: dict[str, Any] = {
            "copied_chars": matched_total,
            "reference_share": round(min(1.0, ref_covered / max(1, len(reference.text))), 4),
            "query_share": round(min(1.0, query_covered / max(1, len(query.text))), 4),
        }
        return IndexHit(ref_id=ref_id, score=round(score, 6), segments=out_segments, details=details)

    # -- persistence ------------------------------------------------------------
    def serialize(self) -> bytes:
        self._compact()
        ids = sorted(self._refs)
        texts = [self._refs[i] for i in ids]
        buffer = io.BytesIO()
        np.savez(
            buffer,
            params=np.frombuffer(json.dumps(_params_dict(self.params)).encode(), dtype=np.uint8),
            ids=np.array(ids, dtype=np.int64),
            norm_lengths=np.array([len(t.text) for t in texts], dtype=np.int64),
            original_lengths=np.array([t.original_length for t in texts], dtype=np.int64),
            codes=np.frombuffer("".join(t.text for t in texts).encode("utf-32-le"), dtype=np.uint32),
            offsets=np.concatenate([t.offsets for t in texts]) if texts else np.empty(0, np.int32),
            hashes=self._hashes,
            ref_of=self._ref_of,
            pos_of=self._pos_of,
        )
        return buffer.getvalue()

    @classmethod
    def deserialize(cls, data: bytes) -> Self:
        with np.load(io.BytesIO(data)) as arrays:
            params = TextIndexParams(**json.loads(arrays["params"].tobytes().decode()))
            index = cls(params)
            codes = arrays["codes"]
            offsets = arrays["offsets"]
            start = 0
            for ref_id, length, original in zip(
                arrays["ids"].tolist(),
                arrays["norm_lengths"].tolist(),
                arrays["original_lengths"].tolist(),
                strict=True,
            ):
                text = codes[start : start + length].tobytes().decode("utf-32-le")
                index._refs[ref_id] = NormalisedText(
                    text, offsets[start : start + length].astype(np.int32), original
                )
                start += length
            index._hashes = arrays["hashes"]
            index._ref_of = arrays["ref_of"]
            index._pos_of = arrays["pos_of"]
        return index


def _params_dict(params: TextIndexParams) -> dict[str, int]:
    return {name: getattr(params, name) for name in TextIndexParams.__dataclass_fields__}


def _maximal_runs(query: str, reference: str, pairs: list[tuple[int, int]], k: int) -> list[_Run]:
    """Extend each seed to a maximal exact match; seeds inside a found run are skipped."""
    runs: list[_Run] = []
    covered: dict[int, int] = {}  # diagonal -> query end of the last run on it
    for q_pos, r_pos in sorted(pairs):
        diagonal = r_pos - q_pos
        if covered.get(diagonal, -1) > q_pos:
            continue
        if query[q_pos : q_pos + k] != reference[r_pos : r_pos + k]:
            continue  # hash collision
        q0, r0 = q_pos, r_pos
        while q0 > 0 and r0 > 0 and query[q0 - 1] == reference[r0 - 1]:
            q0 -= 1
            r0 -= 1
        q1, r1 = q_pos + k, r_pos + k
        while q1 < len(query) and r1 < len(reference) and query[q1] == reference[r1]:
            q1 += 1
            r1 += 1
        covered[diagonal] = q1
        runs.append(_Run(q0, q1, r0, r1))
    return runs


def _chain(runs: list[_Run], max_gap: int) -> list[tuple[_Run, int]]:
    """Greedily chain runs that follow each other in both texts with small gaps.

    Returns each chain's extent and how many of its query characters were matched exactly.
    """
    finished: list[tuple[_Run, int]] = []
    open_chains: list[tuple[_Run, list[int]]] = []  # extent, [matched]
    for run in sorted(runs, key=lambda run: (run.q0, run.r0)):
        still_open = []
        for extent, matched in open_chains:
            if run.q0 - extent.q1 > max_gap:
                finished.append((extent, matched[0]))
            else:
                still_open.append((extent, matched))
        open_chains = still_open
        target = next(
            (
                (extent, matched)
                for extent, matched in open_chains
                if abs(run.r0 - extent.r1) <= max_gap and run.r1 > extent.r1 and run.q1 > extent.q1
            ),
            None,
        )
        if target is None:
            open_chains.append((_Run(run.q0, run.q1, run.r0, run.r1), [run.q1 - run.q0]))
            continue
        extent, matched = target
        matched[0] += run.q1 - max(run.q0, extent.q1)
        extent.q1 = run.q1
        extent.r1 = run.r1
    finished.extend((extent, matched[0]) for extent, matched in open_chains)
    return finished

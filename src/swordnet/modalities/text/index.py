"""An inverted index of winnowed gram hashes that finds and localises partial copies.

Postings (hash, reference, position, gram length) live in parallel numpy arrays sorted
by hash; additions and removals are buffered and merged on the next query, so adding
one work to a large catalogue costs one sort, not a rebuild of everything else.

A query looks up every one of its grams. Shared grams (seeds) are first screened in bulk:
a seed whose neighbourhood does not match on either side is a common phrase, not a copy.
The survivors are grown into copied spans by ``align`` and spans shorter than the
quotation limit are dropped. A MinHash LSH beside the postings answers whole-document
near-duplicate questions (mirrors) and adds the document similarity to each hit.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from datasketch import LeanMinHash

from swordnet.domain.matching import IndexHit, Segment
from swordnet.modalities.text.align import (
    AlignParams,
    Extent,
    Texts,
    align_seeds,
)
from swordnet.modalities.text.neardup import NearDuplicateIndex, sketch, sketch_from_bytes
from swordnet.modalities.text.normalize import NormalisedText, original_span
from swordnet.modalities.text.payload import TextPayload, decode_payload
from swordnet.modalities.text.seeds import (
    WINDOW,
    HashLookup,
    Postings,
    ScreenParams,
    screened_seeds,
)
from swordnet.modalities.text.winnow import Grams, token_grams, winnow
from swordnet.plugins.signals import Fingerprint, SignalIndex

# References are laid out in 16 bits when they allow it (nearly always): half the memory.
# Normalised text never holds U+FFF0..U+FFF8 (unassigned, dropped), so they can pad.
_REFERENCE_PAD_16 = 0xFFF1
_REFERENCE_PAD_32 = 0xFFFFFFF1
Codes = npt.NDArray[np.unsignedinteger[Any]]


@dataclass(frozen=True, slots=True)
class TextIndexParams:
    gram_weight: int = 10  # a gram is 10 CJK characters or 3 words (4 + 4 + 4 >= 10)
    word_weight: int = 4
    w: int = 6  # winnowing window over reference grams
    # Queries are winnowed too (any window <= ``w`` keeps every hash the reference kept
    # inside a shared run; 1 looks up every gram). 4 and 6 gave the same recall on the
    # benchmark, 6 is 5% faster per query (bench/text.py, docs/text.md).
    query_w: int = 6
    min_copy_chars: int = 150  # shorter overlaps are quotation (normalised characters)
    max_postings: int = 8  # grams shared by more references are boilerplate
    glance_min_equal: int = 5  # of the 2 * GLANCE characters beside a seed
    min_seed_extent: int = 40  # shorter matches around a seed are common phrases
    near_duplicate_threshold: float = 0.5
    align: AlignParams = field(default_factory=AlignParams)


@dataclass(slots=True)
class _Reference:
    """What is kept of a reference: its normalised characters (a view into the laid-out
    array once laid out) and the map back to its original characters."""

    codes: Codes
    offsets: npt.NDArray[np.int32]
    original_length: int

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return original_span(self.offsets, self.original_length, start, end)


class TextIndex(SignalIndex):
    def __init__(self, params: TextIndexParams | None = None) -> None:
        self.params = params or TextIndexParams()
        self._refs: dict[int, _Reference] = {}
        self._hashes = np.empty(0, dtype=np.uint64)
        self._ref_of = np.empty(0, dtype=np.int64)
        self._pos_of = np.empty(0, dtype=np.int32)
        self._len_of = np.empty(0, dtype=np.int32)
        self._lookup = HashLookup.empty()
        self._pending: list[tuple[int, Grams]] = []
        self._removed: set[int] = set()
        self._near = NearDuplicateIndex(self.params.near_duplicate_threshold)
        self._layout_stale = True
        self._sorted_ids = np.empty(0, dtype=np.int64)
        self._bases = np.empty(0, dtype=np.int64)
        self._concatenated: Codes = np.empty(0, dtype=np.uint16)
        self._global_of = np.empty(0, dtype=np.int64)

    def use_params(self, params: TextIndexParams) -> None:
        """Answer queries with other settings; raise ``ValueError`` if the postings were
        built with other grams, winnowing or LSH threshold (the index must be rebuilt)."""
        built_with = (self.params.gram_weight, self.params.word_weight, self.params.w)
        wanted = (params.gram_weight, params.word_weight, params.w)
        if built_with != wanted or (
            self.params.near_duplicate_threshold != params.near_duplicate_threshold
        ):
            raise ValueError(f"text index built with {self.params}, not {params}: rebuild it")
        self.params = params
        self._build_lookup()

    # -- building ---------------------------------------------------------------
    def add(self, ref_id: int, fingerprint: Fingerprint) -> None:
        self.add_many([(ref_id, fingerprint)])

    def add_many(self, entries: Any) -> None:
        sketches = []
        for ref_id, fingerprint in entries:
            payload = decode_payload(fingerprint.payload)
            self._add_normalised(ref_id, payload.normalised)
            sketches.append((ref_id, self._sketch_of(payload)))
        self._near.add_many(sketches)

    def _sketch_of(self, payload: TextPayload) -> LeanMinHash:
        """The payload's sketch; query fingerprints carry none, so make it when asked."""
        if payload.sketch:
            return sketch_from_bytes(payload.sketch)
        grams = token_grams(payload.normalised, self.params.gram_weight, self.params.word_weight)
        return sketch(grams.hashes)

    def _add_normalised(self, ref_id: int, normalised: NormalisedText) -> None:
        if ref_id in self._refs:
            self.remove(ref_id)
        self._removed.discard(ref_id)
        self._refs[ref_id] = _Reference(
            normalised.codes, normalised.offsets, normalised.original_length
        )
        grams = token_grams(normalised, self.params.gram_weight, self.params.word_weight)
        self._pending.append((ref_id, winnow(grams, self.params.w)))
        self._layout_stale = True

    def remove(self, ref_id: int) -> None:
        if self._refs.pop(ref_id, None) is not None:
            self._removed.add(ref_id)
            self._pending = [(i, grams) for i, grams in self._pending if i != ref_id]
            self._near.remove(ref_id)
            self._layout_stale = True

    def ref_ids(self) -> set[int]:
        return set(self._refs)

    def _compact(self) -> None:
        if self._pending or self._removed:
            self._merge_postings()
        if self._layout_stale:
            self._lay_out_references()

    def _merge_postings(self) -> None:
        keep = np.ones(len(self._hashes), dtype=np.bool_)
        if self._removed:
            keep = ~np.isin(self._ref_of, np.fromiter(self._removed, dtype=np.int64))
        parts = [(self._hashes[keep], self._ref_of[keep], self._pos_of[keep], self._len_of[keep])]
        for ref_id, grams in self._pending:
            parts.append(
                (
                    grams.hashes,
                    np.full(len(grams.hashes), ref_id, dtype=np.int64),
                    grams.starts,
                    grams.ends - grams.starts,
                )
            )
        hashes = np.concatenate([p[0] for p in parts])
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]
        self._ref_of = np.concatenate([p[1] for p in parts])[order]
        self._pos_of = np.concatenate([p[2] for p in parts]).astype(np.int32)[order]
        self._len_of = np.concatenate([p[3] for p in parts]).astype(np.int32)[order]
        self._pending.clear()
        self._removed.clear()
        self._build_lookup()

    def _build_lookup(self) -> None:
        self._lookup = HashLookup.build(self._hashes, self.params.max_postings)

    def _lay_out_references(self) -> None:
        """All reference texts end to end, padded, so seeds can be screened in bulk.

        Each reference then keeps a view into this array rather than its own copy.
        """
        self._sorted_ids = np.array(sorted(self._refs), dtype=np.int64)
        sizes = [len(self._refs[i].codes) for i in self._sorted_ids.tolist()]
        starts = np.concatenate(([0], np.cumsum(np.array(sizes, dtype=np.int64) + WINDOW)))
        bases = WINDOW + starts[: len(sizes)]  # no references: no bases
        total = WINDOW + sum(sizes) + WINDOW * len(sizes)
        narrow = all(
            len(r.codes) == 0 or int(r.codes.max()) < _REFERENCE_PAD_16 for r in self._refs.values()
        )
        laid_out: Codes = (
            np.full(total, _REFERENCE_PAD_16, dtype=np.uint16)
            if narrow
            else np.full(total, _REFERENCE_PAD_32, dtype=np.uint32)
        )
        for ref_id, base, size in zip(
            self._sorted_ids.tolist(), bases.tolist(), sizes, strict=True
        ):
            reference = self._refs[ref_id]
            laid_out[base : base + size] = reference.codes
            reference.codes = laid_out[base : base + size]
        self._bases = bases.astype(np.int64)
        self._concatenated = laid_out
        slot = np.searchsorted(self._sorted_ids, self._ref_of)
        self._global_of = self._bases[slot] + self._pos_of if len(slot) else np.empty(0, np.int64)
        self._layout_stale = False

    # -- querying ---------------------------------------------------------------
    def query(self, fingerprint: Fingerprint) -> list[IndexHit]:
        payload = decode_payload(fingerprint.payload)
        hits = self.query_normalised(payload.normalised)
        if not hits:
            return hits
        if payload.sketch:  # whole-document similarity, when the fingerprint has a sketch
            document = sketch_from_bytes(payload.sketch)
            for hit in hits:
                similarity = self._near.similarity(hit.ref_id, document)
                if similarity is not None:
                    hit.details["document_similarity"] = round(similarity, 4)
        return hits

    def near_duplicates(self, fingerprint: Fingerprint) -> list[tuple[int, float]]:
        """References that are the same document as the query as a whole (mirrors)."""
        return self._near.query(self._sketch_of(decode_payload(fingerprint.payload)))

    def query_normalised(self, query: NormalisedText) -> list[IndexHit]:
        self._compact()
        if len(self._hashes) == 0:
            return []
        codes = query.wide_codes()
        grams = token_grams(query, self.params.gram_weight, self.params.word_weight)
        if self.params.query_w > 1:
            grams = winnow(grams, self.params.query_w)
        postings = Postings(self._lookup, self._ref_of, self._pos_of, self._global_of, self._len_of)
        screen = ScreenParams(
            self.params.glance_min_equal, self.params.min_seed_extent, self.params.align
        )
        seeds = screened_seeds(codes, grams, postings, self._concatenated, screen)
        if len(seeds) == 0:
            return []
        hits = []
        order = np.lexsort((seeds[:, 1], seeds[:, 0], seeds[:, 9]))
        seeds = seeds[order]
        boundaries = np.flatnonzero(np.diff(seeds[:, 9])) + 1
        query_text = query.text
        for group in np.split(seeds, boundaries):
            ref_id = int(group[0, 9])
            reference = self._refs[ref_id]
            texts = Texts(query_text, codes, reference.codes)
            extents = align_seeds(texts, group[:, :9], self.params.align)
            hit = self._hit(query, ref_id, reference, extents)
            if hit is not None:
                hits.append(hit)
        hits.sort(key=lambda hit: hit.score, reverse=True)
        return hits

    def _hit(
        self, query: NormalisedText, ref_id: int, reference: _Reference, extents: list[Extent]
    ) -> IndexHit | None:
        limit = self.params.min_copy_chars
        copies = [
            extent
            for extent in extents
            if min(extent.q1 - extent.q0, extent.r1 - extent.r0) >= limit
            and extent.matched >= self.params.align.min_identity * extent.length
        ]
        if not copies:
            return None
        matched = sum(extent.matched for extent in copies)
        span = sum(extent.length for extent in copies)
        identity = matched / span
        score = identity * (1.0 - math.exp(-matched / limit))
        segments = tuple(
            Segment(
                query.original_span(extent.q0, extent.q1),
                reference.original_span(extent.r0, extent.r1),
                "char",
            )
            for extent in copies
        )
        details: dict[str, Any] = {
            "copied_chars": matched,
            "identity": round(identity, 4),
            "reference_share": round(
                min(1.0, sum(e.r1 - e.r0 for e in copies) / max(1, len(reference.codes))), 4
            ),
            "query_share": round(
                min(1.0, sum(e.q1 - e.q0 for e in copies) / max(1, len(query))), 4
            ),
        }
        return IndexHit(ref_id=ref_id, score=round(score, 6), segments=segments, details=details)

    # -- persistence ------------------------------------------------------------
    def serialize(self) -> bytes:
        self._compact()
        references = [self._refs[i] for i in self._sorted_ids.tolist()]
        arrays: dict[str, Any] = dict(
            params=np.frombuffer(json.dumps(asdict(self.params)).encode(), dtype=np.uint8),
            ids=self._sorted_ids,
            norm_lengths=np.array([len(r.codes) for r in references], dtype=np.int64),
            original_lengths=np.array([r.original_length for r in references], dtype=np.int64),
            codes=np.concatenate([r.codes for r in references] or [np.empty(0, np.uint32)]),
            offsets=np.concatenate([r.offsets for r in references] or [np.empty(0, np.int32)]),
            hashes=self._hashes,
            ref_of=self._ref_of,
            pos_of=self._pos_of,
            len_of=self._len_of,
            **self._near.serialize_into(),
        )
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def deserialize(cls, data: bytes) -> Self:
        with np.load(io.BytesIO(data)) as arrays:
            raw_params = json.loads(arrays["params"].tobytes().decode())
            align = AlignParams(**raw_params.pop("align"))
            index = cls(TextIndexParams(**raw_params, align=align))
            codes, offsets = arrays["codes"], arrays["offsets"]
            start = 0
            for ref_id, length, original in zip(
                arrays["ids"].tolist(),
                arrays["norm_lengths"].tolist(),
                arrays["original_lengths"].tolist(),
                strict=True,
            ):
                end = start + length
                index._refs[ref_id] = _Reference(codes[start:end], offsets[start:end], original)
                start = end
            index._hashes = arrays["hashes"]
            index._ref_of = arrays["ref_of"]
            index._pos_of = arrays["pos_of"]
            index._len_of = arrays["len_of"]
            index._build_lookup()
            index._near = NearDuplicateIndex.deserialize_from(dict(arrays))
        return index

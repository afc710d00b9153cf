"""Fusing the soundtrack's evidence with the picture's.

The audio index finds a reference's music or dialogue whatever was done to the picture
(mirrored, cropped, picture-in-picture); the picture survives replaced music. Where both
find the same stretch at the same offset, the segment's score combines both and its range
grows to the soundtrack's (a picture-in-picture copy matches only some frames), though
never over another work's pictures; where only one finds it, its segment and score stand.
"""

from __future__ import annotations

from dataclasses import replace

from swordnet.domain.matching import IndexHit
from swordnet.modalities.video.align import AlignedSegment

AGREEMENT_S = 2.5  # offsets of the two modalities this close describe one copy
AUDIO_SLACK_S = 1.0  # audio ranges are placed to the second
# Speeds a pirated video plausibly plays at; the audio tier also searches wider time
# scales (for music), whose chance alignments must not stand alone as video copies.
MIN_SPEED, MAX_SPEED = 0.75, 1.35


def fuse_audio(
    visual: list[AlignedSegment],
    audio_hits: list[IndexHit],
    *,
    duration_s: float,
    occupied: list[tuple[float, float]],
) -> list[AlignedSegment]:
    """Fuse one reference's segments; ``occupied`` holds other references' visual ranges."""
    fused = list(visual)
    for hit in audio_hits:
        for segment in hit.segments:
            q0, q1 = (float(v) for v in segment.query)
            r0, r1 = (float(v) for v in segment.reference)
            speed = (r1 - r0) / (q1 - q0) if q1 > q0 else 1.0
            heard = AlignedSegment(
                query=(q0, q1),
                reference=(r0, r1),
                speed=round(speed, 4),
                score=float(hit.score),
                frames=0,
                evidence=float(hit.details.get("z", 0.0)),
            )
            partner = _agreeing(fused, heard)
            if partner is None:
                if MIN_SPEED <= speed <= MAX_SPEED:  # a re-timed copy, not a chance alignment
                    fused.append(heard)
                continue
            seen = fused[partner]
            # Audio windows are coarse: they may run on into the next work of a compilation.
            # The soundtrack extends the picture's range only up to another work's pictures.
            start = max([q0, *(b for a, b in occupied if a < seen.query[0] and b > q0)])
            end = min([q1, *(a for a, b in occupied if b > seen.query[1] and a < q1)])
            # The soundtrack's seconds are coarser than the pictures' ends: it extends
            # them only by more than its own uncertainty.
            if start > seen.query[0] - AUDIO_SLACK_S:
                start = seen.query[0]
            if end < seen.query[1] + AUDIO_SLACK_S:
                end = seen.query[1]
            if seen.speed > 0:  # not before the reference's start
                start = max(start, seen.query[0] - seen.reference[0] / seen.speed)
            fused[partner] = replace(
                seen,
                query=(round(start, 3), round(end, 3)),
                reference=(
                    round(max(0.0, seen.reference[0] - (seen.query[0] - start) * seen.speed), 3),
                    round(seen.reference[1] + (end - seen.query[1]) * seen.speed, 3),
                ),
                score=round(1.0 - (1.0 - seen.score) * (1.0 - heard.score), 6),
            )
    kept: list[AlignedSegment] = []
    for candidate in sorted(fused, key=lambda s: -s.score):
        length = max(candidate.query[1] - candidate.query[0], 1e-6)
        covered = sum(
            max(0.0, min(candidate.query[1], k.query[1]) - max(candidate.query[0], k.query[0]))
            for k in kept
        )
        if covered < 0.5 * length:  # a weaker reading of seconds already explained
            kept.append(_clip(candidate, duration_s))
    return kept


def _agreeing(segments: list[AlignedSegment], heard: AlignedSegment) -> int | None:
    for position, seen in enumerate(segments):
        overlap = min(seen.query[1], heard.query[1]) - max(seen.query[0], heard.query[0])
        if overlap <= 0:
            continue
        seen_offset = seen.reference[0] - seen.speed * seen.query[0]
        heard_offset = heard.reference[0] - heard.speed * heard.query[0]
        if abs(seen_offset - heard_offset) <= AGREEMENT_S + 0.1 * abs(heard.query[0]) * abs(
            seen.speed - heard.speed
        ):
            return position
    return None


def _clip(segment: AlignedSegment, duration_s: float) -> AlignedSegment:
    r0, r1 = segment.reference
    if r1 <= duration_s or duration_s <= 0:
        return segment
    q0, q1 = segment.query
    over = (r1 - duration_s) / max(segment.speed, 1e-6)
    return replace(
        segment,
        query=(q0, round(max(q0, q1 - over), 3)),
        reference=(r0, round(duration_s, 3)),
    )

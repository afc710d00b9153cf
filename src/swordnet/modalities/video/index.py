"""The video index: sampled frames in the image index, the soundtrack in the audio index.

Every sampled reference frame goes into one ``ImageIndex`` under its own frame id, with the
reference and timestamp kept beside it: the global PDQ tier holds every frame (40 bytes
each), the local ORB tier only a frame every few seconds with a few dozen keypoints, which
keeps an hour of video under a few megabytes. A query's frames are looked up one by one;
their matches are aligned in time per reference (``align.py``), the audio index's matched
ranges are fused in, and each reference found becomes one hit with all its segments.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from typing import Self

import numpy as np

from swordnet.domain.matching import IndexHit, Segment
from swordnet.modalities.audio import AudioIndex, AudioMatchParams
from swordnet.modalities.audio.landmarks import Peaks
from swordnet.modalities.audio.payload import decode_peaks, encode_peaks
from swordnet.modalities.image import ImageFeatures, ImageIndex, ImageIndexParams
from swordnet.modalities.image.global_index import GlobalParams
from swordnet.modalities.image.local_index import LocalParams
from swordnet.modalities.image.verify import VerifyParams
from swordnet.modalities.video.align import (
    AlignedSegment,
    AlignParams,
    align_matches,
    refine_offset,
)
from swordnet.modalities.video.fusion import fuse_audio
from swordnet.modalities.video.payload import VideoFeatures
from swordnet.modalities.video.soundtrack import matched_extent
from swordnet.plugins.signals import Fingerprint, SignalIndex


def _image_params() -> ImageIndexParams:
    # Reference frames keep few keypoints, so fewer agreeing matches are asked of a frame;
    # the temporal alignment then asks several frames to agree with each other.
    # A frame's PDQ distance may be looser than a photo's (31 of 256 bits): chance matches
    # (about 128 bits apart) do not line up in time, and sampled frames of a copy are
    # rarely the very frames of the reference.
    local = LocalParams(min_votes=6, verify=VerifyParams(min_inliers=8))
    return ImageIndexParams(global_tier=GlobalParams(max_distance=44), local_tier=local)


@dataclass(frozen=True, slots=True)
class VideoIndexParams:
    image: ImageIndexParams = field(default_factory=_image_params)
    audio: AudioMatchParams = field(default_factory=AudioMatchParams)
    align: AlignParams = field(default_factory=AlignParams)
    local_every_s: float = 4.0  # reference frames that keep ORB keypoints
    local_keypoints: int = 48
    near_best: float = 0.03  # frame matches this close to a frame's best one also vote
    visual_only: bool = False  # for the benchmark's ablation


class VideoIndex(SignalIndex):
    def __init__(self, params: VideoIndexParams | None = None) -> None:
        self.params = params or VideoIndexParams()
        self.image = ImageIndex(self.params.image)
        self.audio = AudioIndex(self.params.audio)
        self._frame_ref: dict[int, int] = {}
        self._frame_time: dict[int, float] = {}
        self._frames_of: dict[int, list[int]] = {}
        self._durations: dict[int, float] = {}
        self._audio_peaks: dict[int, Peaks] = {}  # to place audio matches to the second
        self._next_frame = 0

    # -- building ---------------------------------------------------------------
    def add(self, ref_id: int, fingerprint: Fingerprint) -> None:
        self.add_features(ref_id, VideoFeatures.from_payload(fingerprint.payload))

    def add_features(self, ref_id: int, features: VideoFeatures) -> None:
        self.remove(ref_id)
        frame_ids: list[int] = []
        last_local = -1e9
        whole = ~features.inset_flags()  # a reference is indexed by its whole frames
        for time_s, frame, keep in zip(
            features.times.tolist(), features.frames, whole.tolist(), strict=True
        ):
            if not keep:
                continue
            keep_local = time_s - last_local >= self.params.local_every_s
            if keep_local and len(frame.keypoints):
                last_local = time_s
            frame_id = self._next_frame
            self._next_frame += 1
            self.image.add_features(
                frame_id, _trim(frame, self.params.local_keypoints if keep_local else 0)
            )
            self._frame_ref[frame_id] = ref_id
            self._frame_time[frame_id] = float(time_s)
            frame_ids.append(frame_id)
        self._frames_of[ref_id] = frame_ids
        self._durations[ref_id] = features.duration_s
        if features.audio:
            self.audio.add(ref_id, _audio_fingerprint(features))
            self._audio_peaks[ref_id] = decode_peaks(features.audio)

    def remove(self, ref_id: int) -> None:
        for frame_id in self._frames_of.pop(ref_id, []):
            self.image.remove(frame_id)
            self._frame_ref.pop(frame_id, None)
            self._frame_time.pop(frame_id, None)
        self._durations.pop(ref_id, None)
        self.audio.remove(ref_id)
        self._audio_peaks.pop(ref_id, None)

    def ref_ids(self) -> set[int]:
        return set(self._durations)

    def reference_seconds(self) -> float:
        return float(sum(self._durations.values()))

    # -- querying ---------------------------------------------------------------
    def query(self, fingerprint: Fingerprint) -> list[IndexHit]:
        return self.query_features(VideoFeatures.from_payload(fingerprint.payload))

    def query_features(self, features: VideoFeatures) -> list[IndexHit]:
        visual = self.visual_segments(features)
        audio_hits: list[IndexHit] = []
        if features.audio and not self.params.visual_only and self.audio.ref_ids():
            audio_hits = self._placed(self.audio.query(_audio_fingerprint(features)), features)
        hits: list[IndexHit] = []
        for ref_id in sorted(set(visual) | {hit.ref_id for hit in audio_hits}):
            if ref_id not in self._durations:
                continue
            fused = fuse_audio(
                visual.get(ref_id, []),
                [hit for hit in audio_hits if hit.ref_id == ref_id],
                duration_s=self._durations[ref_id],
                occupied=[
                    segment.query
                    for other, segments in visual.items()
                    if other != ref_id
                    for segment in segments
                ],
            )
            if not fused:
                continue
            segments = tuple(Segment(query=s.query, reference=s.reference, unit="s") for s in fused)
            hits.append(
                IndexHit(
                    ref_id=ref_id,
                    score=max(s.score for s in fused),
                    segments=segments,
                    details={
                        "segment_scores": [s.score for s in fused],
                        "evidence": [s.evidence for s in fused],
                        "speed": [s.speed for s in fused],
                    },
                )
            )
        return sorted(hits, key=lambda hit: (-hit.score, hit.ref_id))

    def _placed(self, hits: list[IndexHit], features: VideoFeatures) -> list[IndexHit]:
        """Audio hits with their query ranges narrowed to the seconds that really match."""
        query = decode_peaks(features.audio)
        placed: list[IndexHit] = []
        for hit in hits:
            reference = self._audio_peaks.get(hit.ref_id)
            segment = hit.segments[0]
            scale = float(hit.details.get("time_scale", 1.0))
            extent = None
            if reference is not None:
                extent = matched_extent(
                    query,
                    reference,
                    query_range=(float(segment.query[0]), float(segment.query[1])),
                    reference_start=float(segment.reference[0]),
                    time_scale=scale,
                    pitch_shift=float(hit.details.get("pitch_shift_semitones", 0.0)),
                )
            if extent is not None:
                q0 = float(segment.query[0])
                r0 = float(segment.reference[0])
                segment = Segment(
                    query=(round(extent[0], 3), round(extent[1], 3)),
                    reference=(
                        round(max(0.0, r0 + scale * (extent[0] - q0)), 3),
                        round(r0 + scale * (extent[1] - q0), 3),
                    ),
                    unit="s",
                )
            placed.append(dataclasses.replace(hit, segments=(segment,)))
        return placed

    def visual_segments(self, features: VideoFeatures) -> dict[int, list[AlignedSegment]]:
        """Per reference, the aligned segments of the query's frame matches."""
        points: dict[int, list[tuple[float, float, float, float]]] = {}
        every: dict[int, list[tuple[float, float, float]]] = {}  # all matches, weak ones too
        # Local features are kept every few seconds: a frame they match may lie anywhere
        # between two of them.
        local_slack = self.params.local_every_s / 2
        pdq: dict[int, list[tuple[float, float, float]]] = {}  # (query, reference, bits)
        for time_s, frame in zip(features.times.tolist(), features.frames, strict=True):
            best: dict[int, list[tuple[float, float, float]]] = {}
            for hit in self.image.query_features(frame):
                ref_id = self._frame_ref.get(hit.ref_id)
                if ref_id is None:
                    continue
                ref_time = self._frame_time[hit.ref_id]
                is_global = "pdq_distance" in hit.details
                slack = 0.0 if is_global else local_slack
                best.setdefault(ref_id, []).append((ref_time, hit.score, slack))
                if is_global:
                    bits = float(hit.details["pdq_distance"])
                    pdq.setdefault(ref_id, []).append((float(time_s), ref_time, bits))
            for ref_id, candidates in best.items():
                every.setdefault(ref_id, []).extend(
                    (float(time_s), ref_time, slack) for ref_time, _, slack in candidates
                )
                # In a still or slow shot a frame matches its neighbours too: only the
                # closest matches vote, or the smear would tilt the fitted speed.
                top = max(score for _, score, _ in candidates)
                points.setdefault(ref_id, []).extend(
                    (float(time_s), ref_time, score, slack)
                    for ref_time, score, slack in candidates
                    if score >= top - self.params.near_best
                )
        whole = ~features.inset_flags()
        sampled = features.times.astype(np.float64)[whole]
        cuts = features.cut_flags()[whole]
        step = _step(sampled)
        found: dict[int, list[AlignedSegment]] = {}
        for ref_id, matches in points.items():
            array = np.asarray(matches, dtype=np.float64)
            support = np.asarray(every[ref_id], dtype=np.float64)
            segments = align_matches(
                array[:, 0],
                array[:, 1],
                array[:, 2],
                step_s=step,
                params=self.params.align,
                sampled=sampled,
                cuts=cuts,
                slack=array[:, 3],
                support=(support[:, 0], support[:, 1], support[:, 2]),
            )
            placed = np.asarray(pdq.get(ref_id, []), dtype=np.float64).reshape(-1, 3)
            found[ref_id] = [
                refine_offset(
                    _to_file_ends(s, step, features.duration_s), *placed.T, ref_step_s=step
                )
                for s in segments
            ]
        return {ref_id: segments for ref_id, segments in found.items() if segments}

    # -- persistence ------------------------------------------------------------
    def serialize(self) -> bytes:
        frame_ids = sorted(self._frame_ref)
        refs = sorted(self._durations)
        buffer = io.BytesIO()
        # Compressed: the image index's ids and shapes are wide integers that shrink tenfold.
        np.savez_compressed(
            buffer,
            frames=np.array([[i, self._frame_ref[i]] for i in frame_ids], dtype=np.int64).reshape(
                -1, 2
            ),
            times=np.array([self._frame_time[i] for i in frame_ids], dtype=np.float32),
            durations=np.array([[r, self._durations[r] * 1000] for r in refs], np.int64).reshape(
                -1, 2
            ),
            next_frame=np.array([self._next_frame], dtype=np.int64),
            image=np.frombuffer(self.image.serialize(), dtype=np.uint8),
            audio=np.frombuffer(self.audio.serialize(), dtype=np.uint8),
            peak_refs=np.array(sorted(self._audio_peaks), dtype=np.int64),
            peaks=np.frombuffer(
                b"".join(
                    len(b).to_bytes(8, "little") + b
                    for b in (encode_peaks(self._audio_peaks[r]) for r in sorted(self._audio_peaks))
                ),
                dtype=np.uint8,
            ),
        )
        return buffer.getvalue()

    @classmethod
    def deserialize(cls, data: bytes) -> Self:
        index = cls()
        with np.load(io.BytesIO(data)) as arrays:
            index.image = ImageIndex.deserialize(arrays["image"].tobytes())
            index.audio = AudioIndex.deserialize(arrays["audio"].tobytes())
            for (frame_id, ref_id), time_s in zip(
                arrays["frames"].tolist(), arrays["times"].tolist(), strict=True
            ):
                index._frame_ref[frame_id] = ref_id
                index._frame_time[frame_id] = float(time_s)
                index._frames_of.setdefault(ref_id, []).append(frame_id)
            for ref_id, millis in arrays["durations"].tolist():
                index._durations[ref_id] = millis / 1000
            index._next_frame = int(arrays["next_frame"][0])
            blob, cursor = arrays["peaks"].tobytes(), 0
            for ref_id in arrays["peak_refs"].tolist():
                size = int.from_bytes(blob[cursor : cursor + 8], "little")
                index._audio_peaks[ref_id] = decode_peaks(blob[cursor + 8 : cursor + 8 + size])
                cursor += 8 + size
        return index


def _trim(frame: ImageFeatures, keypoints: int) -> ImageFeatures:
    """Keep the first ``keypoints`` (spread over the picture by the extractor's order)."""
    return dataclasses.replace(
        frame,
        keypoints=frame.keypoints[:keypoints],
        descriptors=frame.descriptors[:keypoints],
        poses=frame.poses[:keypoints],
    )


def _to_file_ends(segment: AlignedSegment, step: float, duration_s: float) -> AlignedSegment:
    """A copy whose first or last sampled frame is within a step of the file's end runs to it."""
    q0, q1 = segment.query
    r0, r1 = segment.reference
    if 0 < q0 <= step and r0 - q0 * segment.speed >= -step:
        r0, q0 = max(0.0, r0 - q0 * segment.speed), 0.0
    if duration_s > q1 >= duration_s - step:
        r1, q1 = r1 + (duration_s - q1) * segment.speed, duration_s
    return dataclasses.replace(
        segment, query=(round(q0, 3), round(q1, 3)), reference=(round(r0, 3), round(r1, 3))
    )


def _step(times: np.ndarray) -> float:
    if len(times) < 2:
        return 1.0
    return float(min(2.0, max(0.1, np.median(np.diff(times)))))


def _audio_fingerprint(features: VideoFeatures) -> Fingerprint:
    return Fingerprint(
        signal="audio", version=1, payload=features.audio, length=features.duration_s, unit="s"
    )

"""References, distractors and queries of the video benchmark (the project's transforms)."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from pathlib import Path

import av

from swordnet.modalities.video import transforms
from swordnet.modalities.video.synth import synthetic_video
from swordnet.modalities.video.transforms import Placement


@dataclass(frozen=True, slots=True)
class Query:
    key: str
    path: Path
    transform: str
    placements: list[Placement]


def duration_of(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.duration:
            return float(stream.duration * stream.time_base)
        return (container.duration or 0) / 1_000_000


def picture_duration(path: Path) -> float:
    """Seconds up to the last video frame: what FFmpeg will cut excerpts from.

    A screen recording may declare a longer duration than its last frame (the picture is
    held); an excerpt asked to run past the last frame comes out shorter than asked.
    """
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        last = max(
            (
                float(p.pts * p.time_base)
                for p in container.demux(stream)
                if p.pts is not None and p.size
            ),
            default=0.0,
        )
        rate = float(stream.average_rate) if stream.average_rate else 0.0
    return min(duration_of(path), last - start + (1.0 / rate if rate else 0.0))


def clipped(placements: list[Placement], query: Path) -> list[Placement]:
    """Truths cut to the seconds the query file really holds (FFmpeg stops at the last frame)."""
    length = duration_of(query)
    kept = []
    for p in placements:
        if p.query_start >= length:
            continue
        end = min(p.query_end, length)
        speed = (p.ref_end - p.ref_start) / max(p.query_end - p.query_start, 1e-9)
        kept.append(replace(p, query_end=end, ref_end=p.ref_start + speed * (end - p.query_start)))
    return kept


def generated_sources(
    workdir: Path, references: int, distractors: int
) -> tuple[list[Path], list[Path]]:
    refs = [
        synthetic_video(workdir / f"ref-{seed:02d}.mp4", seed, 40.0, size=(640, 360))
        for seed in range(1, references + 1)
    ]
    others = [
        synthetic_video(workdir / f"distractor-{seed}.mp4", seed, 60.0, size=(640, 360))
        for seed in range(500, 500 + distractors)
    ]
    return refs, others


def corpus_sources(corpus: Path, limit: int | None) -> tuple[list[Path], list[Path]]:
    """Corpus clips (and slideshows) as references; a few real clips held out as distractors."""
    rows = list(csv.DictReader((corpus / "manifest.csv").open()))
    videos = sorted(
        corpus / row["path"]
        for row in rows
        if row["modality"] == "video"
        and row["path"].startswith("video/")
        and float(row["duration_s"] or 0) >= 4.0
    )
    held_out_names = ("vid-opencv-vtest", "vid-kivy-cityCC0", "vid-renpy-oa4_launch")
    distractors = [p for p in videos if p.stem in held_out_names]
    references = [p for p in videos if p.stem not in held_out_names]
    rng = random.Random(7)
    rng.shuffle(references)
    if limit is not None:
        references = references[:limit]
    return sorted(references), distractors


def make_queries(
    references: list[Path],
    distractors: list[Path],
    backdrops: list[Path],
    workdir: Path,
    *,
    per_transform: int,
    seed: int = 1,
) -> list[Query]:
    rng = random.Random(seed)
    durations = {p: picture_duration(p) for p in [*references, *distractors, *backdrops]}
    queries: list[Query] = []

    def excerpt(path: Path, low: float = 10.0, high: float = 30.0) -> tuple[float, float]:
        length = min(rng.uniform(low, high), durations[path] - 0.5)
        return round(rng.uniform(0, max(0.0, durations[path] - length - 0.2)), 2), round(length, 2)

    chosen = rng.sample(references, min(per_transform, len(references)))
    for number, kind in enumerate(transforms.TRANSFORMS):
        for position in range(per_transform):
            source = chosen[(position + number) % len(chosen)]
            out = workdir / f"q-{kind}-{position}.mp4"
            start, length = excerpt(source)
            if kind in transforms.SIMPLE_TRANSFORMS:
                placements = transforms.simple(kind, source, out, start, length, rng)
            elif kind == "picture_in_picture":
                backdrop = rng.choice(backdrops)
                placements = transforms.picture_in_picture(
                    source, backdrop, out, start, length, rng
                )
            elif kind == "embedded":
                backdrop = rng.choice(backdrops)
                before, after = rng.uniform(5, 40), rng.uniform(5, 20)
                parts = [
                    (backdrop, 0.0, before),
                    (source, start, length),
                    (backdrop, before, after),
                ]
                placements = transforms.concatenate(parts, out)[1:2]
            else:  # compilation of three works
                works = [source, *rng.sample([r for r in references if r != source], 2)]
                parts = []
                for work in works:
                    part_start, part_length = excerpt(work, 8.0, 15.0)
                    parts.append((work, part_start, part_length))
                placements = transforms.concatenate(parts, out)
            queries.append(Query(out.stem, out, kind, clipped(placements, out)))
    for number, distractor in enumerate(distractors):
        out = workdir / f"q-distractor-{number}.mp4"
        start, length = excerpt(distractor, 15.0, 40.0)
        transforms.simple("resize_360p", distractor, out, start, length, rng)
        queries.append(Query(out.stem, out, "distractor", []))
    return queries

"""Video copy detection benchmark: SwordNet's video signal vs a vPDQ-style baseline.

    .venv/bin/python bench/video.py --small                 # generated videos, ~3 minutes
    .venv/bin/python bench/video.py /work/corpus --limit 12 # corpus clips (or SWORDNET_CORPUS)

References are indexed by both systems; queries are excerpts under each pirate transform
(``swordnet.modalities.video.transforms``), embedded in distractor video, compiled three
works at a time, plus distractor clips that match nothing. Prints segment-level muAP (VSC
2022), recall per transform, start/end error, fingerprinting speed and index size.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _video_baseline as vpdq
from _video_data import Query, corpus_sources, duration_of, generated_sources, make_queries
from _video_metrics import Box, localise, segment_micro_ap
from swordnet.modalities.video import VideoSignal, transforms
from swordnet.modalities.video.synth import synthetic_video
from swordnet.plugins.signals import MediaInput


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=os.environ.get("SWORDNET_CORPUS"))
    parser.add_argument("--small", action="store_true", help="generated media only")
    parser.add_argument("--limit", type=int, default=None, help="at most this many references")
    parser.add_argument("--per-transform", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--long-minutes",
        type=float,
        default=0.0,
        help="add a query: a 10 s excerpt inside this many minutes of unrelated video",
    )
    parser.add_argument("--verbose", action="store_true", help="print every query's segments")
    parser.add_argument("--keep", type=Path, default=None, help="keep (and reuse) media here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="swordnet-video-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        cached = workdir / "queries.pickle"
        if cached.exists():
            references, queries, speed_clips = pickle.loads(cached.read_bytes())
            run(references, queries, speed_clips, verbose=args.verbose)
            return
        started = time.perf_counter()
        backdrops = [
            synthetic_video(
                workdir / f"backdrop-{s}.mp4", s, 60.0, size=(640, 360), with_audio=False
            )
            for s in (900, 901)
        ]
        if args.small or not args.corpus:
            references, distractors = generated_sources(workdir, references=4, distractors=2)
            per_transform = args.per_transform or 2
            speed_clip = synthetic_video(workdir / "speed-720p.mp4", 77, 20.0, size=(1280, 720))
            speed_clips = [speed_clip]
        else:
            references, distractors = corpus_sources(Path(args.corpus), args.limit)
            per_transform = args.per_transform or min(6, len(references))
            speed_clips = [p for p in references if "slideshow" in p.stem][:3] or references[:2]
        queries = make_queries(
            references, distractors, backdrops, workdir, per_transform=per_transform, seed=args.seed
        )
        if args.long_minutes > 0:
            queries.append(long_query(references[0], workdir, args.long_minutes))
        print(
            f"{len(references)} references ({sum(map(duration_of, references)) / 60:.1f} min), "
            f"{len(distractors)} distractors, {len(queries)} queries, "
            f"made in {time.perf_counter() - started:.0f} s"
        )
        cached.write_bytes(pickle.dumps((references, queries, speed_clips)))
        run(references, queries, speed_clips, verbose=args.verbose)


def long_query(reference: Path, workdir: Path, minutes: float) -> Query:
    """10 s of ``reference`` two thirds of the way into ``minutes`` of unrelated video."""
    seconds = minutes * 60
    filler = synthetic_video(workdir / "long-filler.mp4", 960, seconds, fps=5)
    at = round(seconds * 2 / 3, 2)
    out = workdir / "q-embedded_long-0.mp4"
    parts = [(filler, 0.0, at), (reference, 2.0, 10.0), (filler, at, seconds - at)]
    placements = transforms.concatenate(parts, out)[1:2]
    return Query(out.stem, out, "embedded_long", placements)


def run(
    references: list[Path], queries: list[Query], speed_clips: list[Path], *, verbose: bool = False
) -> None:
    signal = VideoSignal()
    index = signal.new_index()
    base_refs: dict[str, vpdq.FrameHashes] = {}
    for number, path in enumerate(references):
        index.add(number, signal.fingerprint(MediaInput.from_path(path), role="reference"))
        base_refs[path.stem] = vpdq.hash_video(path)
    names = {number: path.stem for number, path in enumerate(references)}
    hours = sum(duration_of(p) for p in references) / 3600
    truths = [
        Box(
            q.key,
            p.source.stem,
            (p.query_start, p.query_end),
            (p.ref_start, p.ref_end),
            1.0,
            q.transform,
        )
        for q in queries
        for p in q.placements
    ]
    ours: list[Box] = []
    base: list[Box] = []
    query_seconds = {"ours": 0.0, "vpdq": 0.0}
    for query in queries:
        clock = time.process_time()
        hits = index.query(signal.fingerprint(MediaInput.from_path(query.path)))
        query_seconds["ours"] += time.process_time() - clock
        if verbose:
            print(
                query.key,
                [
                    (p.source.stem, p.query_start, p.query_end, p.ref_start)
                    for p in query.placements
                ],
            )
            for hit in hits:
                print(
                    "   ",
                    names[hit.ref_id],
                    [(s.query, s.reference) for s in hit.segments],
                    hit.details,
                )
        for hit in hits:
            scores = hit.details.get("segment_scores", [hit.score] * len(hit.segments))
            for segment, score in zip(hit.segments, scores, strict=True):
                ours.append(
                    Box(query.key, names[hit.ref_id], segment.query, segment.reference, score)
                )
        clock = time.process_time()
        hashes = vpdq.hash_video(query.path)
        for ref, ref_hashes in base_refs.items():
            found = vpdq.match(hashes, ref_hashes)
            if found is not None:
                base.append(Box(query.key, ref, found[1], found[2], found[0]))
        query_seconds["vpdq"] += time.process_time() - clock
    speed = measure_speed(signal, speed_clips)
    report(
        queries,
        truths,
        {"ours": ours, "vpdq": base},
        speed,
        query_seconds,
        {
            "ours": len(index.serialize()) / hours,
            "vpdq": sum(h.nbytes_packed for h in base_refs.values()) / hours,
        },
    )


def measure_speed(signal: VideoSignal, clips: list[Path]) -> dict[str, float]:
    seconds = sum(duration_of(p) for p in clips)
    clock = time.process_time()
    for clip in clips:
        signal.fingerprint(MediaInput.from_path(clip))
    ours = time.process_time() - clock
    clock = time.process_time()
    for clip in clips:
        vpdq.hash_video(clip)
    base = time.process_time() - clock
    return {"ours": seconds / ours, "vpdq": seconds / base}


def report(
    queries: list[Query],
    truths: list[Box],
    predictions: dict[str, list[Box]],
    speed: dict[str, float],
    query_seconds: dict[str, float],
    bytes_per_hour: dict[str, float],
) -> None:
    distractors = {q.key for q in queries if q.transform == "distractor"}
    results = {}
    for system, boxes in predictions.items():
        located = localise(boxes, truths)
        results[system] = (
            segment_micro_ap(boxes, truths),
            located,
            len({b.query_id for b in boxes if b.query_id in distractors}),
        )
    print(f"\n{'':28}{'ours':>10}{'vPDQ-style':>12}{'ratio':>9}")

    def row(label: str, ours: float, base: float, fmt: str = "{:.3f}") -> None:
        ratio = f"{ours / base:.2f}x" if base else "-"
        print(f"{label:28}{fmt.format(ours):>10}{fmt.format(base):>12}{ratio:>9}")

    row("segment muAP (VSC22)", results["ours"][0], results["vpdq"][0])
    for transform in [q.transform for q in queries if q.transform != "distractor"]:
        if f"recall {transform}" in _printed:
            continue
        _printed.add(f"recall {transform}")
        found = [results[s][1].found.get(transform, []) for s in ("ours", "vpdq")]
        row(
            f"recall {transform} (n={len(found[0])})",
            float(np.mean(found[0])),
            float(np.mean(found[1])),
        )
    for system in ("ours", "vpdq"):
        errors = np.asarray(results[system][1].errors)
        ref_errors = np.asarray(results[system][1].ref_errors)
        if len(errors):
            print(
                f"{system:>5}: start/end within 2 s: query {np.mean(errors <= 2.0):.1%}, "
                f"reference {np.mean(ref_errors <= 2.0):.1%}; "
                f"median error {np.median(errors):.2f} s"
            )
    row("distractor queries matched", results["ours"][2], results["vpdq"][2], "{:.0f}")
    print(f"  (of {len(distractors)} distractor queries)")
    row("fingerprint x realtime/core", speed["ours"], speed["vpdq"], "{:.1f}")
    row("index MB per hour", bytes_per_hour["ours"] / 1e6, bytes_per_hour["vpdq"] / 1e6, "{:.2f}")
    row("query CPU s (all queries)", query_seconds["ours"], query_seconds["vpdq"], "{:.1f}")


_printed: set[str] = set()

if __name__ == "__main__":
    main()

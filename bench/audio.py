"""Audio fingerprinting benchmark: SwordNet's landmarks vs Chromaprint and audfprint2.

    .venv/bin/python bench/audio.py --small            # generated music, about 2 minutes
    .venv/bin/python bench/audio.py /work/corpus       # corpus music (or SWORDNET_CORPUS)

References are most corpus tracks; the others are negatives. The same base excerpts (5 s and
10 s, random offsets) go through every pirate condition and every system. Prints top-1
accuracy per condition, false positives on negatives, latency, ingest speed and index size.
On the corpus the index is padded to 10 h with time-reversed references (``--pad-hours``);
``--calibration`` draws the negatives from the references instead, to set thresholds on
tracks the benchmark never reports as negatives (docs/audio.md).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import contextlib
import csv
import random
import resource
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _audio_adjudicate import Adjudicator
from _audio_baselines import (
    BENCH_RATE,
    AudfprintBaseline,
    ChromaprintBaseline,
    Pcm,
    shared_audio_pairs,
)
from _audio_conditions import CONDITIONS, TARGETS, Condition
from _audio_report import Results, print_report
from _audio_triplets import TripletIndex
from swordnet.domain.matching import IndexHit
from swordnet.modalities.audio import AudioIndex, AudioMatchParams, AudioSignal, decode_audio
from swordnet.modalities.audio.decision import evidence
from swordnet.modalities.audio.payload import decode_peaks, decode_query_payload
from swordnet.modalities.audio.synth import synthetic_music
from swordnet.plugins.signals import Fingerprint, MediaInput


@dataclass
class Track:
    key: str
    seconds: float
    path: Path | None = None
    seed: int | None = None
    package: str = ""
    related: set[str] = field(default_factory=set)

    def pcm(self) -> Pcm:
        if self.path is not None:
            return decode_audio(self.path, name=self.key, rate=BENCH_RATE)
        assert self.seed is not None
        return synthetic_music(self.seed, self.seconds, rate=BENCH_RATE)


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def corpus_tracks(corpus: Path) -> list[Track]:
    with (corpus / "manifest.csv").open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["modality"] == "audio"]
    tracks = {
        r["id"]: Track(
            r["id"], float(r["duration_s"]), corpus / r["path"], package=r["source_package"]
        )
        for r in rows
    }
    for row in rows:
        if row["related_to"] and row["related_to"] in tracks:
            tracks[row["id"]].related.add(row["related_to"])
            tracks[row["related_to"]].related.add(row["id"])
    return sorted(tracks.values(), key=lambda t: t.key)


def split(
    tracks: list[Track], negatives: int, rng: random.Random
) -> tuple[list[Track], list[Track]]:
    """Negatives are drawn from tracks with no remaster relation, so none is a copy."""
    free = [t for t in tracks if not t.related]
    rng.shuffle(free)
    negative = free[:negatives]
    chosen = {t.key for t in negative}
    return [t for t in tracks if t.key not in chosen], negative


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=os.environ.get("SWORDNET_CORPUS"))
    parser.add_argument("--small", action="store_true", help="generated music, quick")
    parser.add_argument("--limit-refs", type=int, default=0, help="at most this many references")
    parser.add_argument("--negative-tracks", type=int, default=30)
    parser.add_argument("--queries", type=int, default=0, help="positive base excerpts per length")
    parser.add_argument("--negatives", type=int, default=0, help="negative excerpts per length")
    parser.add_argument("--durations", default="5,10")
    parser.add_argument("--conditions", default="", help="comma-separated subset")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument(
        "--triplets",
        action="store_true",
        help="also run the scale-invariant triplet matcher (bench/_audio_triplets)",
    )
    parser.add_argument("--ingest-files", type=int, default=6, help="files timed end to end")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--pad-hours",
        type=float,
        default=None,
        help="add time-reversed references until the index holds this many hours"
        " (default 10 on the corpus, 0 with --small)",
    )
    parser.add_argument(
        "--calibration",
        action="store_true",
        help="held-out calibration run: negatives drawn from the benchmark's references"
        " (never its negative tracks), other excerpts; prints ours' evidence on negatives",
    )
    parser.add_argument(
        "--dump",
        type=Path,
        default=None,
        help="write every verified candidate of ours (all witnesses, undecided) to this CSV",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one of ours' AudioMatchParams (repeatable), e.g. candidates=24",
    )
    parser.add_argument(
        "--query-peaks", type=float, default=None, help="ours' query peaks per second"
    )
    args = parser.parse_args(argv)
    if not args.small and not args.corpus:
        parser.error("give the corpus path or set SWORDNET_CORPUS (or use --small)")
    return args


def choose_tracks(args: argparse.Namespace, rng: random.Random) -> tuple[list[Track], list[Track]]:
    if args.small:
        tracks = [Track(f"synth-{i:02d}", 60.0, seed=1000 + i) for i in range(24)]
        return tracks[:16], tracks[16:]
    references, negatives = split(corpus_tracks(Path(args.corpus)), args.negative_tracks, rng)
    if args.calibration:
        # Swap roles: calibration negatives are benchmark references, so no negative track
        # of the benchmark ever informs a threshold.
        rest, calibration = split(references, args.negative_tracks, random.Random(_CALIBRATION[0]))
        references = sorted([*rest, *negatives], key=lambda t: t.key)
        negatives = calibration
        rng.seed(_CALIBRATION[1])  # and other excerpts
    if args.limit_refs:
        rng.shuffle(references)
        references = sorted(references[: args.limit_refs], key=lambda t: t.key)
    return references, negatives


_CALIBRATION = (99, 1234)  # seeds of the calibration split and excerpts, fixed

Plan = list[tuple[str, Track, float, float]]  # (pos|neg, track, offset s, duration s)


def plan_excerpts(
    args: argparse.Namespace,
    references: list[Track],
    negatives: list[Track],
    durations: list[float],
    longest: float,
    rng: random.Random,
) -> Plan:
    n_queries = args.queries or (6 if args.small else 20)
    n_negatives = args.negatives or (3 if args.small else 12)
    plan: Plan = []
    for duration in durations:
        for kind, pool, count in (("pos", references, n_queries), ("neg", negatives, n_negatives)):
            for _ in range(count):
                track = rng.choice([t for t in pool if t.seconds > duration * longest + 2])
                offset = rng.uniform(0.0, track.seconds - duration * longest - 1)
                plan.append((kind, track, offset, duration))
    return plan


@dataclass
class Systems:
    signal: AudioSignal
    index: AudioIndex
    baselines: list[ChromaprintBaseline | AudfprintBaseline]
    triplets: TripletIndex | None

    def names(self) -> list[str]:
        extra = [self.triplets.name] if self.triplets else []
        return ["ours", *extra, *(b.name for b in self.baselines)]


def ingest(
    systems: Systems,
    references: list[Track],
    negatives: list[Track],
    plan: Plan,
    longest: float,
    results: Results,
    pad_hours: float,
) -> tuple[dict[int, Pcm], dict[int, str]]:
    """Index every reference and cut the planned excerpts while each track is in memory.

    Until the index holds ``pad_hours``, each reference is also indexed time-reversed: music
    with the same spectra and peak statistics that no query can rightly match, so the
    latency is measured at the target size and the padding can only add false positives.
    Returns the excerpts and the keys of the padding references.
    """
    ref_ids = {t.key: i for i, t in enumerate(references)}
    padding: dict[int, str] = {}
    by_track: dict[str, list[int]] = defaultdict(list)
    for number, (_, track, _, _) in enumerate(plan):
        by_track[track.key].append(number)
    excerpts: dict[int, Pcm] = {}
    chroma = next((b for b in systems.baselines if isinstance(b, ChromaprintBaseline)), None)
    # Shared audio is judged by Chromaprint even when it is not run as a baseline.
    relate = chroma or (ChromaprintBaseline() if shutil.which("fpcalc") else None)
    witness: dict[str, NDArray[np.uint32]] = {}
    for track in [*references, *negatives]:
        pcm = track.pcm()
        own_refs = track.key in ref_ids and relate is chroma
        if relate is not None and not own_refs and track.path is not None:
            witness[track.key] = relate.fingerprint(pcm)
        for number in by_track.get(track.key, []):
            _, _, offset, duration = plan[number]
            start = int(offset * BENCH_RATE)
            excerpts[number] = pcm[start : start + int(duration * longest * BENCH_RATE)].copy()
        if track.key not in ref_ids:
            continue
        add_reference(systems, ref_ids[track.key], pcm, results)
        if results.reference_seconds < pad_hours * 3600:
            padding[len(references) + len(padding)] = f"reversed:{track.key}"
            add_reference(systems, len(references) + len(padding) - 1, pcm[::-1].copy(), results)
    if relate is not None and witness:
        mark_shared_audio(relate, witness, references, negatives, ref_ids)
    return excerpts, padding


def add_reference(systems: Systems, ref_id: int, pcm: Pcm, results: Results) -> None:
    results.reference_seconds += pcm.size / BENCH_RATE
    started = cpu_seconds()
    fingerprint = systems.signal.fingerprint_pcm(pcm, BENCH_RATE, role="reference")
    systems.index.add(ref_id, fingerprint)
    results.add_cpu["ours"] += cpu_seconds() - started
    if systems.triplets is not None:
        systems.triplets.add(ref_id, decode_peaks(fingerprint.payload))
    for baseline in systems.baselines:
        started = cpu_seconds()
        baseline.add(ref_id, pcm)
        results.add_cpu[baseline.name] += cpu_seconds() - started


def mark_shared_audio(
    chroma: ChromaprintBaseline,
    witness: dict[str, NDArray[np.uint32]],
    references: list[Track],
    negatives: list[Track],
    ref_ids: dict[str, int],
) -> None:
    """Relate tracks that share audio by Chromaprint, beyond the manifest's remasters."""
    for track in references:
        if track.key not in witness:
            witness[track.key] = chroma.refs[ref_ids[track.key]]
    tracks = {t.key: t for t in [*references, *negatives]}
    pairs = shared_audio_pairs(witness, {key: t.package for key, t in tracks.items()})
    for pair in sorted(sorted(p) for p in pairs):
        first, second = pair
        if second not in tracks[first].related:
            print(f"# shared audio (Chromaprint >= 0.8 on 10 s): {first} ~ {second}")
        tracks[first].related.add(second)
        tracks[second].related.add(first)


def run_queries(
    systems: Systems,
    plan: Plan,
    excerpts: dict[int, Pcm],
    keys: dict[int, str],
    conditions: list[Condition],
    results: Results,
    seed: int,
    dump: csv.DictWriter[str] | None = None,
) -> None:
    for condition in conditions:
        for number, (kind, track, _, duration) in enumerate(plan):
            cut = excerpts[number][: int(duration * condition.time_factor * BENCH_RATE)]
            query_rng = np.random.default_rng([seed, number, sum(map(ord, condition.name))])
            query = condition.degrade(cut, BENCH_RATE, query_rng)
            # A negative sharing audio with a reference may match it: neither right nor wrong.
            truth = {track.key} | track.related if kind == "pos" else set(track.related)
            started, wall = cpu_seconds(), time.perf_counter()
            fingerprint = systems.signal.fingerprint_pcm(query, BENCH_RATE)
            hits = systems.index.query(fingerprint)
            elapsed = time.perf_counter() - wall
            results.record_latency(duration, cpu_seconds() - started, elapsed, condition.name)
            top = keys[hits[0].ref_id] if hits else None
            score = hits[0].score if hits else 0.0
            if results.calibrating and hits:
                score = float(hits[0].details["evidence"])
                if kind == "neg":
                    record_calibration_negatives(results, hits, keys, truth, (number, condition))
            results.record("ours", condition, duration, kind, top, truth, score, number)
            if top is not None and top not in truth and not results.calibrating:
                print(
                    f"# ours wrong: {kind} {condition.name} {duration:.0f} s {track.key} -> {top}"
                    f" (evidence {hits[0].details['evidence']}, z {hits[0].details['z']},"
                    f" lift {hits[0].details['envelope_lift']}/{hits[0].details['weighted_lift']})",
                    flush=True,
                )
            if dump is not None:
                dump_candidates(
                    dump, systems, fingerprint, keys, (number, condition, kind, track.key, truth)
                )
            if systems.triplets is not None:
                ref_id, z = systems.triplets.best(decode_peaks(fingerprint.payload))
                top = keys[ref_id] if ref_id is not None else None
                results.record(
                    systems.triplets.name, condition, duration, kind, top, truth, z, number
                )
            for baseline in systems.baselines:
                ref_id, score = baseline.best(query)
                top = keys.get(ref_id) if ref_id is not None else None
                results.record(baseline.name, condition, duration, kind, top, truth, score, number)
        print(f"# {condition.name} done {time.strftime('%H:%M:%S')}", flush=True)


DUMP_FIELDS = [
    "query", "condition", "duration", "kind", "track", "reference", "correct",
    "z", "z_halves", "z_near", "matched", "null_mean", "near_null", "query_peaks", "share",
    "envelope_lift", "weighted_lift", "reverse_z", "phase_coherence", "phase_null", "votes",
    "time_scale", "pitch_shift",
    "evidence", "env_std", "map_mean", "map_top", "peak_prom",
]  # fmt: skip


def query_texture(fingerprint: Fingerprint) -> dict[str, float]:
    """How music-like the query's spectrum is: noise flattens envelopes and peaks."""
    peaks, envelopes, peak_map = decode_query_payload(fingerprint.payload)
    texture = {"env_std": 0.0, "map_mean": 0.0, "map_top": 0.0, "peak_prom": 0.0}
    if envelopes.shape[0] > 2:
        texture["env_std"] = float(envelopes.astype(np.float64).std(axis=0).mean() / 2)
    if peak_map is not None and peak_map.size:
        values = peak_map.astype(np.float64) / 4
        texture["map_mean"] = float(values.mean())
        texture["map_top"] = float(np.percentile(values, 99))
        rows = np.clip(peaks.frames, 0, peak_map.shape[0] - 1)
        cols = np.clip(np.rint(peaks.pitches * 4).astype(int), 0, peak_map.shape[1] - 1)
        texture["peak_prom"] = float(values[rows, cols].mean()) if len(peaks) else 0.0
    return {k: round(v, 3) for k, v in texture.items()}


def dump_candidates(
    dump: csv.DictWriter[str],
    systems: Systems,
    fingerprint: Fingerprint,
    keys: dict[int, str],
    query: tuple[int, Condition, str, str, set[str]],
) -> None:
    """Every verified candidate with what each witness said, to set the decision on."""
    number, condition, kind, track, truth = query
    texture = query_texture(fingerprint)
    for ref_id, assessment in systems.index.assess(fingerprint):
        verdict, candidate = assessment.verdict, assessment.candidate
        dump.writerow(
            {
                "query": number,
                "condition": condition.name,
                "duration": fingerprint.length,
                "kind": kind,
                "track": track,
                "reference": keys[ref_id],
                "correct": int(keys[ref_id] in truth),
                "z": round(verdict.z, 3),
                "z_halves": round(verdict.z_halves, 3),
                "z_near": round(verdict.z_near, 3),
                "matched": verdict.matched,
                "null_mean": verdict.null_mean,
                "near_null": round(verdict.near_null, 3),
                "query_peaks": assessment.query_peaks,
                "share": round(assessment.share, 4),
                "envelope_lift": round(verdict.envelope_lift, 4),
                "weighted_lift": round(verdict.weighted_lift, 4),
                "reverse_z": round(verdict.reverse_z, 3),
                "phase_coherence": round(verdict.phase_coherence, 3),
                "phase_null": round(verdict.phase_null, 3),
                "votes": candidate.votes,
                "time_scale": round(candidate.time_scale, 4),
                "pitch_shift": round(candidate.pitch_shift, 4),
                "evidence": round(evidence(assessment, systems.index.params), 4),
                **texture,
            }
        )


def record_calibration_negatives(
    results: Results,
    hits: list[IndexHit],
    keys: dict[int, str],
    truth: set[str],
    query: tuple[int, Condition],
) -> None:
    """Every hit of a calibration negative, by pass: each pass's bar is set on its own."""
    number, condition = query
    for hit in hits:
        key = keys[hit.ref_id]
        if key in truth:
            continue
        plain = hit.details["time_scale"] == 1.0 and hit.details["pitch_shift_semitones"] == 0.0
        results.calibration_negatives.append(
            (
                float(hit.details["evidence"]),
                "plain" if plain else "grid",
                condition.name,
                key,
                number,
            )
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    references, negatives = choose_tracks(args, rng)
    durations = [float(d) for d in args.durations.split(",")]
    wanted = set(args.conditions.split(",")) if args.conditions else None
    conditions = [c for c in CONDITIONS if wanted is None or c.name in wanted]
    longest = max(c.time_factor for c in conditions) * 1.02
    plan = plan_excerpts(args, references, negatives, durations, longest, rng)

    # Calibration lowers the bar so that the evidence of weak hits on negatives is seen
    # (the peak-share path keeps its scale: a share of min_share gives min_evidence).
    built_in = AudioMatchParams()
    lowered = AudioMatchParams(
        min_evidence=1.0,
        min_evidence_plain=1.0,
        min_share=built_in.min_share / built_in.min_evidence,
    )
    chosen = lowered if args.calibration else built_in
    overrides = {}
    for item in args.param:
        name, _, value = item.partition("=")
        overrides[name] = type(getattr(built_in, name))(value)
    signal = AudioSignal(replace(chosen, **overrides))
    if args.query_peaks:
        signal.query_peaks_per_second = args.query_peaks
    baselines: list[ChromaprintBaseline | AudfprintBaseline] = []
    if not args.no_baselines:
        baselines = [ChromaprintBaseline(), AudfprintBaseline()]
    triplets = TripletIndex() if args.triplets else None
    systems = Systems(signal, signal.new_index(), baselines, triplets)
    results = Results(systems=systems.names(), calibrating=args.calibration)
    print(
        f"# {len(references)} references ({sum(t.seconds for t in references) / 3600:.2f} h),"
        f" {len(negatives)} negative tracks, {len(plan)} base excerpts x {len(conditions)}"
        " conditions",
        flush=True,
    )
    pad_hours = args.pad_hours if args.pad_hours is not None else (0.0 if args.small else 10.0)
    excerpts, padding = ingest(systems, references, negatives, plan, longest, results, pad_hours)
    if padding:
        print(
            f"# padded with {len(padding)} time-reversed references to"
            f" {results.reference_seconds / 3600:.2f} h",
            flush=True,
        )
    measure_ingest(results, signal, references[: args.ingest_files])
    started = cpu_seconds()
    results.memory_bytes = systems.index.memory_bytes()  # builds the hash table
    results.index_build_cpu = cpu_seconds() - started
    results.index_bytes["ours"] = len(systems.index.serialize())
    for baseline in baselines:
        results.index_bytes[baseline.name] = baseline.index_bytes()
    print(f"# references indexed at {time.strftime('%H:%M:%S')}; querying", flush=True)
    keys = dict(enumerate(t.key for t in references)) | padding
    with contextlib.ExitStack() as stack:
        writer = None
        if args.dump is not None:
            writer = csv.DictWriter(
                stack.enter_context(args.dump.open("w", newline="")), DUMP_FIELDS
            )
            writer.writeheader()
        run_queries(systems, plan, excerpts, keys, conditions, results, args.seed, writer)
    if triplets is not None:
        results.index_bytes[triplets.name] = triplets.index_bytes()
    adjudicate(results, plan, excerpts, [*references, *negatives])
    print_report(results, conditions, durations, TARGETS)
    return 0


def adjudicate(results: Results, plan: Plan, excerpts: dict[int, Pcm], tracks: list[Track]) -> None:
    """Answers that would count as errors are checked for shared recordings, for all alike."""
    by_key = {t.key: t for t in tracks}

    def load(key: str) -> Pcm | None:
        # The padding's time-reversed references are audio too: a track built on reversed
        # samples of its own can carry them.
        forward = key.removeprefix("reversed:")
        if forward not in by_key:
            return None
        pcm = by_key[forward].pcm()
        return pcm[::-1].copy() if key != forward else pcm

    witness = Adjudicator(load, BENCH_RATE)

    def coherence(number: int, key: str) -> float:
        _, _, _, duration = plan[number]
        return witness.coherence(number, excerpts[number][: int(duration * BENCH_RATE)], key)

    results.adjudicate(coherence, 1.0)
    for (number, key), found in sorted(results.shared.items()):
        kind, track, offset, duration = plan[number]
        print(
            f"# shared recording (waveform witness {found:.2f} x its bar): {kind} {track.key}"
            f" at {offset:.1f} s ({duration:.0f} s) carries {key}"
        )


def measure_ingest(results: Results, signal: AudioSignal, tracks: list[Track]) -> None:
    """End-to-end ingest (decode + fingerprint) of real files, as a scan would run it."""
    for track in tracks:
        if track.path is None:
            continue
        started = cpu_seconds()
        signal.fingerprint(MediaInput.from_path(track.path), role="reference")
        results.file_ingest_cpu += cpu_seconds() - started
        results.file_ingest_seconds += track.seconds


if __name__ == "__main__":
    raise SystemExit(main())

"""Image copy detection benchmark: SwordNet's image signal against PDQ alone and pHash.

    .venv/bin/python bench/image.py --small                  # generated pictures, ~1-2 min
    .venv/bin/python bench/image.py --corpus /work/corpus    # corpus photos, ~15 min
    .venv/bin/python bench/image.py --corpus ... --references 60 --transforms crop_50,pip_30

Each reference and each distractor is turned into one query per pirate transform
(``swordnet.modalities.image.transforms``), served as JPEG q85. Printed per transform:
recall at the operating threshold (precision over all predictions >= 0.99 and no
distractor copy matched), then the micro-average precision (muAP, as in DISC21), false
matches, speed, and the scale check.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _image_data import (
    Query,
    Source,
    corpus_sources,
    encode_jpeg,
    generated_sources,
    make_queries,
)
from _image_methods import Method, PdqAlone, PerceptualHash, SwordNetImage
from _image_metrics import Prediction, QueryTruth, Report, evaluate
from _image_scale import run_scale_check
from swordnet.modalities.image import ImageIndexParams, ImageSignal
from swordnet.modalities.image.transforms import pirate_transforms


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    if args.small:
        sources = generated_sources(args.references or 16, args.seed)
    else:
        corpus = args.corpus or os.environ.get("SWORDNET_CORPUS")
        if not corpus:
            sys.exit("give --corpus PATH or set SWORDNET_CORPUS (or run with --small)")
        sources = corpus_sources(Path(corpus), args.references, args.seed)
    references = [s for s in sources if s.is_reference]
    distractors = [s for s in sources if not s.is_reference]
    backdrops = [s.image for s in distractors[: max(1, len(distractors) // 4)]]
    transforms = pirate_transforms(backdrops)
    if args.transforms:
        wanted = args.transforms.split(",")
        transforms = {name: transforms[name] for name in wanted}
    print(
        f"image benchmark: {len(references)} references, {len(distractors)} distractors "
        f"(never indexed), {len(transforms)} transforms, "
        f"{len(sources) * len(transforms)} queries; local tier: {args.run_local}"
    )
    signal = ImageSignal(index=ImageIndexParams(run_local=args.run_local))
    methods: list[Method] = [SwordNetImage(signal), PdqAlone(), PerceptualHash()]
    reference_bytes = [(s.name, encode_jpeg(s.image, 90)) for s in references]
    for method in methods:
        method.index(reference_bytes)
    truths: list[QueryTruth] = []
    predictions: dict[str, list[Prediction]] = {m.name: [] for m in methods}
    for number, query in enumerate(make_queries(sources, transforms, args.seed)):
        truths.append(_truth(query))
        for method in methods:
            for reference, score in method.predict(query.data):
                predictions[method.name].append(Prediction(number, reference, score))
        if args.progress and number % 200 == 0:
            print(f"  {number} queries, {time.perf_counter() - started:.0f} s", flush=True)
    reports = {m.name: evaluate(predictions[m.name], truths) for m in methods}
    _print_recall_table(reports, list(transforms))
    _print_summary(methods, reports)
    ours = methods[0]
    assert isinstance(ours, SwordNetImage)
    print(f"\nour top hits by tier: {ours.tiers}; undecodable queries: {ours.errors}")
    print(f"\n1024-pixel inputs, one process (load average {os.getloadavg()[0]:.1f}):")
    _print_throughput(ours, references[: args.speed_images], "copies of references")
    _print_throughput(ours, distractors[: args.speed_images], "unrelated pictures")
    if not args.skip_scale:
        _print_scale(args.scale_entries)
    print(f"\ntotal benchmark time {time.perf_counter() - started:.0f} s")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="corpus root holding manifest.csv (or SWORDNET_CORPUS)")
    parser.add_argument("--small", action="store_true", help="generated pictures, quick run")
    parser.add_argument("--references", type=int, help="limit the references (same distractors)")
    parser.add_argument("--transforms", help="comma-separated transform names to run")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--speed-images", type=int, default=60)
    parser.add_argument("--scale-entries", type=int, default=1_000_000)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--progress", action="store_true")
    parser.add_argument(
        "--run-local",
        choices=["on_global_miss", "always"],
        default="on_global_miss",
        help="when the local tier runs (the cascade)",
    )
    return parser.parse_args()


def _truth(query: Query) -> QueryTruth:
    source: Source = query.source
    return QueryTruth(query.transform, source.name if source.is_reference else None)


def _print_recall_table(reports: dict[str, Report], transforms: list[str]) -> None:
    names = list(reports)
    ours = reports[names[0]]
    print(
        "\nrecall at the operating threshold: precision >= 0.99 over all predictions "
        "and no distractor copy matched"
    )
    header = f"{'transform':26}" + "".join(f"{name:>24}" for name in names) + f"{'ours/pdq':>10}"
    print(header)
    for transform in transforms:
        row = f"{transform:26}"
        for name in names:
            row += f"{reports[name].recall_by_transform.get(transform, 0.0):24.3f}"
        pdq = reports[names[1]].recall_by_transform.get(transform, 0.0)
        mine = ours.recall_by_transform.get(transform, 0.0)
        row += f"{_ratio(mine, pdq):>10}"
        print(row)


def _print_summary(methods: list[Method], reports: dict[str, Report]) -> None:
    ours = reports[methods[0].name]
    print(
        f"\n{'method':26}{'muAP':>8}{'ratio':>8}{'mean rec':>10}{'thresh':>8}"
        f"{'prec':>7}{'false':>7}{'distr.':>7}{'img/s':>7}{'ms/img':>8}{'search ms':>10}"
    )
    for method in methods:
        report = reports[method.name]
        total = [a + b for a, b in zip(method.fingerprint_s, method.search_s, strict=True)]
        threshold = "-" if report.threshold is None else f"{report.threshold:.3f}"
        print(
            f"{method.name:26}{report.muap:8.3f}{_ratio(report.muap, ours.muap):>8}"
            f"{report.overall_recall:10.3f}{threshold:>8}{report.precision:7.3f}"
            f"{report.false_matches:7d}{report.distractor_false_matches:7d}"
            f"{1 / statistics.mean(total):7.1f}{1000 * statistics.mean(total):8.1f}"
            f"{1000 * statistics.median(method.search_s):10.2f}"
        )
    print(
        "(ratio = method muAP / ours; false = wrong predictions at the threshold; "
        "distr. = of which on distractor copies; img/s, ms/img: decode + hash + search per "
        "query in CPU time, one core; search ms: median index query)"
    )


def _print_throughput(ours: SwordNetImage, sources: list[Source], label: str) -> None:
    """Decode + both tiers + search, one process, on 1024-pixel JPEGs.

    CPU time is reported beside wall time: the machine may be shared, and "per core"
    means per second of one core's work.
    """
    ours.fingerprint_s.clear()
    ours.search_s.clear()
    payloads = [encode_jpeg(source.image, 90) for source in sources]
    wall, cpu = time.perf_counter(), time.process_time()
    for data in payloads:
        ours.predict(data)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    search_ms = sorted(1000 * s for s in ours.search_s)
    p95 = search_ms[int(0.95 * (len(search_ms) - 1))]
    print(
        f"throughput, {label}: {len(payloads) / cpu:.1f} images per CPU-second "
        f"({len(payloads) / wall:.1f}/s wall); decode+features "
        f"{1000 * statistics.mean(ours.fingerprint_s):.1f} ms, index query median "
        f"{statistics.median(search_ms):.2f} ms, p95 {p95:.2f} ms"
    )


def _print_scale(entries: int) -> None:
    print(f"\nglobal tier scale check: {entries} generated PDQ hashes, 8 dihedral queries each")
    for result in run_scale_check(entries):
        print(
            f"  {result.layout:16} build {result.build_s:6.1f} s  query median "
            f"{result.median_ms:6.2f} ms  p95 {result.p95_ms:6.2f} ms  "
            f"{result.bytes_per_entry:5.1f} bytes/entry  near-duplicate recall "
            f"{result.recall_at_31:.3f}"
        )


def _ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}x" if baseline > 0 else ("inf" if value > 0 else "-")


if __name__ == "__main__":
    main()

"""Text copy detection benchmark: SwordNet's text signal against whole-document MinHash LSH.

    python bench/text.py --small                   # generated text, about a minute
    python bench/text.py --corpus /work/corpus     # the real corpus (or SWORDNET_CORPUS)

References are chapters and articles; queries are pirated variants made with
``swordnet.modalities.text.transforms``; distractors are books never indexed. Both methods
run in the same invocation, each in its own forked process (so peak memory is its own),
on the same normalisation and page extraction, and are scored the same way. Prints per
transform: recall, precision, span IoU; then throughput and peak memory, as ratios.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH

from swordnet.modalities.text import TextSignal
from swordnet.modalities.text.normalize import normalise
from swordnet.modalities.text.pages import main_text
from swordnet.modalities.text.winnow import token_grams
from swordnet.plugins.signals import MediaInput

sys.path.insert(0, str(Path(__file__).resolve().parent))
from text_workload import (
    TRANSFORMS,
    Document,
    Query,
    build_queries,
    generate_small,
    load_corpus,
)

# (reference id, score, [(q0, q1, r0, r1)] with None when a method cannot localise)
Found = list[tuple[int, float, list[tuple[int | None, int | None, int, int]]]]


@dataclass(slots=True)
class RunResult:
    name: str
    ingest_seconds: float  # CPU seconds of the process: the machine is shared
    query_seconds: float
    wall_seconds: float
    peak_growth_mb: float
    found: list[Found]


def run_ours(references: list[Document], queries: list[Query]) -> tuple[float, float, list[Found]]:
    signal = TextSignal()
    index = signal.new_index()
    started = time.process_time()
    index.add_many((doc.ref_id, signal.fingerprint_text(doc.text)) for doc in references)
    index.ref_ids()
    index.query_normalised(normalise("warm up the index layout"))
    ingest = time.process_time() - started
    found: list[Found] = []
    started = time.process_time()
    for query in queries:
        media = MediaInput(
            name=f"q{query.query_id}",
            data=query.content.encode(),
            media_type="text/html" if query.is_html else "text/plain",
        )
        hits = index.query(signal.fingerprint(media))
        found.append(
            [
                (hit.ref_id, hit.score, [(*s.query, *s.reference) for s in hit.segments])
                for hit in hits
            ]
        )
    return ingest, time.process_time() - started, found


def _baseline_sketch(text: str) -> MinHash:
    # Same normaliser as ours; shingles are character 5-grams (CJK) and word 3-grams.
    hashes = np.unique(token_grams(normalise(text), 5, 2).hashes)
    minhash = MinHash(num_perm=128, hashfunc=int, scheme="affine64")
    for start in range(0, len(hashes), 8192):
        minhash.update_batch(hashes[start : start + 8192].tolist())
    return minhash


def run_minhash(
    references: list[Document], queries: list[Query]
) -> tuple[float, float, list[Found]]:
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    sketches: dict[int, MinHash] = {}
    lengths = {doc.ref_id: len(doc.text) for doc in references}
    started = time.process_time()
    with lsh.insertion_session() as session:
        for doc in references:
            sketches[doc.ref_id] = _baseline_sketch(doc.text)
            session.insert(doc.ref_id, sketches[doc.ref_id])
    ingest = time.process_time() - started
    found: list[Found] = []
    started = time.process_time()
    for query in queries:
        text = main_text(query.content, "page")[0] if query.is_html else query.content
        sketch = _baseline_sketch(text)
        found.append(
            [
                (
                    ref_id,
                    float(sketch.jaccard(sketches[ref_id])),
                    [(0, len(text), 0, lengths[ref_id])],
                )
                for ref_id in lsh.query(sketch)
            ]
        )
    return ingest, time.process_time() - started, found


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_forked(
    name: str,
    method: Callable[..., tuple[float, float, list[Found]]],
    references: list[Document],
    queries: list[Query],
) -> RunResult:
    """Run a method in a child process so that its peak memory is measured alone."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        # The workload (thousands of queries) is inherited from the parent: keep the
        # garbage collector from walking it again and again, for either method.
        gc.freeze()
        start_rss = _rss_mb()
        started = time.perf_counter()
        ingest, query, found = method(references, queries)
        wall = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        sender.send((ingest, query, wall, peak - start_rss, found))

    process = context.Process(target=child)
    process.start()
    ingest, query_time, wall, growth, found = receiver.recv()
    process.join()
    return RunResult(name, ingest, query_time, wall, growth, found)


def _coverage(intervals: list[tuple[int, int]]) -> set[int]:
    return {i for start, end in intervals for i in range(start, end)}


def _iou(predicted: list[tuple[int, int]], truth: list[tuple[int, int]]) -> float:
    a, b = _coverage(predicted), _coverage(truth)
    return len(a & b) / max(1, len(a | b))


def _shared_passage(
    segments: list[tuple[int | None, int | None, int, int]], reference: str, sources: list[str]
) -> bool:
    """Is the reported reference passage really in what the query was made of?

    Such a hit is a real overlap in the corpus (a license preamble, parallel Bible
    passages, help pages repeating paragraphs in another order), not a detection error.
    Checked independently of the detector: at least half of the passage's character
    8-grams must occur in the query's source texts. Counted apart, and shown both ways.
    """
    source_grams: set[str] = set()
    for source in sources:
        text = normalise(source).text
        source_grams.update(text[i : i + 8] for i in range(len(text) - 7))
    for _, _, r0, r1 in segments:
        passage = normalise(reference[r0:r1]).text
        grams = {passage[i : i + 8] for i in range(len(passage) - 7)}
        if grams and len(grams & source_grams) >= 0.5 * len(grams):
            return True
    return False


def score(
    run: RunResult, queries: list[Query], references: dict[int, Document]
) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for query, found in zip(queries, run.found, strict=True):
        groups = [query.transform, "all"]
        for group in groups:
            rows[group]["queries"].append(1)
        for ref_id, _, segments in found:
            if ref_id in query.truth:
                continue
            shared = _shared_passage(segments, references[ref_id].text, query.clean_sources)
            for group in groups:
                rows[group]["shared" if shared else "false"].append(1)
        hits = {ref_id: segments for ref_id, _, segments in found}
        for ref_id, (query_spans, reference_spans) in query.truth.items():
            copied = query.copied_chars(ref_id)
            size = ">=1000" if copied >= 1000 else "300-999" if copied >= 300 else "<300"
            for group in [*groups, f"copies {size}"]:
                rows[group]["recall"].append(ref_id in hits)
                if ref_id in hits:
                    rows[group]["true"].append(1)
                    predicted_r = [(r0, r1) for _, _, r0, r1 in hits[ref_id]]
                    iou = _iou(predicted_r, reference_spans)
                    if query_spans is not None:
                        predicted_q = [(q0, q1) for q0, q1, _, _ in hits[ref_id] if q0 is not None]
                        iou = (iou + _iou(predicted_q, query_spans)) / 2
                    rows[group]["iou"].append(iou)
    table: dict[str, dict[str, float]] = {}
    for group, values in rows.items():
        true, false, shared = len(values["true"]), len(values["false"]), len(values["shared"])
        table[group] = {
            "pairs": len(values["recall"]),
            "queries": len(values["queries"]),
            "recall": float(np.mean(values["recall"])) if values["recall"] else float("nan"),
            "precision": true / max(1, true + false) if true + false else float("nan"),
            "strict precision": true / (true + false + shared)
            if true + false + shared
            else float("nan"),
            "false hits": false,
            "shared-passage hits": shared,
            "iou": float(np.mean(values["iou"])) if values["iou"] else float("nan"),
        }
    return table


def print_report(
    runs: list[RunResult], tables: list[dict[str, dict[str, float]]], ref_mb: float, query_mb: float
) -> None:
    ours, base = tables
    order = [
        *TRANSFORMS,
        "distractor",
        "distractor pirated",
        "distractor page",
        "copies >=1000",
        "copies 300-999",
        "copies <300",
        "all",
    ]
    print(
        f"\n{'transform':<16}{'pairs':>6}{'qs':>5} | "
        f"{'recall':>7}{'prec':>7}{'IoU':>6}{'FP':>4}{'shr':>4}"
        f" | {'MH rec':>7}{'MH prec':>8}{'MH IoU':>7}{'FP':>5}"
    )
    for group in order:
        if group not in ours and group not in base:
            continue
        a, b = ours.get(group, {}), base.get(group, {})
        print(
            f"{group:<16}{int(a.get('pairs', b.get('pairs', 0))):>6}"
            f"{int(a.get('queries', 0)):>5} | "
            f"{a.get('recall', float('nan')):>7.3f}{a.get('precision', float('nan')):>7.3f}"
            f"{a.get('iou', float('nan')):>6.2f}{int(a.get('false hits', 0)):>4}"
            f"{int(a.get('shared-passage hits', 0)):>4} | "
            f"{b.get('recall', float('nan')):>7.3f}{b.get('precision', float('nan')):>8.3f}"
            f"{b.get('iou', float('nan')):>7.2f}{int(b.get('false hits', 0)):>5}"
        )
    a, b = ours["all"], base["all"]
    print(
        f"\nprecision counting shared passages as errors: ours {a['strict precision']:.4f},"
        f" MinHash {b['strict precision']:.4f}"
    )
    for name, table in (("ours", ours), ("MinHash", base)):
        groups = [g for g in table if g.startswith("distractor")]
        count = sum(int(table[g]["queries"]) for g in groups)
        false = sum(int(table[g]["false hits"]) for g in groups)
        shared = sum(int(table[g]["shared-passage hits"]) for g in groups)
        print(
            f"{name}: {count} distractor queries, {false} false hits, "
            f"{shared} hits on passages really shared with a reference"
        )
    print(
        f"\nreferences {ref_mb:.2f} MB, queries {query_mb:.2f} MB (UTF-8; pages as HTML);"
        " throughput per core = MB per CPU-second of one process, best of the timed runs"
    )
    for run in runs:
        total = ref_mb + query_mb
        print(
            f"{run.name:<18} ingest {ref_mb / run.ingest_seconds:6.2f} MB/s  query "
            f"{query_mb / run.query_seconds:6.2f} MB/s  overall "
            f"{total / (run.ingest_seconds + run.query_seconds):6.2f} MB/s  "
            f"(wall {total / run.wall_seconds:5.2f})  "
            f"peak memory +{run.peak_growth_mb:.0f} MB"
        )
    ours_run, base_run = runs
    speed = (base_run.ingest_seconds + base_run.query_seconds) / (
        ours_run.ingest_seconds + ours_run.query_seconds
    )
    print(
        f"ours / MinHash: overall speed x{speed:.2f}, "
        f"memory x{ours_run.peak_growth_mb / max(1.0, base_run.peak_growth_mb):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="generated text, quick run")
    parser.add_argument("--corpus", type=Path, default=os.environ.get("SWORDNET_CORPUS"))
    parser.add_argument(
        "--limit",
        type=int,
        default=100,
        help="source chapters per transform (default 100; at most 12 with --small)",
    )
    parser.add_argument("--limit-refs", type=int, default=0, help="index at most N references")
    parser.add_argument(
        "--repeat", type=int, default=2, help="timed runs per method, best kept (default 2)"
    )
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.small:
        references, distractors = generate_small()
        per_transform = min(args.limit, 12)
    else:
        if args.corpus is None:
            parser.error("give --corpus DIR or set SWORDNET_CORPUS (or use --small)")
        references, distractors = load_corpus(Path(args.corpus))
        per_transform = args.limit
    if args.limit_refs:
        references = references[: args.limit_refs]
    queries = build_queries(references, distractors, per_transform)
    ref_mb = sum(len(d.text.encode()) for d in references) / 1e6
    query_mb = sum(len(q.content.encode()) for q in queries) / 1e6
    print(
        f"{len(references)} references, {len(distractors)} distractor documents, "
        f"{len(queries)} queries ({per_transform} sources per transform)"
    )
    methods = (("ours (text signal)", run_ours), ("MinHash LSH 128/0.5", run_minhash))
    runs = [run_forked(name, method, references, queries) for name, method in methods]
    # The machine is shared: repeat, alternating the methods, and keep each one's
    # fastest CPU times (figures of merit from the first run; they do not change).
    for _ in range(args.repeat - 1):
        for position, (name, method) in enumerate(methods):
            again = run_forked(name, method, references, queries)
            first = runs[position]
            first.ingest_seconds = min(first.ingest_seconds, again.ingest_seconds)
            first.query_seconds = min(first.query_seconds, again.query_seconds)
            first.wall_seconds = min(first.wall_seconds, again.wall_seconds)
    by_id = {doc.ref_id: doc for doc in references}
    tables = [score(run, queries, by_id) for run in runs]
    print_report(runs, tables, ref_mb, query_mb)


if __name__ == "__main__":
    main()

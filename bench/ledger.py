"""Evidence ledger benchmark: appending 1,000,000 leaves, proving inclusion of random
leaves and consistency between random sizes, on SQLite and PostgreSQL.

    python bench/ledger.py                          # the issue's scale: 1,000,000 leaves
    python bench/ledger.py --leaves 20000 --proofs 50  # a quick look
    python bench/ledger.py --databases sqlite

Appends go through ``ledger.append_many`` in transactions of ``--batch`` leaves, each leaf
a capture-sized evidence record (about 600 bytes of canonical JSON), with the database's
append-only triggers on. Proofs are read from the stored subtree hashes and verified with
the RFC 9162 verifiers. Beside them, the baseline measured in the same run: the same
proofs got naively (every leaf hash read, the tree recomputed), as a ratio. Targets
(issue #21): >= 5,000 appends/s on both databases, proofs under 5 ms. PostgreSQL runs in
a private schema of the database at ``SWORDNET_BENCH_PG_URL`` (default: the test server),
dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain import merkle
from swordnet.services import ledger
from swordnet.storage import models
from swordnet.storage.db import make_engine, make_session_factory, upgrade

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_APPENDS_PER_S = 5000.0
TARGET_PROOF_MS = 5.0


def capture_like(number: int) -> dict[str, Any]:
    """A record shaped and sized like the crawler's capture leaves."""
    return {
        "id": number,
        "run_id": 1 + number // 5000,
        "url": f"https://pirate-{number % 997}.example/book/{number}/chapter.html",
        "final_url": f"https://pirate-{number % 997}.example/book/{number}/chapter.html",
        "outcome": "ok",
        "status": 200,
        "media_type": "text/html",
        "size": 20_000 + number % 5000,
        "payload_sha256": f"{number:064x}",
        "warc": {
            "file": "run-000001-20260101T000000Z-abcdef.warc.gz",
            "offset": number * 4096,
            "record_id": f"<urn:uuid:{uuid.UUID(int=number)}>",
            "sha256": f"{number * 7:064x}",
        },
        "error": None,
        "environment": {
            "software": "swordnet 0.1.0",
            "fetcher": "http",
            "user_agent": "SwordNetBot/0.1",
            "obey_robots": True,
            "max_body_bytes": 20971520,
            "max_redirects": 5,
            "allow_networks": [],
            "time_source": "system clock of the capturing host, UTC",
        },
    }


@contextmanager
def database(kind: str, pg_url: str) -> Iterator[sessionmaker[Session]]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="swordnet-bench-ledger-") as directory:
            engine = make_engine(f"sqlite:///{Path(directory) / 'ledger.db'}")
            upgrade(engine)
            try:
                yield make_session_factory(engine)
            finally:
                engine.dispose()
        return
    schema = f"swordnet_bench_ledger_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in pg_url else "?"
    engine = make_engine(f"{pg_url}{separator}options=-csearch_path%3D{schema}")
    try:
        upgrade(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def p99_ms(seconds: list[float]) -> float:
    values = sorted(s * 1000 for s in seconds)
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def summary_ms(seconds: list[float]) -> str:
    values = sorted(s * 1000 for s in seconds)
    mean, p50 = statistics.fmean(values), values[len(values) // 2]
    return f"mean {mean:7.3f} ms  p50 {p50:7.3f}  p99 {p99_ms(seconds):7.3f}"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def measure_appends(
    kind: str, sessions: sessionmaker[Session], args: argparse.Namespace
) -> list[str]:
    start = time.perf_counter()
    appended = 0
    while appended < args.leaves:
        count = min(args.batch, args.leaves - appended)
        with sessions() as session, session.begin():
            ledger.append_many(
                session,
                [("capture", capture_like(n)) for n in range(appended, appended + count)],
            )
        appended += count
        if args.progress and appended % (args.batch * 20) == 0:
            rate = appended / (time.perf_counter() - start)
            print(f"  {kind}: {appended:,} leaves, {rate:,.0f}/s", file=sys.stderr)
    append_s = time.perf_counter() - start
    rate = args.leaves / append_s
    lines = [
        f"{kind:10s} append {args.leaves:,} leaves: {append_s:7.1f} s  {rate:9,.0f} leaves/s"
        f"  (target >= {TARGET_APPENDS_PER_S:,.0f})  {verdict(rate >= TARGET_APPENDS_PER_S)}"
    ]
    # one leaf per commit: what a notice or a re-check pays per transaction
    singles = [timed(lambda n=n: _commit_one(sessions, n))[0] for n in range(args.proofs)]
    lines.append(f"{kind:10s} one leaf per commit:   {summary_ms(singles)}")
    return lines


def run(kind: str, sessions: sessionmaker[Session], args: argparse.Namespace) -> list[str]:
    rng = random.Random(args.seed)
    lines = measure_appends(kind, sessions, args)
    before = args.leaves
    with sessions() as session:
        size = ledger.tree_head(session).size
        assert size == before + args.proofs
        # -- tree head ------------------------------------------------------------------
        head_s = [timed(lambda: ledger.root_at(session, size))[0] for _ in range(20)]
        lines.append(f"{kind:10s} root of the whole log: {summary_ms(head_s)}")
        root = ledger.root_at(session, size)
        # -- inclusion ------------------------------------------------------------------
        inclusion: list[float] = []
        verify: list[float] = []
        for _ in range(args.proofs):
            index = rng.randrange(size)
            seconds, proof = timed(lambda i=index: ledger.inclusion_proof(session, i, size))
            inclusion.append(seconds)
            leaf = ledger.leaf(session, index).leaf_hash
            seconds, ok = timed(
                lambda i=index, p=proof, h=leaf: merkle.verify_inclusion(h, i, size, p, root)
            )
            verify.append(seconds)
            assert ok, index
        lines.append(
            f"{kind:10s} inclusion proof:       {summary_ms(inclusion)}"
            f"  (target p99 < {TARGET_PROOF_MS} ms)  {verdict(p99_ms(inclusion) < TARGET_PROOF_MS)}"
        )
        lines.append(f"{kind:10s} verify inclusion:      {summary_ms(verify)}")
        # -- consistency ----------------------------------------------------------------
        consistency: list[float] = []
        for _ in range(args.proofs):
            old = rng.randrange(1, size)
            new = rng.randrange(old, size + 1)
            seconds, proof = timed(lambda o=old, n=new: ledger.consistency_proof(session, o, n))
            consistency.append(seconds)
            if len(consistency) <= 10:  # roots cost a query each: check a few
                old_root, new_root = ledger.root_at(session, old), ledger.root_at(session, new)
                assert merkle.verify_consistency(old, new, old_root, new_root, proof)
        within = p99_ms(consistency) < TARGET_PROOF_MS
        lines.append(
            f"{kind:10s} consistency proof:     {summary_ms(consistency)}"
            f"  (target p99 < {TARGET_PROOF_MS} ms)  {verdict(within)}"
        )
        # -- the naive baseline: read every leaf hash, recompute ------------------------
        naive: list[float] = []
        for _ in range(args.baseline_runs):
            index = rng.randrange(size)
            seconds, proof = timed(lambda i=index: _naive_inclusion(session, i, size))
            naive.append(seconds)
            assert merkle.verify_inclusion(
                ledger.leaf(session, index).leaf_hash, index, size, proof, root
            )
        ratio = statistics.fmean(naive) / statistics.fmean(inclusion)
        lines.append(
            f"{kind:10s} baseline (every leaf read, tree recomputed) inclusion proof: "
            f"{statistics.fmean(naive) * 1000:,.0f} ms  = {ratio:,.0f} x the stored subtrees"
        )
    return lines


def _commit_one(sessions: sessionmaker[Session], number: int) -> None:
    with sessions() as session, session.begin():
        ledger.record(session, "capture", capture_like(10_000_000 + number))


def _naive_inclusion(session: Session, index: int, size: int) -> list[bytes]:
    hashes = [
        bytes(h)
        for h in session.scalars(
            select(models.LedgerLeaf.leaf_hash)
            .where(models.LedgerLeaf.idx < size)
            .order_by(models.LedgerLeaf.idx)
        )
    ]
    return merkle.inclusion_proof(index, size, merkle.memory_lookup(hashes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000, help="leaves per transaction")
    parser.add_argument("--proofs", type=int, default=200, help="random proofs of each kind")
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    pg_url = os.environ.get("SWORDNET_BENCH_PG_URL", DEFAULT_PG)
    print(
        f"evidence ledger: {args.leaves:,} leaves, batches of {args.batch:,}, {args.proofs} proofs"
    )
    for kind in args.databases.split(","):
        with database(kind, pg_url) as sessions:
            for line in run(kind, sessions, args):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

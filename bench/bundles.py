"""Evidence bundle benchmark: exporting and verifying a bundle of 10,000 leaves.

    python bench/bundles.py                    # 5,000 captures: 10,000 leaves, 10,000 files
    python bench/bundles.py --captures 500     # a quick look

A case gathers ``--captures`` captures on SQLite, each with a WARC record (a gzip member
of one run's WARC file), a screenshot, a capture leaf and a screenshot leaf: 2 leaves and
2 files per capture, plus the case's events. The export proves every leaf against a fresh
checkpoint; the verification is the standalone verifier (``verify.py``), run in this
process on the ZIP. Beside it, the baseline measured in the same run: reading the ZIP and
hashing every file once, the floor of any verification. Target (issue #21): verifying
10,000 items in under 20 s.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import tempfile
import time
import zipfile
from pathlib import Path

from swordnet.bootstrap import bootstrap
from swordnet.domain.kinds import CaptureOutcome
from swordnet.services import bundles, ledger
from swordnet.services.ledger import evidence
from swordnet.settings import Settings
from swordnet.storage import models
from swordnet.storage.models.cases import case_capture

TARGET_VERIFY_S = 20.0


def _warc_record(number: int) -> bytes:
    body = f"<html><body>chapter {number} " + "text " * 200 + "</body></html>"
    head = (
        "WARC/1.1\r\nWARC-Type: response\r\n"
        f"WARC-Target-URI: https://pirate.example/book/{number}.html\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return gzip.compress((head + body + "\r\n\r\n").encode(), mtime=0)


def build_case(home: Path, captures: int) -> tuple[object, int]:
    container = bootstrap(Settings(home=home, workers=1))
    warc = home / "warc" / "run-bench.warc.gz"
    warc.parent.mkdir(parents=True, exist_ok=True)
    shots = home / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    environment = evidence.capture_environment(container.settings)
    with container.sessions() as session, session.begin():
        case = models.Case(title="bench: a site with many captures")
        session.add(case)
        session.flush()
        case_id = case.id
        entries: list[tuple[str, dict[str, object]]] = []
        with warc.open("wb") as handle:
            for number in range(captures):
                member = _warc_record(number)
                offset = handle.tell()
                handle.write(member)
                url = f"https://pirate.example/book/{number}.html"
                row = models.Capture(
                    url=url,
                    final_url=url,
                    host="pirate.example",
                    outcome=CaptureOutcome.OK,
                    status_code=200,
                    media_type="text/html",
                    size_bytes=len(member),
                    warc_file=str(warc),
                    warc_offset=offset,
                    warc_record_id=f"<urn:bench:{number}>",
                )
                session.add(row)
                session.flush()
                shot = shots / f"capture-{row.id}.png"
                shot.write_bytes(b"\x89PNG\r\n\x1a\n" + number.to_bytes(8, "big") * 512)
                row.screenshot_path = str(shot)
                record = evidence.capture_record(
                    row.id,
                    {"url": url, "warc_file": str(warc), "warc_offset": offset},
                    hashlib.sha256(member).hexdigest(),
                    environment,
                )
                entries.append((evidence.CAPTURE, record))
                digest = hashlib.sha256(shot.read_bytes()).hexdigest()
                entries.append(
                    (evidence.SCREENSHOT, evidence.screenshot_record(row.id, str(shot), digest))
                )
                session.execute(case_capture.insert().values(case_id=case_id, capture_id=row.id))
        ledger.append_many(session, entries)
    return container, case_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--captures", type=int, default=5000, help="2 leaves, 2 files each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="swordnet-bench-bundles-") as scratch:
        root = Path(scratch)
        started = time.perf_counter()
        container, case_id = build_case(root / "home", args.captures)
        setup_s = time.perf_counter() - started
        out = root / "case.zip"
        started = time.perf_counter()
        result = bundles.export_case_bundle(container, case_id, out)  # type: ignore[arg-type]
        export_s = time.perf_counter() - started

        started = time.perf_counter()
        with zipfile.ZipFile(out) as archive:
            for name in archive.namelist():
                hashlib.sha256(archive.read(name)).digest()
        floor_s = time.perf_counter() - started

        started = time.perf_counter()
        ok, lines = bundles.verify_bundle(out, quiet=True)
        verify_s = time.perf_counter() - started
        size_mb = out.stat().st_size / 1e6
        container.close()  # type: ignore[attr-defined]

    files = 2 * args.captures
    print(
        f"evidence bundle of case {case_id}: {result.leaves} leaves (1 the bundle's own), "
        f"{files} WARC records and screenshots, {result.items} items in the ZIP "
        f"({size_mb:.1f} MB)"
    )
    print(f"  setup (rows, WARC, leaves)   {setup_s:8.2f} s")
    print(
        f"  export                       {export_s:8.2f} s   "
        f"({result.items / export_s:,.0f} items/s)"
    )
    print(
        f"  verify (standalone verifier) {verify_s:8.2f} s   "
        f"({result.items / verify_s:,.0f} items/s)   target < {TARGET_VERIFY_S:.0f} s: "
        f"{'met' if verify_s < TARGET_VERIFY_S else 'MISSED'}"
    )
    print(
        f"  baseline: read + SHA-256 of every file {floor_s:8.2f} s "
        f"(verification is {verify_s / floor_s:.1f}x the floor)"
    )
    print(f"  verdict: {'all checks passed' if ok else 'FAILED'} ({len(lines)} lines)")


if __name__ == "__main__":
    main()

"""Evidence bundles: for a detection, a notice or a case, one ZIP holding the WARC
records, screenshots, ledger leaves, their inclusion proofs, the signed checkpoints and
keys, timestamp tokens, an index (HTML and PDF, zh/en) and ``verify.py``, the standalone
verifier (``standalone_verify.py``: Python and ``cryptography`` only). See
docs/evidence-bundles.md.

Exporting writes to the ledger: a leaf recording what the bundle holds, and a fresh
signed checkpoint over it.
"""

from __future__ import annotations

from pathlib import Path

from swordnet.services.bundles import selection
from swordnet.services.bundles import standalone_verify as _verifier
from swordnet.services.bundles.export import (
    BUNDLE_LEAF,
    FORMAT,
    BundleError,
    BundleResult,
    write_bundle,
)
from swordnet.services.context import AppContext

__all__ = [
    "BUNDLE_LEAF",
    "FORMAT",
    "BundleError",
    "BundleResult",
    "export_case_bundle",
    "export_detection_bundle",
    "export_notice_bundle",
    "verify_bundle",
]


def export_detection_bundle(
    container: AppContext, detection_id: int, out_path: Path
) -> BundleResult:
    warc_dir = container.settings.warc_dir
    return write_bundle(
        container,
        lambda session: selection.select_detection(session, detection_id, warc_dir),
        out_path,
    )


def export_notice_bundle(container: AppContext, notice_id: int, out_path: Path) -> BundleResult:
    warc_dir = container.settings.warc_dir
    return write_bundle(
        container, lambda session: selection.select_notice(session, notice_id, warc_dir), out_path
    )


def export_case_bundle(container: AppContext, case_id: int, out_path: Path) -> BundleResult:
    """The case's events, detections, captures and notices, with everything that proves
    them (for the police referral package too)."""
    warc_dir = container.settings.warc_dir
    return write_bundle(
        container, lambda session: selection.select_case(session, case_id, warc_dir), out_path
    )


def verify_bundle(
    path: Path,
    *,
    older_checkpoints: list[Path] | None = None,
    trust: list[str] | None = None,
    trust_fingerprints: list[str] | None = None,
    quiet: bool = False,
) -> tuple[bool, list[str]]:
    """Run the standalone verifier on a bundle: (everything checks, the lines it printed)."""
    argv = [str(path)]
    for older in older_checkpoints or []:
        argv += ["--checkpoint", str(older)]
    for key in trust or []:
        argv += ["--trust", key]
    for fingerprint in trust_fingerprints or []:
        argv += ["--trust-fingerprint", fingerprint]
    report = _verifier.Report(quiet=quiet)
    status = _verifier.main(argv, out=report)
    return status == 0, report.lines

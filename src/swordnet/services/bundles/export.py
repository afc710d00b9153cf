"""Write an evidence bundle: one ZIP that proves itself (see docs/evidence-bundles.md).

The steps, in order:

1. the selection (``selection.py``): the leaves, the WARC records and screenshots;
2. a leaf of kind ``evidence.bundle`` is appended to the log: the bundle's id, its
   subject, every leaf index and every captured file's SHA-256 it holds, so that a bundle
   with an item dropped (and its manifest edited to match) is caught by the verifier;
3. a fresh checkpoint is signed over the log, the bundle leaf included;
4. each leaf's exact bytes and its c2sp.org/tlog-proof against that checkpoint, the
   older checkpoints with a consistency proof from each, their RFC 3161 tokens, the keys;
5. the index (HTML and PDF, zh and en), ``verify.py`` and ``manifest.json``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from swordnet.domain.errors import SwordNetError
from swordnet.services import ledger
from swordnet.services.bundles import index as index_pages
from swordnet.services.bundles.index import PROVES
from swordnet.services.bundles.selection import Selection
from swordnet.services.context import AppContext
from swordnet.services.ledger.notes import format_tlog_proof
from swordnet.services.ledger.operations import keys as ledger_keys
from swordnet.services.ledger.operations import timestamper

FORMAT = "swordnet-evidence-bundle/1"
BUNDLE_LEAF = "evidence.bundle"
OLDER_CHECKPOINTS = 32  # consistency proofs from at most this many earlier checkpoints
VERIFIER = Path(__file__).with_name("standalone_verify.py")


class BundleError(SwordNetError):
    """Nothing to bundle: the subject has no evidence in the ledger."""


@dataclass(frozen=True, slots=True)
class BundleResult:
    path: Path
    bundle_id: str
    items: int
    leaves: int
    checkpoint_size: int
    omitted: list[str]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_bundle(
    container: AppContext,
    choose: Callable[[Session], Selection],
    out_path: Path,
) -> BundleResult:
    """Select (in a read session), record the bundle leaf, sign, prove, write the ZIP."""
    with container.sessions() as session:
        selection = choose(session)
    if not selection.leaves:
        raise BundleError(
            f"{selection.subject_kind} {selection.subject_id} has no evidence in the ledger"
        )
    bundle_id = uuid.uuid4().hex
    subject = {"kind": selection.subject_kind, "id": selection.subject_id}
    captured = [{"path": f.path, "sha256": _sha(f.data)} for f in selection.files]
    with container.sessions() as session, session.begin():
        appended = ledger.append_many(
            session,
            [
                (
                    BUNDLE_LEAF,
                    {
                        "id": bundle_id,
                        "subject": subject,
                        "leaves": sorted(selection.leaves),
                        "files": captured,
                    },
                )
            ],
        )
    bundle_leaf = appended[0]
    settings = container.settings
    keys = ledger_keys(settings)
    signed = ledger.sign_checkpoint(container.sessions, keys, timestamper=timestamper(settings))
    files: dict[str, bytes] = {}
    items: list[dict[str, Any]] = []

    def add(path: str, data: bytes, item_type: str, **facts: Any) -> None:
        files[path] = data
        proves = PROVES[item_type][0]
        items.append(
            {"path": path, "sha256": _sha(data), "type": item_type, **facts, "proves": proves}
        )

    main_path = f"checkpoints/checkpoint-{signed.size}.txt"
    with container.sessions() as session:
        indices = [*sorted(selection.leaves), bundle_leaf]
        proofs = ledger.inclusion_proofs(session, indices, signed.size)
        rows = ledger.leaves(session, indices)
        for index in indices:
            row = rows[index]
            proof = proofs[index]
            leaf_path = f"leaves/{index:08d}.json"
            proof_path = f"proofs/{index:08d}.tlog-proof"
            add(
                leaf_path,
                row.data,
                "bundle_leaf" if index == bundle_leaf else "leaf",
                index=index,
                kind=row.kind,
                proof=proof_path,
                leaf_hash=base64.b64encode(row.leaf_hash).decode(),
            )
            add(
                proof_path,
                format_tlog_proof(index, proof, signed.text).encode(),
                "inclusion_proof",
                index=index,
                checkpoint=main_path,
            )
        older = _older_checkpoints(session, signed)
        consistency = {
            c.size: ledger.consistency_proof(session, c.size, signed.size) for c in older
        }
    for found in selection.files:
        add(
            found.path,
            found.data,
            found.type,
            leaf=found.leaf,
            capture_id=found.capture_id,
            source=found.source,
        )
    for checkpoint in [*older, signed]:
        path = f"checkpoints/checkpoint-{checkpoint.size}.txt"
        add(path, checkpoint.text.encode("utf-8"), "checkpoint", size=checkpoint.size)
        if checkpoint.tsa_token is not None:
            add(
                path.removesuffix(".txt") + ".tsr",
                checkpoint.tsa_token,
                "timestamp_token",
                checkpoint=path,
                time=checkpoint.tsa_time.isoformat() if checkpoint.tsa_time else None,
            )
        if checkpoint is not signed:
            lines = [
                f"old {checkpoint.size} {base64.b64encode(checkpoint.root_hash).decode()}",
                f"new {signed.size} {base64.b64encode(signed.root_hash).decode()}",
                *(base64.b64encode(h).decode() for h in consistency[checkpoint.size]),
            ]
            add(
                f"checkpoints/consistency-{checkpoint.size}-{signed.size}.txt",
                ("\n".join(lines) + "\n").encode(),
                "consistency_proof",
                old=path,
                new=main_path,
            )
    add("keys/verifier-keys.txt", _vkeys(keys), "public_key")
    add("verify.py", VERIFIER.read_bytes(), "verifier")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "bundle_id": bundle_id,
        "subject": subject,
        "created_at": datetime.now(UTC).isoformat(),
        "origin": signed.origin,
        "checkpoint": main_path,
        "bundle_leaf": bundle_leaf,
        "vkey": keys.vkey(),
        "omitted": selection.omitted,
        "items": items,
    }
    html, pdf = index_pages.render(manifest)
    add("index.html", html.encode("utf-8"), "index")
    add("index.pdf", pdf, "index")
    data = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
    _write_zip(out_path, {"manifest.json": data, **files})
    return BundleResult(
        out_path,
        bundle_id,
        len(items),
        len(selection.leaves) + 1,
        signed.size,
        list(selection.omitted),
    )


def _older_checkpoints(session: Session, newest: ledger.Checkpoint) -> list[ledger.Checkpoint]:
    by_size: dict[int, ledger.Checkpoint] = {}
    for checkpoint in ledger.list_checkpoints(session):
        if 0 < checkpoint.size < newest.size:
            by_size[checkpoint.size] = checkpoint  # the newest signed of each size
    return [by_size[size] for size in sorted(by_size)[-OLDER_CHECKPOINTS:]]


def _vkeys(keys: ledger.LedgerKeys) -> bytes:
    known = list(dict.fromkeys([*keys.known_vkeys(), keys.vkey()]))
    return ("".join(f"{line}\n" for line in known)).encode()


def _write_zip(out_path: Path, files: dict[str, bytes]) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    stamp = (1980, 1, 1, 0, 0, 0)  # entries carry no time of their own: the ledger does
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            entry = zipfile.ZipInfo(path, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    os.replace(temporary, out_path)

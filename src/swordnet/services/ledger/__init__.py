"""The evidence ledger: an append-only RFC 9162 Merkle log of evidence records, with
signed C2SP checkpoints, inclusion and consistency proofs. See docs/evidence-ledger.md.

What the rest of SwordNet (and the evidence bundles) use:

- ``record(session, kind, record)``: a leaf appended when the transaction commits;
  ``append_many(session, entries)``: leaves appended at once.
- ``leaf``, ``leaves_for``, ``tree_head``, ``root_at``, ``inclusion_proof``,
  ``consistency_proof``, ``verify_log``.
- ``sign_checkpoint``, ``latest_checkpoint``, ``list_checkpoints``, ``rotate_key``,
  ``LedgerKeys`` (its ``vkey()`` is the public key in C2SP/Go note form).
"""

from __future__ import annotations

from swordnet.services.ledger.checkpoints import (
    AUDIT_ANCHOR,
    KEY_CREATED,
    KEY_ROTATED,
    Checkpoint,
    LedgerKeys,
    checkpoint_of_size,
    latest_checkpoint,
    list_checkpoints,
    rotate_key,
    sign_checkpoint,
)
from swordnet.services.ledger.log import (
    LeafRow,
    LedgerError,
    TreeHead,
    append_many,
    canonical_json,
    consistency_proof,
    format_time,
    inclusion_proof,
    inclusion_proofs,
    leaf,
    leaf_data,
    leaves,
    leaves_for,
    record,
    root_at,
    tree_head,
    verify_log,
)

__all__ = [
    "AUDIT_ANCHOR",
    "KEY_CREATED",
    "KEY_ROTATED",
    "Checkpoint",
    "LeafRow",
    "LedgerError",
    "LedgerKeys",
    "TreeHead",
    "append_many",
    "canonical_json",
    "checkpoint_of_size",
    "consistency_proof",
    "format_time",
    "inclusion_proof",
    "inclusion_proofs",
    "latest_checkpoint",
    "leaf",
    "leaf_data",
    "leaves",
    "leaves_for",
    "list_checkpoints",
    "record",
    "root_at",
    "rotate_key",
    "sign_checkpoint",
    "tree_head",
    "verify_log",
]

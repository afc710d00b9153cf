"""The ledger's use cases for the command line (and the web app): each opens its own
session from the running system, so callers need no database code."""

from __future__ import annotations

from dataclasses import dataclass

from swordnet.domain import merkle
from swordnet.services.context import AppContext
from swordnet.services.ledger import checkpoints, log
from swordnet.services.ledger.notes import (
    NoteError,
    VerifierKey,
    format_tlog_proof,
    verify_checkpoint,
)
from swordnet.services.ledger.timestamps import Timestamper, load_roots
from swordnet.settings import Settings


def keys(settings: Settings) -> checkpoints.LedgerKeys:
    return checkpoints.LedgerKeys.from_settings(settings)


def timestamper(settings: Settings) -> Timestamper | None:
    """The configured TSA, or None; ``ConfigurationError`` when half configured."""
    config = settings.ledger
    if config.tsa_url is None:
        return None
    roots = load_roots(config.tsa_ca_file) if config.tsa_ca_file is not None else []
    return Timestamper(config.tsa_url, roots, timeout_s=config.tsa_timeout_s)


def checkpoint_now(container: AppContext) -> checkpoints.Checkpoint:
    settings = container.settings
    return checkpoints.sign_checkpoint(
        container.sessions, keys(settings), timestamper=timestamper(settings)
    )


def rotate(container: AppContext) -> checkpoints.Checkpoint:
    settings = container.settings
    return checkpoints.rotate_key(
        container.sessions, keys(settings), timestamper=timestamper(settings)
    )


@dataclass(frozen=True, slots=True)
class LedgerStatus:
    size: int
    root_hash: bytes
    checkpoint: checkpoints.Checkpoint | None
    checkpoints: int
    vkey: str | None  # None until the first checkpoint creates the key
    known_vkeys: list[str]


def status(container: AppContext) -> LedgerStatus:
    ledger_keys = keys(container.settings)
    with container.sessions() as session:
        head = log.tree_head(session)
        signed = checkpoints.list_checkpoints(session)
    return LedgerStatus(
        size=head.size,
        root_hash=head.root_hash,
        checkpoint=signed[-1] if signed else None,
        checkpoints=len(signed),
        vkey=ledger_keys.vkey() if ledger_keys.exists() else None,
        known_vkeys=ledger_keys.known_vkeys(),
    )


@dataclass(frozen=True, slots=True)
class InclusionAnswer:
    leaf: log.LeafRow
    size: int
    root_hash: bytes
    proof: list[bytes]
    verified: bool
    tlog_proof: str | None  # when a signed checkpoint of this size exists


def prove_inclusion(container: AppContext, index: int, size: int | None) -> InclusionAnswer:
    """Leaf ``index`` and its proof in the tree of ``size`` leaves (default: the newest
    checkpoint's size, else the whole log)."""
    with container.sessions() as session:
        if size is None:
            latest = checkpoints.latest_checkpoint(session)
            size = latest.size if latest is not None else log.tree_head(session).size
        leaf = log.leaf(session, index)
        proof = log.inclusion_proof(session, index, size)
        root = log.root_at(session, size)
        signed = checkpoints.checkpoint_of_size(session, size)
    verified = merkle.verify_inclusion(leaf.leaf_hash, index, size, proof, root)
    text = format_tlog_proof(index, proof, signed.text) if signed is not None else None
    return InclusionAnswer(leaf, size, root, proof, verified, text)


@dataclass(frozen=True, slots=True)
class ConsistencyAnswer:
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    proof: list[bytes]
    verified: bool


def prove_consistency(container: AppContext, old_size: int, new_size: int) -> ConsistencyAnswer:
    with container.sessions() as session:
        proof = log.consistency_proof(session, old_size, new_size)
        old_root = log.root_at(session, old_size)
        new_root = log.root_at(session, new_size)
    verified = merkle.verify_consistency(old_size, new_size, old_root, new_root, proof)
    return ConsistencyAnswer(old_size, new_size, old_root, new_root, proof, verified)


def verify(container: AppContext) -> list[str]:
    """Problems in the whole log, recomputed from its leaves, and its checkpoints."""
    ledger_keys = keys(container.settings)
    with container.sessions() as session:
        problems = log.verify_log(session)
        signed = checkpoints.list_checkpoints(session)
        for checkpoint in signed:
            if checkpoint.size > log.tree_head(session).size:
                problems.append(f"checkpoint of size {checkpoint.size}: the log is shorter")
                continue
            if log.root_at(session, checkpoint.size) != checkpoint.root_hash:
                problems.append(f"checkpoint of size {checkpoint.size}: the root differs")
    known = [VerifierKey.parse(k) for k in ledger_keys.known_vkeys()]
    problems.extend(
        f"checkpoint of size {checkpoint.size}: no known key's signature verifies"
        for checkpoint in signed
        if not any(_verifies(checkpoint.text, key) for key in known)
    )
    return problems


def _verifies(text: str, key: VerifierKey) -> bool:
    try:
        verify_checkpoint(text, key)
    except NoteError:
        return False
    return True

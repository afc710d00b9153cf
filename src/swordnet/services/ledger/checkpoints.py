"""Signed checkpoints of the evidence log, the key that signs them, and its rotation.

The Ed25519 key lives in ``<home>/ledger/signing-key.pem`` (created on first use, mode
0600, never in the database), like the audit checkpoint's key. Its creation and every
rotation are leaves of the log, and every public key ever used is kept in
``<home>/ledger/verifier-keys.txt``, so a verifier holding one pinned key can follow the
chain. Every checkpoint is stored (``ledger_checkpoint``) so any two can be proven
consistent; before signing, the new tree is proven consistent with the last checkpoint,
so a log rewritten inside the database is refused instead of signed. The newest signed
checkpoint is also written to ``<home>/ledger/checkpoint-<database>.txt`` for publication.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain import merkle
from swordnet.domain.errors import SwordNetError
from swordnet.services import audit
from swordnet.services.ledger import log
from swordnet.services.ledger.notes import (
    VerifierKey,
    checkpoint_body,
    raw_public,
    sign_note,
    verify_checkpoint,
    vkey,
)
from swordnet.services.ledger.timestamps import Timestamper
from swordnet.settings import Settings
from swordnet.storage import models

KEY_CREATED = "ledger.key_created"
KEY_ROTATED = "ledger.key_rotated"
AUDIT_ANCHOR = "audit.anchor"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    text: str  # the signed note, byte for byte as published
    key_id: str = ""
    signed_at: datetime | None = None
    tsa_token: bytes | None = None
    tsa_time: datetime | None = None


def default_origin(database_url: str) -> str:
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return f"swordnet.localhost/ledger/{digest}"


class LedgerKeys:
    """The signing key of one log, in its directory outside the database."""

    def __init__(self, directory: Path, origin: str) -> None:
        self.directory = directory
        self.origin = origin
        self.key_path = directory / "signing-key.pem"
        self.history_path = directory / "verifier-keys.txt"
        self._key: Ed25519PrivateKey | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LedgerKeys:
        origin = settings.ledger.origin or default_origin(settings.resolved_database_url)
        return cls(settings.ledger_dir, origin)

    @property
    def name(self) -> str:
        return self.origin  # the key is named after the log it signs

    def exists(self) -> bool:
        return self.key_path.exists()

    def signing_key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = self._load_or_create(self.key_path)
            self._remember(self.vkey())
        return self._key

    def vkey(self) -> str:
        return vkey(self.name, raw_public(self.signing_key().public_key()))

    def verifier(self) -> VerifierKey:
        return VerifierKey.parse(self.vkey())

    def known_vkeys(self) -> list[str]:
        """Every public key this directory has signed with, oldest first."""
        try:
            return self.history_path.read_text(encoding="utf-8").split()
        except FileNotFoundError:
            return []

    def _remember(self, key: str) -> None:
        if key not in self.known_vkeys():
            with self.history_path.open("a", encoding="utf-8") as file:
                file.write(key + "\n")

    def _load_or_create(self, path: Path) -> Ed25519PrivateKey:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            pem = path.read_bytes()
        except FileNotFoundError:
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            # O_EXCL: of two processes creating the key at once, one wins, both use it
            with contextlib.suppress(FileExistsError):
                handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(handle, "wb") as file:
                    file.write(pem)
            pem = path.read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SwordNetError(f"{path} is not an Ed25519 private key")
        return key

    def prepare_next(self) -> Ed25519PrivateKey:
        """A new key, written beside the current one until the rotation is recorded."""
        return self._load_or_create(self.directory / "signing-key.next.pem")

    def promote_next(self) -> None:
        """The next key becomes the current one; the old one is kept, retired."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        retired = self.directory / "retired"
        retired.mkdir(exist_ok=True, mode=0o700)
        os.replace(self.key_path, retired / f"signing-key-{stamp}.pem")
        os.replace(self.directory / "signing-key.next.pem", self.key_path)
        self._key = None
        self.signing_key()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One signer at a time per key directory (checkpoints and rotations)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with (self.directory / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _as_checkpoint(row: models.LedgerCheckpoint) -> Checkpoint:
    return Checkpoint(
        origin=row.origin,
        size=int(row.size),
        root_hash=bytes(row.root_hash),
        text=row.text,
        key_id=row.key_id,
        signed_at=row.signed_at,
        tsa_token=bytes(row.tsa_token) if row.tsa_token is not None else None,
        tsa_time=row.tsa_time,
    )


def latest_checkpoint(session: Session) -> Checkpoint | None:
    row = session.scalars(
        select(models.LedgerCheckpoint).order_by(models.LedgerCheckpoint.id.desc()).limit(1)
    ).first()
    return None if row is None else _as_checkpoint(row)


def list_checkpoints(session: Session) -> list[Checkpoint]:
    rows = session.scalars(select(models.LedgerCheckpoint).order_by(models.LedgerCheckpoint.id))
    return [_as_checkpoint(row) for row in rows]


def checkpoint_of_size(session: Session, size: int) -> Checkpoint | None:
    row = session.scalars(
        select(models.LedgerCheckpoint)
        .where(models.LedgerCheckpoint.size == size)
        .order_by(models.LedgerCheckpoint.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _as_checkpoint(row)


def sign_checkpoint(
    sessions: sessionmaker[Session],
    keys: LedgerKeys,
    *,
    timestamper: Timestamper | None = None,
) -> Checkpoint:
    """Anchor the audit trail's head in the log, then sign and store the tree head.

    Raises ``LedgerError`` when the log is not consistent with the last checkpoint."""
    with keys.locked():
        first_use = not keys.exists()
        key = keys.signing_key()
        with sessions() as session, session.begin():
            head = audit.current_head(session)
            entries: list[tuple[str, dict[str, object]]] = []
            if first_use:
                entries.append((KEY_CREATED, {"vkey": keys.vkey()}))
            entries.append(
                (AUDIT_ANCHOR, {"seq": head.seq, "event_id": head.event_id, "hash": head.hash})
            )
            log.append_many(session, entries)
        with sessions() as session, session.begin():
            tree = log.tree_head(session)
            root = log.root_at(session, tree.size)
            if root != tree.root_hash:
                raise log.LedgerError("the log's head row does not match its nodes")
            previous = latest_checkpoint(session)
            if previous is not None:
                _check_extends(session, previous, tree.size, root)
            body = checkpoint_body(keys.origin, tree.size, root)
            text = sign_note(body, keys.name, key)
            verify_checkpoint(text, keys.verifier())  # never store what does not verify
            stamp = timestamper.timestamp(text.encode("utf-8")) if timestamper else None
            row = models.LedgerCheckpoint(
                size=tree.size,
                root_hash=root,
                origin=keys.origin,
                key_name=keys.name,
                key_id=keys.verifier().key_id.hex(),
                text=text,
                signed_at=datetime.now(UTC),
                tsa_url=timestamper.url if timestamper else None,
                tsa_token=stamp.token if stamp else None,
                tsa_time=stamp.gen_time if stamp else None,
            )
            session.add(row)
            session.flush()
            signed = _as_checkpoint(row)
        _publish(keys, signed)
        return signed


def _check_extends(session: Session, previous: Checkpoint, size: int, root: bytes) -> None:
    if size < previous.size:
        raise log.LedgerError(
            f"the log holds {size} leaves but checkpoint of size {previous.size} was signed: "
            "leaves were deleted"
        )
    proof = log.consistency_proof(session, previous.size, size)
    if not merkle.verify_consistency(previous.size, size, previous.root_hash, root, proof):
        raise log.LedgerError(
            f"the log is not consistent with the checkpoint of size {previous.size}: "
            "it was rewritten"
        )


def _publish(keys: LedgerKeys, checkpoint: Checkpoint) -> None:
    path = keys.directory / f"checkpoint-{keys.origin.rsplit('/', 1)[-1]}.txt"
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(checkpoint.text, encoding="utf-8")
    os.replace(temporary, path)


def rotate_key(
    sessions: sessionmaker[Session],
    keys: LedgerKeys,
    *,
    timestamper: Timestamper | None = None,
) -> Checkpoint:
    """Replace the signing key; the rotation is a leaf both keys sign, and the first
    checkpoint signed by the new key covers it."""
    with keys.locked():
        old = keys.signing_key()
        new = keys.prepare_next()
        old_vkey = keys.vkey()
        new_vkey = vkey(keys.name, raw_public(new.public_key()))
        statement = f"{old_vkey}\n{new_vkey}\n".encode()
        with sessions() as session, session.begin():
            log.append_many(
                session,
                [
                    (
                        KEY_ROTATED,
                        {
                            "old_vkey": old_vkey,
                            "new_vkey": new_vkey,
                            # each key signs "old vkey LF new vkey LF"
                            "old_key_signature": base64.b64encode(old.sign(statement)).decode(),
                            "new_key_signature": base64.b64encode(new.sign(statement)).decode(),
                        },
                    )
                ],
            )
        keys.promote_next()
    return sign_checkpoint(sessions, keys, timestamper=timestamper)

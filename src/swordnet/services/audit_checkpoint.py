"""The audit trail's head, signed and kept beside the database.

Triggers stop an honest mistake, not someone who can write to the database: with them
dropped, rows can be deleted from the end, or every row re-chained. The checkpoint is
the anchor outside the rows: after each commit that appended events, the new head
(sequence number, event id, hash) is signed with an Ed25519 key kept in the data
directory and written to a file there. ``verify_against_checkpoint`` then finds a trail
shorter than its checkpoint (rows deleted) or one whose event at the signed position has
another hash (rows rewritten). Someone who controls both the database and the data
directory can forge both; the key's id is printed so that it can be noted elsewhere,
and the evidence ledger (signed, published checkpoints) closes that gap.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from swordnet.domain.errors import SwordNetError
from swordnet.services.audit import ChainHead, current_head
from swordnet.storage.models import AuditEvent

_FORMAT = "swordnet-audit-checkpoint/1"


class CheckpointError(SwordNetError):
    """The checkpoint file is unreadable or its signature does not verify."""


@dataclass(frozen=True, slots=True)
class SignedHead:
    format: str
    database: str
    seq: int
    event_id: int | None
    hash: str
    signed_at: str
    public_key: str  # base64 of the raw Ed25519 key
    signature: str  # base64, over ``signed_text``

    def signed_text(self) -> bytes:
        return f"{self.format}\n{self.database}\n{self.seq}\n{self.hash}\n".encode()

    @property
    def key_id(self) -> str:
        return key_id(base64.b64decode(self.public_key))


def key_id(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def database_identity(engine: Engine) -> str:
    """What the checkpoint is of: the database URL without its password."""
    return engine.url.render_as_string(hide_password=True)


class AuditCheckpoint:
    """The signed head of one database's audit trail, in ``<home>/audit/``."""

    def __init__(self, directory: Path, database: str) -> None:
        self.directory = directory
        self.database = database
        digest = hashlib.sha256(database.encode()).hexdigest()[:16]
        self.path = directory / f"checkpoint-{digest}.json"
        self.key_path = directory / "signing-key.pem"
        self._key: Ed25519PrivateKey | None = None  # read once: every commit signs

    # -- writing ------------------------------------------------------------------------
    def advance(self, head: ChainHead) -> None:
        """Sign ``head`` unless the checkpoint already holds it or a later one."""
        with self._locked():
            current = self._read_unverified()
            if current is not None and current.seq >= head.seq:
                return
            self._write(head)

    def _write(self, head: ChainHead) -> None:
        key = self._signing_key()
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        unsigned = SignedHead(
            _FORMAT,
            self.database,
            head.seq,
            head.event_id,
            head.hash,
            datetime.now(UTC).isoformat(timespec="seconds"),
            base64.b64encode(raw).decode(),
            "",
        )
        signature = base64.b64encode(key.sign(unsigned.signed_text())).decode()
        signed = SignedHead(**{**asdict(unsigned), "signature": signature})
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(asdict(signed), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)

    def retire(self) -> Path | None:
        """Set the checkpoint aside (the database was emptied on purpose)."""
        with self._locked():
            if not self.path.exists():
                return None
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            retired = self.path.with_name(f"{self.path.stem}.retired-{stamp}.json")
            os.replace(self.path, retired)
            return retired

    def _signing_key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = self._load_or_create_key()
        return self._key

    def _load_or_create_key(self) -> Ed25519PrivateKey:
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            pem = self.key_path.read_bytes()
        except FileNotFoundError:
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            # O_EXCL: of two processes creating the key at once, one wins, both use it
            with contextlib.suppress(FileExistsError):
                handle = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(handle, "wb") as file:
                    file.write(pem)
            pem = self.key_path.read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise CheckpointError(f"{self.key_path} is not an Ed25519 private key")
        return key

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- reading ------------------------------------------------------------------------
    def _read_unverified(self) -> SignedHead | None:
        try:
            payload = json.loads(self.path.read_text(encoding="utf-8"))
            return SignedHead(**payload)
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as exc:
            raise CheckpointError(f"{self.path} is not a checkpoint: {exc}") from exc

    def read(self) -> SignedHead | None:
        """The checkpoint, its signature verified; None when there is none yet."""
        signed = self._read_unverified()
        if signed is None:
            return None
        try:
            public = Ed25519PublicKey.from_public_bytes(base64.b64decode(signed.public_key))
            public.verify(base64.b64decode(signed.signature), signed.signed_text())
        except (InvalidSignature, ValueError) as exc:
            raise CheckpointError(f"{self.path}: the signature does not verify") from exc
        if self.key_path.exists():
            own = self._signing_key().public_key()
            raw = own.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            if base64.b64encode(raw).decode() != signed.public_key:
                raise CheckpointError(
                    f"{self.path} was signed by key {signed.key_id}, not by this data "
                    f"directory's key {key_id(raw)}"
                )
        return signed


def verify_against_checkpoint(session: Session, checkpoint: AuditCheckpoint) -> list[str]:
    """Problems between the rows and the signed head; empty when they agree."""
    try:
        signed = checkpoint.read()
    except CheckpointError as exc:
        return [str(exc)]
    if signed is None:
        return []
    if signed.database != checkpoint.database:
        return [f"{checkpoint.path} is the checkpoint of {signed.database}, not of this database"]
    head = current_head(session)
    if head.seq < signed.seq:
        return [
            f"the trail ends at event {head.seq} but event {signed.seq} was signed on "
            f"{signed.signed_at}: events were deleted (or this database is an older copy)"
        ]
    at_signed = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == signed.seq))
    if at_signed != signed.hash:
        return [
            f"event {signed.seq} differs from the one signed on {signed.signed_at}: "
            "the trail was rewritten"
        ]
    return []

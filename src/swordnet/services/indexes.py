"""Per-signal indexes, cached on disk and kept in step with the fingerprints in the database.

The database is the source of truth; an index file is a cache that is checked against it
on load: references missing from the file are added from their stored fingerprints, ones
no longer catalogued are removed, and an unreadable file is rebuilt.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from swordnet.plugins.signals import Fingerprint, SignalIndex, SignalType
from swordnet.storage import models

log = logging.getLogger(__name__)


def stored_fingerprint(row: models.Fingerprint) -> Fingerprint:
    return Fingerprint(row.signal, row.version, row.payload, row.length, row.unit, dict(row.meta))


class IndexStore:
    def __init__(self, signals: Mapping[str, SignalType], directory: Path) -> None:
        self.signals = signals
        self.directory = directory
        self._indexes: dict[str, SignalIndex] = {}
        self._dirty: set[str] = set()

    def path(self, signal: str) -> Path:
        return self.directory / f"{signal}.idx"

    def get(self, session: Session, signal: str) -> SignalIndex:
        """The index of ``signal``, loaded and reconciled with the database on first use."""
        index = self._indexes.get(signal)
        if index is None:
            index = self._load(signal)
            self._reconcile(session, signal, index)
            self._indexes[signal] = index
        return index

    def add(self, session: Session, ref_id: int, fingerprint: Fingerprint) -> None:
        self.get(session, fingerprint.signal).add(ref_id, fingerprint)
        self._dirty.add(fingerprint.signal)

    def remove(self, session: Session, ref_id: int) -> None:
        for name in self.signals:
            index = self.get(session, name)
            if ref_id in index.ref_ids():
                index.remove(ref_id)
                self._dirty.add(name)

    def persist_all(self, session: Session) -> None:
        """Bring every index up to date with the database and write it, so that worker
        processes can load current indexes from disk."""
        for name in self.signals:
            self.get(session, name)
            if not self.path(name).exists():
                self._dirty.add(name)
        self.save()

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for name in sorted(self._dirty):
            target = self.path(name)
            # A temporary file of its own: processes saving at once (parallel ``works add``)
            # must not write into one another's file nor rename it away. The last rename
            # wins; what it lacks is added back from the database when the index is loaded.
            descriptor, temporary = tempfile.mkstemp(
                prefix=f"{target.name}.", suffix=".tmp", dir=self.directory
            )
            try:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(self._indexes[name].serialize())
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        self._dirty.clear()

    def _load(self, signal: str) -> SignalIndex:
        kind = self.signals[signal]
        path = self.path(signal)
        if path.is_file():
            try:
                return kind.load_index(path.read_bytes())
            except Exception as exc:  # a damaged cache is rebuilt, never fatal
                log.warning("index %s is unreadable (%s); rebuilding it", path, exc)
        return kind.new_index()

    def _reconcile(self, session: Session, signal: str, index: SignalIndex) -> None:
        version = self.signals[signal].version
        stored = set(
            session.scalars(
                select(models.Fingerprint.reference_id).where(
                    models.Fingerprint.signal == signal, models.Fingerprint.version == version
                )
            )
        )
        outdated = session.scalar(
            select(func.count())
            .select_from(models.Fingerprint)
            .where(models.Fingerprint.signal == signal, models.Fingerprint.version != version)
        )
        if outdated:
            log.warning(
                "%d reference(s) have %s fingerprints of another version than %d and are not "
                "matched until `swordnet works refingerprint` redoes them",
                outdated,
                signal,
                version,
            )
        held = index.ref_ids()
        for ref_id in held - stored:
            index.remove(ref_id)
        missing = stored - held
        if missing:
            rows = session.scalars(
                select(models.Fingerprint).where(
                    models.Fingerprint.signal == signal,
                    models.Fingerprint.reference_id.in_(missing),
                )
            )
            index.add_many((row.reference_id, stored_fingerprint(row)) for row in rows)
        if missing or held - stored:
            self._dirty.add(signal)

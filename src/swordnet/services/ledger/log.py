"""The evidence log: RFC 9162 leaves in the database, appended at commit, never changed.

``record`` notes a leaf; it is appended when the session's transaction commits (and
forgotten if it rolls back), like ``audit.record``. The append locks the one
``ledger_head`` row first, at commit, so any number of processes can commit at once and
the log stays one line; ``append_many`` appends at once (the lock is then held until
commit: use it in a short transaction of its own). Besides the leaves, every complete
subtree's hash is stored (``ledger_node``), so that a proof or a root for any size reads
at most about 2 log2(n) rows by primary key.

A leaf's data are the canonical JSON bytes of {"at", "kind", "record"}: keys sorted,
no spaces, UTF-8 (non-ASCII kept as is), ``at`` in ISO 8601 UTC with microseconds and a
"Z"; its hash is SHA-256(0x00 || data). See docs/evidence-ledger.md.

This module imports ``services.audit`` on purpose: its ``before_commit`` hook is then
registered before ours in every process, so a transaction that writes both always takes
the audit head's lock before the ledger head's, and two such transactions cannot deadlock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, event, insert, literal, or_, select, union_all, update
from sqlalchemy.orm import Session

from swordnet.domain import merkle
from swordnet.domain.errors import NotFoundError, SwordNetError
from swordnet.services import audit as _audit  # noqa: F401  (hook order, see above)
from swordnet.storage import models

_PENDING = "swordnet.ledger.pending"
_LEAVES = cast(Table, models.LedgerLeaf.__table__)
_NODES = cast(Table, models.LedgerNode.__table__)
_HEAD = cast(Table, models.LedgerHead.__table__)
_CHUNK = 5000  # rows per INSERT batch, keeps statements and memory bounded


class LedgerError(SwordNetError):
    """The log's rows disagree with each other: it was changed outside SwordNet."""


@dataclass(frozen=True, slots=True)
class LeafRow:
    index: int
    kind: str
    data: bytes  # the canonical JSON bytes the leaf hash is over
    leaf_hash: bytes
    at: datetime

    @property
    def record(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.data)["record"]
        return parsed


@dataclass(frozen=True, slots=True)
class TreeHead:
    size: int
    root_hash: bytes


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: str
    ref: str | None
    at: datetime
    data: bytes


# -- the leaf's bytes ---------------------------------------------------------------------
def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8, no NaN or infinity."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def format_time(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime: ledger times are UTC")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_data(kind: str, at: datetime, record: Mapping[str, Any]) -> bytes:
    """The exact bytes of a leaf: canonical JSON of {"at", "kind", "record"}."""
    return canonical_json({"at": format_time(at), "kind": kind, "record": record})


def _entry(kind: str, record: Mapping[str, Any], ref: str | int | None) -> _Entry:
    if not kind or len(kind) > 64:
        raise ValueError("a leaf's kind is 1 to 64 characters")
    # JSON-native values only: what is hashed is what is stored and read back
    clean = json.loads(json.dumps(record, default=str))
    subject = ref if ref is not None else clean.get("id")
    at = datetime.now(UTC)
    return _Entry(kind, None if subject is None else str(subject), at, leaf_data(kind, at, clean))


# -- writing ------------------------------------------------------------------------------
def record(
    session: Session, kind: str, record: Mapping[str, Any], *, ref: str | int | None = None
) -> None:
    """Note a leaf; it is appended when the session's transaction commits.

    ``ref``: what ``leaves_for(kind, ref)`` finds it by; default the record's ``id``.
    """
    pending: list[_Entry] = session.info.setdefault(_PENDING, [])
    pending.append(_entry(kind, record, ref))


def append_many(session: Session, entries: Iterable[tuple[str, Mapping[str, Any]]]) -> range:
    """Append leaves now, in this transaction; returns their indices.

    Takes the head's lock at once and keeps it until the transaction ends."""
    return _append(session, [_entry(kind, rec, None) for kind, rec in entries])


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    pending: list[_Entry] = session.info.pop(_PENDING, [])
    if pending:
        _append(session, pending)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _lock_head(session: Session) -> TreeHead:
    if session.get_bind().dialect.name == "sqlite":
        # a write takes SQLite's one write lock until commit; a SELECT alone would not
        session.execute(update(_HEAD).where(_HEAD.c.id == 1).values(size=_HEAD.c.size))
    row = session.execute(
        select(_HEAD.c.size, _HEAD.c.root_hash).where(_HEAD.c.id == 1).with_for_update()
    ).first()
    if row is None:  # the migration writes the row; a database without it starts the log
        session.execute(insert(_HEAD).values(id=1, size=0, root_hash=merkle.EMPTY_ROOT))
        return TreeHead(0, merkle.EMPTY_ROOT)
    return TreeHead(int(row.size), bytes(row.root_hash))


def _append(session: Session, entries: list[_Entry]) -> range:
    if not entries:
        return range(0)
    head = _lock_head(session)
    size = head.size
    known = _read_nodes(session, merkle.compact_range(size))
    lookup = _lookup(known)
    leaf_rows: list[dict[str, Any]] = []
    node_rows: list[dict[str, Any]] = []
    for offset, item in enumerate(entries):
        index = size + offset
        digest = merkle.leaf_hash(item.data)
        known[(0, index)] = digest
        leaf_rows.append(
            {
                "idx": index,
                "kind": item.kind,
                "ref": item.ref,
                "at": item.at,
                "data": item.data,
                "leaf_hash": digest,
            }
        )
        for level, position, node in merkle.completed_nodes(index, digest, lookup):
            known[(level, position)] = node
            node_rows.append({"level": level, "idx": position, "hash": node})
    connection = session.connection()
    for rows, table in ((leaf_rows, _LEAVES), (node_rows, _NODES)):
        for start in range(0, len(rows), _CHUNK):
            connection.execute(insert(table), rows[start : start + _CHUNK])
    new_size = size + len(entries)
    root = merkle.root_hash(new_size, lookup)
    connection.execute(update(_HEAD).where(_HEAD.c.id == 1).values(size=new_size, root_hash=root))
    return range(size, new_size)


# -- reading ------------------------------------------------------------------------------
def _lookup(nodes: dict[tuple[int, int], bytes]) -> merkle.NodeLookup:
    return lambda level, index: nodes[(level, index)]


def _read_nodes(
    session: Session, wanted: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """The stored hashes of complete subtrees (level 0: leaf hashes), by (level, index),
    in one round trip."""
    wanted = list(wanted)
    if not wanted:
        return {}
    leaves = [index for level, index in wanted if level == 0]
    inner = [(level, index) for level, index in wanted if level > 0]
    parts = []
    if leaves:
        parts.append(
            select(literal(0).label("level"), _LEAVES.c.idx, _LEAVES.c.leaf_hash).where(
                _LEAVES.c.idx.in_(leaves)
            )
        )
    if inner:
        parts.append(_nodes_query(inner))
    query = parts[0] if len(parts) == 1 else union_all(*parts)
    found = {(int(lv), int(ix)): bytes(h) for lv, ix, h in session.execute(query)}
    missing = [node for node in wanted if node not in found]
    if missing:
        level, index = missing[0]
        raise _MissingNodeError(
            f"the log's node at level {level}, index {index} is missing: the ledger tables "
            "were changed outside SwordNet"
        )
    return found


class _MissingNodeError(LedgerError):
    """A node a proof needs is not stored: asked past the end, or the tables were changed."""


def _nodes_for(session: Session, size: int, ranges: list[tuple[int, int]]) -> merkle.NodeLookup:
    """The lookup over the nodes ``ranges`` need, in a tree of ``size`` leaves."""
    try:
        return _lookup(_read_nodes(session, merkle.nodes_for(ranges)))
    except _MissingNodeError:
        _check_size(session, size)  # asked past the end: say so, else the tables changed
        raise


def tree_head(session: Session) -> TreeHead:
    """The log's size and root as the head row says (cheap; ``root_at`` recomputes)."""
    row = session.execute(select(_HEAD.c.size, _HEAD.c.root_hash).where(_HEAD.c.id == 1)).first()
    if row is None:
        return TreeHead(0, merkle.EMPTY_ROOT)
    return TreeHead(int(row.size), bytes(row.root_hash))


def _check_size(session: Session, size: int) -> None:
    current = tree_head(session).size
    if size > current:
        raise NotFoundError(f"the log has {current} leaves, not {size}")


def root_at(session: Session, size: int) -> bytes:
    """MTH of the first ``size`` leaves, from the stored subtrees."""
    if size == 0:
        return merkle.EMPTY_ROOT
    return merkle.root_hash(size, _nodes_for(session, size, [(0, size)]))


def inclusion_proof(session: Session, index: int, tree_size: int | None = None) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``tree_size`` leaves
    (default: the whole log)."""
    size = tree_head(session).size if tree_size is None else tree_size
    try:
        ranges = merkle.inclusion_ranges(index, size)
    except merkle.ProofError as exc:
        raise NotFoundError(str(exc)) from exc
    lookup = _nodes_for(session, size, ranges)
    return [merkle.range_hash(a, b, lookup) for a, b in ranges]


def inclusion_proofs(
    session: Session, indices: Iterable[int], tree_size: int
) -> dict[int, list[bytes]]:
    """Many inclusion proofs in one tree (an evidence bundle's): the subtrees they share
    are read once, a few thousand per query, instead of one query per proof."""
    wanted_ranges: dict[int, list[tuple[int, int]]] = {}
    for index in indices:
        try:
            wanted_ranges[index] = merkle.inclusion_ranges(index, tree_size)
        except merkle.ProofError as exc:
            raise NotFoundError(str(exc)) from exc
    nodes = merkle.nodes_for([r for ranges in wanted_ranges.values() for r in ranges])
    known: dict[tuple[int, int], bytes] = {}
    try:
        for start in range(0, len(nodes), 2000):
            known.update(_read_nodes(session, nodes[start : start + 2000]))
    except _MissingNodeError:
        _check_size(session, tree_size)
        raise
    lookup = _lookup(known)
    return {
        index: [merkle.range_hash(a, b, lookup) for a, b in ranges]
        for index, ranges in wanted_ranges.items()
    }


def consistency_proof(session: Session, old_size: int, new_size: int) -> list[bytes]:
    """The RFC 9162 consistency proof between the trees of ``old_size`` and ``new_size``."""
    try:
        ranges = merkle.consistency_ranges(old_size, new_size)
    except merkle.ProofError as exc:
        raise NotFoundError(str(exc)) from exc
    if not ranges:
        _check_size(session, new_size)
    lookup = _nodes_for(session, new_size, ranges)
    return [merkle.range_hash(a, b, lookup) for a, b in ranges]


def leaf(session: Session, index: int) -> LeafRow:
    row = session.execute(
        select(
            _LEAVES.c.idx, _LEAVES.c.kind, _LEAVES.c.data, _LEAVES.c.leaf_hash, _LEAVES.c.at
        ).where(_LEAVES.c.idx == index)
    ).first()
    if row is None:
        raise NotFoundError(f"the log has no leaf {index}")
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
    return LeafRow(int(row.idx), str(row.kind), bytes(row.data), bytes(row.leaf_hash), at)


def leaves(session: Session, indices: Iterable[int]) -> dict[int, LeafRow]:
    """Many leaves by index, a few thousand per query; NotFoundError if one is missing."""
    wanted = sorted(set(indices))
    found: dict[int, LeafRow] = {}
    columns = (_LEAVES.c.idx, _LEAVES.c.kind, _LEAVES.c.data, _LEAVES.c.leaf_hash, _LEAVES.c.at)
    for start in range(0, len(wanted), 2000):
        chunk = wanted[start : start + 2000]
        for row in session.execute(select(*columns).where(_LEAVES.c.idx.in_(chunk))):
            at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
            found[int(row.idx)] = LeafRow(
                int(row.idx), str(row.kind), bytes(row.data), bytes(row.leaf_hash), at
            )
    missing = [index for index in wanted if index not in found]
    if missing:
        raise NotFoundError(f"the log has no leaf {missing[0]}")
    return found


def leaves_for(session: Session, kind: str, ref: str | int) -> list[int]:
    """The indices of the leaves of ``kind`` about ``ref`` (a capture's, detection's,
    notice's id...), oldest first."""
    return list(
        session.scalars(
            select(_LEAVES.c.idx)
            .where(_LEAVES.c.kind == kind, _LEAVES.c.ref == str(ref))
            .order_by(_LEAVES.c.idx)
        )
    )


def verify_log(session: Session, *, batch: int = 10_000) -> list[str]:
    """Problems found by recomputing the whole log from its leaves' bytes: each leaf hash,
    every stored node, the head's root. Empty when they agree. Reads every row."""
    problems: list[str] = []
    frontier: dict[tuple[int, int], bytes] = {}
    expected = 0
    last = -1
    while True:
        rows = session.execute(
            select(_LEAVES.c.idx, _LEAVES.c.data, _LEAVES.c.leaf_hash)
            .where(_LEAVES.c.idx > last)
            .order_by(_LEAVES.c.idx)
            .limit(batch)
        ).all()
        if not rows:
            break
        made: list[tuple[int, int, bytes]] = []
        for idx, data, stored in rows:
            if idx != expected:
                problems.append(f"leaf {expected} is missing (next stored: {idx})")
                return problems
            digest = merkle.leaf_hash(bytes(data))
            if digest != bytes(stored):
                problems.append(f"leaf {idx}: its data do not match its leaf hash")
            frontier[(0, idx)] = digest
            completed = merkle.completed_nodes(idx, digest, _lookup(frontier))
            for level, position, node in completed:
                frontier[(level, position)] = node
            made.extend(completed)
            expected += 1
            last = idx
        stored_nodes = _read_nodes_lenient(session, [(lv, ix) for lv, ix, _ in made])
        problems.extend(
            f"node at level {lv}, index {ix} does not match the leaves below it"
            for lv, ix, node in made
            if stored_nodes.get((lv, ix)) != node
        )
        # keep only what later appends need: the compact range of what was read
        keep = set(merkle.compact_range(expected))
        frontier = {key: value for key, value in frontier.items() if key in keep}
    head = tree_head(session)
    if head.size != expected:
        problems.append(f"the head says {head.size} leaves, the log holds {expected}")
    elif merkle.root_hash(expected, _lookup(frontier)) != head.root_hash:
        problems.append("the head's root hash does not match the leaves")
    return problems


def _read_nodes_lenient(
    session: Session, wanted: list[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    found: dict[tuple[int, int], bytes] = {}
    for start in range(0, len(wanted), 500):
        found.update(_select_nodes(session, wanted[start : start + 500]))
    return found


def _nodes_query(wanted: list[tuple[int, int]]) -> Select[int, int, bytes]:
    """Nodes by primary key, grouped by level as (level = L AND idx IN (...)) OR ...:
    SQLite scans the whole table for a row-value IN, but searches the key for this."""
    by_level: dict[int, list[int]] = {}
    for level, index in wanted:
        by_level.setdefault(level, []).append(index)
    condition = or_(
        *(and_(_NODES.c.level == level, _NODES.c.idx.in_(ids)) for level, ids in by_level.items())
    )
    return select(_NODES.c.level, _NODES.c.idx, _NODES.c.hash).where(condition)


def _select_nodes(session: Session, wanted: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    return {(int(lv), int(ix)): bytes(h) for lv, ix, h in session.execute(_nodes_query(wanted))}

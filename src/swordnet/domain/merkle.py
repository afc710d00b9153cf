"""Merkle tree hashing and proofs exactly as RFC 9162 (Certificate Transparency 2.0) §2.1.

Pure: no I/O. The log's storage hands in the hashes it keeps through ``NodeLookup``
(a complete, aligned subtree's hash by level and index), so a proof for a log of a
million leaves touches a few dozen stored hashes instead of every leaf.

Names follow the RFC: MTH is the Merkle Tree Hash, PATH the inclusion proof (§2.1.3.1),
PROOF/SUBPROOF the consistency proof (§2.1.4.1); ``verify_inclusion`` and
``verify_consistency`` are the verification algorithms of §2.1.3.2 and §2.1.4.2 step by
step, including the final "sn is 0" check that hand-written verifiers often forget.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = SHA-256()

# (level, index) -> the hash of leaves [index * 2**level, (index + 1) * 2**level)
NodeLookup = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof was asked for sizes or indices the tree does not have."""


def leaf_hash(data: bytes) -> bytes:
    """MTH({d0}) = SHA-256(0x00 || d0)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1), as the RFC splits a tree."""
    if n < 2:
        raise ValueError("a tree of fewer than two leaves is not split")
    return 1 << ((n - 1).bit_length() - 1)


# -- the tree hash over stored nodes ------------------------------------------------------
def range_hash(start: int, end: int, lookup: NodeLookup) -> bytes:
    """MTH(D[start:end]) from stored complete subtrees.

    A range that is a complete subtree (its length a power of two, its start a multiple
    of it) is looked up; any other is split as MTH splits it.
    """
    n = end - start
    if n <= 0:
        if n == 0 and start == 0:
            return EMPTY_ROOT
        raise ProofError(f"empty or reversed range [{start}, {end})")
    if n & (n - 1) == 0 and start % n == 0:
        return lookup(n.bit_length() - 1, start // n)
    k = largest_power_of_two_below(n)
    return node_hash(range_hash(start, start + k, lookup), range_hash(start + k, end, lookup))


def range_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The (level, index) of the stored subtrees ``range_hash(start, end)`` reads."""
    needed: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        needed.append((level, index))
        return EMPTY_ROOT

    range_hash(start, end, record)
    return needed


def root_hash(size: int, lookup: NodeLookup) -> bytes:
    """MTH of the first ``size`` leaves."""
    return EMPTY_ROOT if size == 0 else range_hash(0, size, lookup)


def tree_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a tree given all its leaf hashes (the naive way: reads every leaf)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        # pairs up left to right; an odd last node is promoted, as MTH's split implies
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def memory_lookup(leaf_hashes: Sequence[bytes]) -> NodeLookup:
    """A ``NodeLookup`` over leaf hashes held in memory (tests, small trees)."""
    levels = [list(leaf_hashes)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return lambda level, index: levels[level][index]


# -- proofs: which ranges, then their hashes ----------------------------------------------
def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose MTH make PATH(index, D[size]), in proof order (leaf side first)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:  # PATH(m, D[n]) for n > 1
        k = largest_power_of_two_below(end - start)
        if index - start < k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            ranges.append((start + k, end))
            end = start + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            ranges.append((start, start + k))
            start += k
    ranges.reverse()  # the recursion appends the top-most sibling last
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The ranges whose MTH make PROOF(old_size, D[new_size]), in proof order."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []  # nothing to prove: every tree extends the empty one and itself
    ranges: list[tuple[int, int]] = []
    m, start, end, complete = old_size, 0, new_size, True
    while True:  # SUBPROOF(m, D[start:end], complete)
        n = end - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            break
        k = largest_power_of_two_below(n)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            ranges.append((start + k, end))
            end = start + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            ranges.append((start, start + k))
            m, start, complete = m - k, start + k, False
    ranges.reverse()
    return ranges


def nodes_for(ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every stored subtree the hashes of ``ranges`` read, without repeats."""
    seen: dict[tuple[int, int], None] = {}
    for start, end in ranges:
        for node in range_nodes(start, end):
            seen.setdefault(node, None)
    return list(seen)


def inclusion_proof(index: int, size: int, lookup: NodeLookup) -> list[bytes]:
    return [range_hash(a, b, lookup) for a, b in inclusion_ranges(index, size)]


def consistency_proof(old_size: int, new_size: int, lookup: NodeLookup) -> list[bytes]:
    return [range_hash(a, b, lookup) for a, b in consistency_ranges(old_size, new_size)]


# -- verification: RFC 9162 §2.1.3.2 and §2.1.4.2, step by step ----------------------------
def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True when ``proof`` shows the leaf hash ``leaf`` at ``index`` of the tree ``root``."""
    if index >= size or index < 0:  # step 1
        return False
    fn, sn = index, size - 1  # step 2
    r = leaf  # step 3
    for p in proof:  # step 4
        if len(p) != HASH_SIZE:
            return False
        if sn == 0:  # 4a
            return False
        if fn & 1 or fn == sn:  # 4b
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # 4c
        sn >>= 1
    return sn == 0 and r == root  # step 5


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows the tree ``new_root`` extends the tree ``old_root``."""
    if old_size < 0 or new_size < old_size:
        return False
    if old_size == new_size:  # the RFC's 0 < first < second: same tree, nothing to prove
        return not proof and old_root == new_root
    if old_size == 0:  # every tree extends the empty one
        return not proof and old_root == EMPTY_ROOT
    path = list(proof)
    if not path:  # step 1
        return False
    if any(len(c) != HASH_SIZE for c in path):
        return False
    if old_size & (old_size - 1) == 0:  # step 2: first is an exact power of 2
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:  # 6a
            return False
        if fn & 1 or fn == sn:  # 6b
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # 6c
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0  # step 7


# -- appending: the hashes a new leaf completes -------------------------------------------
def completed_nodes(index: int, leaf: bytes, lookup: NodeLookup) -> list[tuple[int, int, bytes]]:
    """The (level, index, hash) of every subtree that leaf ``index`` completes, level >= 1.

    ``lookup`` must know the subtrees completed by earlier leaves (their left siblings).
    """
    made: list[tuple[int, int, bytes]] = []
    current, position, level = leaf, index, 0
    while position & 1:  # a right child: its parent is complete now
        current = node_hash(lookup(level, position - 1), current)
        level += 1
        position >>= 1
        made.append((level, position, current))
    return made


def compact_range(size: int) -> list[tuple[int, int]]:
    """(level, index) of the complete subtrees that make up a tree of ``size`` leaves,
    largest first: the only nodes an append needs to know."""
    nodes: list[tuple[int, int]] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes

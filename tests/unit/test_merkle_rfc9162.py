"""The ledger's hashing and proofs against RFC 9162 §2.1, derived independently.

The reference below is written straight from the RFC's recursive definitions (MTH in
§2.1.1, PATH in §2.1.3.1, PROOF/SUBPROOF in §2.1.4.1) over lists of leaf data, sharing
no code with ``swordnet.domain.merkle``: the implementation (stored subtrees, iterative
proof ranges, the §2.1.3.2/§2.1.4.2 verifiers) must agree with it for every tree of 1 to
64 leaves, every leaf and every pair of sizes. The hex vectors for sizes 1 to 3 were
computed by hand from the definitions (sha256 of the bytes written out in the comments).
"""

from __future__ import annotations

import hashlib

import pytest

from swordnet.domain import merkle


# -- the reference: the RFC's definitions, as literally as Python allows ----------------
def ref_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < n:  # the largest power of two smaller than n
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


# -- the data -------------------------------------------------------------------------
DATA = [f"leaf {i}".encode() for i in range(64)]
LEAVES = [merkle.leaf_hash(d) for d in DATA]
LOOKUP = merkle.memory_lookup(LEAVES)
SIZES = range(1, 65)


def test_hand_computed_vectors() -> None:
    # MTH({}) = SHA-256("")
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    # size 1, data "" : SHA-256(00)
    assert merkle.leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    # sizes 1-3 over the one-byte leaves 00, 01, 02 (computed with sha256sum and xxd):
    la = bytes.fromhex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")
    lb = bytes.fromhex("b413f47d13ee2fe6c845b2ee141af81de858df4ec549a58b7970bb96645bc8d2")
    lc = bytes.fromhex("fcf0a6c700dd13e274b6fba8deea8dd9b26e4eedde3495717cac8408c9c5177f")
    # SHA-256(01 || la || lb): the root of size 2
    ab = bytes.fromhex("a20bf9a7cc2dc8a08f5f415a71b19f6ac427bab54d24eec868b5d3103449953a")
    # size 3: k = 2, SHA-256(01 || MTH(D[0:2]) || MTH(D[2:3]))
    abc = bytes.fromhex("3b6cccd7e3e023ff393006f030315ee7ad9eb111b022b41fba7e5b7a3973f688")
    hashes = [merkle.leaf_hash(bytes([i])) for i in range(3)]
    assert hashes == [la, lb, lc]
    assert merkle.node_hash(la, lb) == ab
    assert merkle.tree_hash(hashes[:1]) == la
    assert merkle.tree_hash(hashes[:2]) == ab
    assert merkle.tree_hash(hashes) == abc
    assert merkle.root_hash(3, merkle.memory_lookup(hashes)) == abc
    lookup = merkle.memory_lookup(hashes)
    assert merkle.inclusion_proof(0, 3, lookup) == [lb, lc]  # PATH(0, D[3])
    assert merkle.inclusion_proof(2, 3, lookup) == [ab]  # PATH(2, D[3])
    assert merkle.consistency_proof(1, 3, lookup) == [lb, lc]  # PROOF(1, D[3])
    assert merkle.consistency_proof(2, 3, lookup) == [lc]  # PROOF(2, D[3]) (2 is 2^1)
    assert merkle.consistency_proof(1, 2, lookup) == [lb]


@pytest.mark.parametrize("size", SIZES)
def test_tree_hash_matches_the_definition(size: int) -> None:
    expected = ref_mth(DATA[:size])
    assert merkle.root_hash(size, LOOKUP) == expected
    assert merkle.tree_hash(LEAVES[:size]) == expected


@pytest.mark.parametrize("size", SIZES)
def test_inclusion_proofs_match_and_verify(size: int) -> None:
    root = ref_mth(DATA[:size])
    for index in range(size):
        proof = merkle.inclusion_proof(index, size, LOOKUP)
        assert proof == ref_path(index, DATA[:size]), (index, size)
        assert merkle.verify_inclusion(LEAVES[index], index, size, proof, root)
        # the wrong leaf, index or size is refused
        other = LEAVES[(index + 1) % 64]
        assert not merkle.verify_inclusion(other, index, size, proof, root)
        if size > 1:
            assert not merkle.verify_inclusion(LEAVES[index], (index + 1) % size, size, proof, root)
        wrong_root = LEAVES[index] if size > 1 else LEAVES[index + 1]
        assert not merkle.verify_inclusion(LEAVES[index], index, size, proof, wrong_root)
        assert not merkle.verify_inclusion(LEAVES[index], index, size, [*proof, root], root)
        if proof:
            assert not merkle.verify_inclusion(LEAVES[index], index, size, proof[:-1], root)


@pytest.mark.parametrize("new", SIZES)
def test_consistency_proofs_match_and_verify(new: int) -> None:
    new_root = ref_mth(DATA[:new])
    for old in range(1, new + 1):
        old_root = ref_mth(DATA[:old])
        proof = merkle.consistency_proof(old, new, LOOKUP)
        assert proof == ref_proof(old, DATA[:new]), (old, new)
        assert merkle.verify_consistency(old, new, old_root, new_root, proof)
        if old < new:
            assert not merkle.verify_consistency(old, new, new_root, new_root, proof)
            assert not merkle.verify_consistency(old, new, old_root, old_root, proof)
            assert not merkle.verify_consistency(old, new, old_root, new_root, proof[:-1])
            assert not merkle.verify_consistency(old, new, old_root, new_root, [*proof, new_root])


def _bit_flips(proof: list[bytes]) -> list[list[bytes]]:
    flipped = []
    for position, element in enumerate(proof):
        for bit in range(len(element) * 8):
            changed = bytearray(element)
            changed[bit // 8] ^= 1 << (bit % 8)
            flipped.append([*proof[:position], bytes(changed), *proof[position + 1 :]])
    return flipped


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13, 32, 33, 64])
def test_every_single_bit_change_of_an_inclusion_proof_is_refused(size: int) -> None:
    root = ref_mth(DATA[:size])
    for index in range(size):
        proof = merkle.inclusion_proof(index, size, LOOKUP)
        for changed in _bit_flips(proof):
            assert not merkle.verify_inclusion(LEAVES[index], index, size, changed, root)


@pytest.mark.parametrize("new", [2, 3, 5, 7, 8, 13, 32, 33, 64])
def test_every_single_bit_change_of_a_consistency_proof_is_refused(new: int) -> None:
    new_root = ref_mth(DATA[:new])
    for old in range(1, new):
        old_root = ref_mth(DATA[:old])
        proof = merkle.consistency_proof(old, new, LOOKUP)
        for changed in _bit_flips(proof):
            assert not merkle.verify_consistency(old, new, old_root, new_root, changed)


def test_bad_requests_are_refused() -> None:
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(5, 5, LOOKUP)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(6, 5, LOOKUP)
    assert merkle.consistency_proof(0, 5, LOOKUP) == []
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, ref_mth(DATA[:5]), [])
    assert not merkle.verify_inclusion(LEAVES[0], 0, 0, [], merkle.EMPTY_ROOT)
    # a proof too short for its size: the final sn == 0 check refuses it
    root4 = ref_mth(DATA[:4])
    assert not merkle.verify_inclusion(LEAVES[0], 0, 4, [LEAVES[1]], merkle.node_hash(*LEAVES[:2]))
    assert merkle.verify_inclusion(LEAVES[0], 0, 4, merkle.inclusion_proof(0, 4, LOOKUP), root4)


def test_appending_builds_the_same_nodes() -> None:
    stored: dict[tuple[int, int], bytes] = {}
    for index, leaf in enumerate(LEAVES):
        stored[(0, index)] = leaf
        for level, position, digest in merkle.completed_nodes(
            index, leaf, lambda lv, ix: stored[(lv, ix)]
        ):
            stored[(level, position)] = digest
        size = index + 1
        assert merkle.root_hash(size, lambda lv, ix: stored[(lv, ix)]) == ref_mth(DATA[:size])
        assert sum(1 << level for level, _ in merkle.compact_range(size)) == size

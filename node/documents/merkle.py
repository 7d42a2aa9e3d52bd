"""Merkle trees that match OpenZeppelin's ``StandardMerkleTree`` byte for byte.

Same leaf hash (``keccak256(keccak256(abi.encode(...)))``, double hashed so a
leaf can never be mistaken for an inner node), same sorted-pair node hash, same
leaf sorting and same array layout, hence the same root and proofs as
``@openzeppelin/merkle-tree`` and proofs that ``MerkleProof.verify`` accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_abi.abi import encode

from node.documents.canonical import keccak256


def leaf_hash(types: Sequence[str], value: Sequence[Any]) -> bytes:
    """The standard leaf of ``value`` ABI-encoded as ``types``."""
    return keccak256(keccak256(encode(list(types), list(value))))


def leaf_of_digest(digest: bytes) -> bytes:
    """The leaf of one document digest, as ``AnchorRegistry.leafOf`` computes it.

    A ``bytes32`` ABI-encodes as itself, so no encoder is needed (an audit takes
    the leaf of every anchored document).
    """
    if len(digest) != 32:
        raise ValueError(f"a digest has 32 bytes, not {len(digest)}")
    return keccak256(keccak256(digest))


def node_hash(a: bytes, b: bytes) -> bytes:
    """An inner node: keccak-256 of the two children in ascending byte order."""
    return keccak256(a + b if a <= b else b + a)


def process_proof(leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf``.

    The last few results are remembered: a verification walks the same proof
    twice, in its own check and as the chain index's AnchorRegistry verdict.
    """
    return _root(leaf, tuple(proof))


@lru_cache(maxsize=256)
def _root(leaf: bytes, proof: tuple[bytes, ...]) -> bytes:
    computed = leaf
    for sibling in proof:
        computed = node_hash(computed, sibling)
    return computed


@dataclass(frozen=True)
class StandardMerkleTree:
    """A built tree: ``tree`` is the OpenZeppelin node array, root first."""

    tree: tuple[bytes, ...]
    values: tuple[tuple[Any, ...], ...]
    types: tuple[str, ...]
    tree_indices: tuple[int, ...]
    """``tree_indices[i]`` is where ``values[i]``'s leaf sits in ``tree``."""

    @classmethod
    def of(cls, values: Sequence[Sequence[Any]], types: Sequence[str]) -> StandardMerkleTree:
        """Build the tree of ``values`` (leaves sorted, as OpenZeppelin does by default)."""
        if not values:
            raise ValueError("a Merkle tree needs at least one leaf")
        kinds = tuple(types)
        return cls._build([leaf_hash(kinds, value) for value in values], values, kinds)

    @classmethod
    def of_digests(cls, digests: Sequence[bytes]) -> StandardMerkleTree:
        """The tree of ``bytes32`` document digests: ``of([[d] for d in digests], ["bytes32"])``
        without the ABI encoder."""
        if not digests:
            raise ValueError("a Merkle tree needs at least one leaf")
        leaves = [leaf_of_digest(digest) for digest in digests]
        return cls._build(leaves, [(digest,) for digest in digests], ("bytes32",))

    @classmethod
    def _build(
        cls, leaves: Sequence[bytes], values: Sequence[Sequence[Any]], kinds: tuple[str, ...]
    ) -> StandardMerkleTree:
        hashed = sorted((leaf, index) for index, leaf in enumerate(leaves))
        size = 2 * len(hashed) - 1
        tree: list[bytes] = [b""] * size
        tree_indices = [0] * len(values)
        for position, (leaf, value_index) in enumerate(hashed):
            tree[size - 1 - position] = leaf
            tree_indices[value_index] = size - 1 - position
        for node in range(size - 1 - len(hashed), -1, -1):
            tree[node] = node_hash(tree[2 * node + 1], tree[2 * node + 2])
        return cls(
            tree=tuple(tree),
            values=tuple(tuple(value) for value in values),
            types=kinds,
            tree_indices=tuple(tree_indices),
        )

    @property
    def root(self) -> bytes:
        return self.tree[0]

    def leaf_hash(self, value: Sequence[Any]) -> bytes:
        return leaf_hash(self.types, value)

    def proof(self, value_index: int) -> list[bytes]:
        """Sibling hashes from the leaf of ``values[value_index]`` up to the root."""
        node = self.tree_indices[value_index]
        proof: list[bytes] = []
        while node > 0:
            sibling = node - 1 if node % 2 == 0 else node + 1
            proof.append(self.tree[sibling])
            node = (node - 1) // 2
        return proof

    def verify(self, value: Sequence[Any], proof: Sequence[bytes]) -> bool:
        return process_proof(self.leaf_hash(value), proof) == self.root

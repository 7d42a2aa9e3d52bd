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
    """The leaf of one document digest, as ``AnchorRegistry.leafOf`` computes it."""
    return leaf_hash(("bytes32",), (digest,))


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
        hashed = sorted(
            ((leaf_hash(kinds, value), index) for index, value in enumerate(values)),
        )
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

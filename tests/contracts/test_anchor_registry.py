"""AnchorRegistry: single digests, batch roots, Merkle proofs, the standard leaf."""

from __future__ import annotations

import pytest

from node.chain.events import BatchAnchored, DigestAnchored
from node.chain.revert_errors import (
    AnchorRegistryAlreadyAnchoredError,
    AnchorRegistryEmptyBatchError,
    AnchorRegistryNotActiveCentreError,
    AnchorRegistryZeroDigestError,
)
from node.chain.types import Anchor
from node.documents.merkle import StandardMerkleTree, leaf_of_digest
from tests.contracts.conftest import Consortium
from tests.contracts.helpers import (
    ZERO,
    b32,
    block_timestamp,
    ev,
    reverts,
    strip,
)


def _digests(label: str, count: int) -> list[bytes]:
    return [b32(f"{label} {index}") for index in range(count)]


def _tree(digests: list[bytes]) -> StandardMerkleTree:
    return StandardMerkleTree.of([[digest] for digest in digests], ["bytes32"])


def _proof(tree: StandardMerkleTree, digest: bytes) -> list[bytes]:
    return tree.proof(tree.values.index((digest,)))


def test_anchor_records_centre_time_and_block(consortium: Consortium) -> None:
    b = consortium.b
    digest, kind, subject = b32("contract.pdf"), b32("registration"), b32("certificate 7")
    assert b.anchors.is_anchored(digest) is False
    assert b.anchors.anchor_of(digest) == Anchor(0, 0, 0, 0)
    assert b.anchors.anchor_of(digest).exists is False

    receipt = b.anchors.anchor(digest, kind, subject)
    block = receipt["blockNumber"]
    anchor = b.anchors.anchor_of(digest)
    assert anchor == Anchor(2, block_timestamp(consortium, receipt), block, 0)
    assert anchor.exists is True
    assert b.anchors.is_anchored(digest) is True
    found = b.anchors.events_of(receipt)
    assert strip(found) == [
        ev(DigestAnchored, digest=digest, centre_id=2, kind=kind, subject=subject)
    ]
    assert (found[0].address, found[0].block_number) == (b.anchors.address, block)
    assert found[0].transaction_hash == bytes(receipt["transactionHash"])
    # The anchor as it stood: not there one block earlier.
    assert b.anchors.anchor_of(digest, block=block - 1) == Anchor(0, 0, 0, 0)


def test_kind_and_subject_may_be_zero(consortium: Consortium) -> None:
    receipt = consortium.a.anchors.anchor(b32("bare"), ZERO, ZERO)
    assert strip(consortium.a.anchors.events_of(receipt)) == [
        ev(DigestAnchored, digest=b32("bare"), centre_id=1, kind=ZERO, subject=ZERO)
    ]


def test_a_digest_is_anchored_once_whoever_tries_again(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    digest = b32("once")
    receipt = a.anchors.anchor(digest, b32("k"), b32("s"))
    first = a.anchors.anchor_of(digest)
    for writer in (a, b):
        with reverts(AnchorRegistryAlreadyAnchoredError, digest=digest):
            writer.anchors.anchor(digest, b32("other kind"), b32("other subject"))
        with reverts(AnchorRegistryAlreadyAnchoredError, digest=digest):
            writer.anchors.anchor_batch(digest, 3)
    assert a.anchors.anchor_of(digest) == first
    assert first.block_number == receipt["blockNumber"]


def test_a_root_cannot_be_anchored_again_as_a_digest(consortium: Consortium) -> None:
    a, c = consortium.a, consortium.c
    root = _tree(_digests("batch", 3)).root
    a.anchors.anchor_batch(root, 3)
    with reverts(AnchorRegistryAlreadyAnchoredError, digest=root):
        c.anchors.anchor(root, ZERO, ZERO)
    with reverts(AnchorRegistryAlreadyAnchoredError, digest=root):
        c.anchors.anchor_batch(root, 3)
    assert a.anchors.anchor_of(root).leaf_count == 3


def test_zero_values_and_empty_batches_are_refused(consortium: Consortium) -> None:
    a = consortium.a
    with reverts(AnchorRegistryZeroDigestError):
        a.anchors.anchor(ZERO, b32("k"), b32("s"))
    with reverts(AnchorRegistryZeroDigestError):
        a.anchors.anchor_batch(ZERO, 1)
    with reverts(AnchorRegistryEmptyBatchError):
        a.anchors.anchor_batch(b32("root"), 0)
    with reverts(AnchorRegistryEmptyBatchError):
        a.anchors.anchor_batch(ZERO, 0)
    assert a.anchors.is_anchored(ZERO) is False
    assert a.anchors.is_anchored(b32("root")) is False


def test_outsider_cannot_anchor(consortium: Consortium) -> None:
    outsider = consortium.outsider.address
    with reverts(AnchorRegistryNotActiveCentreError, caller=outsider):
        consortium.anyone.anchors.anchor(b32("x"), ZERO, ZERO)
    with reverts(AnchorRegistryNotActiveCentreError, caller=outsider):
        consortium.anyone.anchors.anchor_batch(b32("x"), 1)
    assert consortium.contracts.anchors.is_anchored(b32("x")) is False


@pytest.mark.parametrize("size", [1, 2, 3, 8])
def test_every_leaf_of_an_anchored_batch_verifies(consortium: Consortium, size: int) -> None:
    c = consortium.c
    digests = _digests(f"tree of {size}", size)
    tree = _tree(digests)
    receipt = c.anchors.anchor_batch(tree.root, size)
    assert strip(c.anchors.events_of(receipt)) == [
        ev(BatchAnchored, root=tree.root, centre_id=3, leaf_count=size)
    ]
    assert c.anchors.anchor_of(tree.root) == Anchor(
        3, block_timestamp(consortium, receipt), receipt["blockNumber"], size
    )
    if size == 1:
        assert tree.root == leaf_of_digest(digests[0])
        assert _proof(tree, digests[0]) == []
    for digest in digests:
        assert (
            c.anchors.verify_leaf(tree.root, _proof(tree, digest), leaf_of_digest(digest)) is True
        )
        # The raw digest is not the leaf.
        assert c.anchors.verify_leaf(tree.root, _proof(tree, digest), digest) is False


def test_invalid_proofs_are_rejected(consortium: Consortium) -> None:
    a = consortium.a
    digests = _digests("batch", 8)
    tree = _tree(digests)
    a.anchors.anchor_batch(tree.root, len(digests))
    first, second = digests[0], digests[5]
    proof = _proof(tree, first)
    assert a.anchors.verify_leaf(tree.root, proof, leaf_of_digest(first)) is True

    # A forged proof: one sibling altered, a sibling missing, an extra sibling.
    for position in range(len(proof)):
        forged = list(proof)
        forged[position] = bytes([forged[position][0] ^ 1]) + forged[position][1:]
        assert a.anchors.verify_leaf(tree.root, forged, leaf_of_digest(first)) is False
    assert a.anchors.verify_leaf(tree.root, proof[:-1], leaf_of_digest(first)) is False
    assert a.anchors.verify_leaf(tree.root, [*proof, b32("extra")], leaf_of_digest(first)) is False
    # A valid proof used for another leaf, and a leaf that is not in the batch.
    assert a.anchors.verify_leaf(tree.root, proof, leaf_of_digest(second)) is False
    assert a.anchors.verify_leaf(tree.root, proof, leaf_of_digest(b32("not in batch"))) is False


def test_proofs_need_an_anchored_batch_root(consortium: Consortium) -> None:
    a = consortium.a
    never_digests = _digests("never anchored", 4)
    never = _tree(never_digests)
    digest = never_digests[1]
    assert a.anchors.verify_leaf(never.root, _proof(never, digest), leaf_of_digest(digest)) is False

    # The same root anchored as a single digest (leafCount 0) is no batch root.
    single_digests = _digests("anchored as digest", 4)
    single = _tree(single_digests)
    a.anchors.anchor(single.root, b32("kind"), b32("subject"))
    assert a.anchors.anchor_of(single.root).leaf_count == 0
    digest = single_digests[2]
    assert (
        a.anchors.verify_leaf(single.root, _proof(single, digest), leaf_of_digest(digest)) is False
    )

    # Once anchored as a batch, the never-anchored tree's proofs verify.
    a.anchors.anchor_batch(never.root, 4)
    for digest in never_digests:
        assert (
            a.anchors.verify_leaf(never.root, _proof(never, digest), leaf_of_digest(digest)) is True
        )


def test_leaf_of_is_the_standard_merkle_tree_leaf(consortium: Consortium) -> None:
    anchors = consortium.contracts.anchors
    for digest in (ZERO, b"\xff" * 32, b32("a"), bytes(range(32))):
        assert anchors.leaf_of(digest) == leaf_of_digest(digest)

"""The Python Merkle tree against @openzeppelin/merkle-tree itself."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.config import REPO_ROOT
from node.documents.canonical import keccak256
from node.documents.merkle import StandardMerkleTree, leaf_of_digest, process_proof

OPENZEPPELIN = REPO_ROOT / "contracts" / "node_modules" / "@openzeppelin" / "merkle-tree"

# Builds trees with the npm package and prints each root and every proof.
REFERENCE = """
const { StandardMerkleTree } = require(process.argv[1]);
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = cases.map(({ types, values }) => {
  const tree = StandardMerkleTree.of(values, types);
  return { root: tree.root, proofs: values.map((_, i) => tree.getProof(i)) };
});
process.stdout.write(JSON.stringify(out));
"""


Reference = Callable[[list[dict[str, object]]], list[dict[str, object]]]


def _digests(count: int, label: str = "doc") -> list[bytes]:
    return [keccak256(f"{label} {index}".encode()) for index in range(count)]


@pytest.fixture(scope="module")
def reference() -> Reference:
    if shutil.which("node") is None or not OPENZEPPELIN.exists():
        pytest.fail("node and contracts/node_modules are set up by scripts/dev-setup")

    def run(cases: list[dict[str, object]]) -> list[dict[str, object]]:
        done = subprocess.run(
            ["node", "-e", REFERENCE, str(OPENZEPPELIN)],
            input=json.dumps(cases),
            capture_output=True,
            text=True,
            check=True,
        )
        result: list[dict[str, object]] = json.loads(done.stdout)
        return result

    return run


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 16, 17, 100])
def test_root_and_proofs_equal_openzeppelin_for_bytes32_leaves(
    reference: Reference, size: int
) -> None:
    digests = _digests(size, f"tree {size}")
    [expected] = reference([{"types": ["bytes32"], "values": [["0x" + d.hex()] for d in digests]}])
    for tree in (
        StandardMerkleTree.of([[digest] for digest in digests], ["bytes32"]),
        StandardMerkleTree.of_digests(digests),
    ):
        assert "0x" + tree.root.hex() == expected["root"]
        assert [["0x" + step.hex() for step in tree.proof(i)] for i in range(size)] == (
            expected["proofs"]
        )


def test_root_equals_openzeppelin_for_mixed_leaf_types(reference: Reference) -> None:
    values = [
        ["0x" + "11" * 20, 5, "0x" + "ab" * 32],
        ["0x" + "22" * 20, 2**200, "0x" + "cd" * 32],
        ["0x" + "33" * 20, 0, "0x" + "ef" * 32],
    ]
    types = ["address", "uint256", "bytes32"]
    python_values = [[value[0], value[1], bytes.fromhex(value[2][2:])] for value in values]
    tree = StandardMerkleTree.of(python_values, types)
    payload = [[v[0], str(v[1]), v[2]] for v in values]
    [expected] = reference([{"types": types, "values": payload}])
    assert "0x" + tree.root.hex() == expected["root"]


def test_a_single_leaf_is_its_own_root_with_an_empty_proof() -> None:
    digest = keccak256(b"alone")
    tree = StandardMerkleTree.of([[digest]], ["bytes32"])
    assert tree.root == leaf_of_digest(digest)
    assert tree.proof(0) == []


def test_an_empty_tree_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one leaf"):
        StandardMerkleTree.of([], ["bytes32"])
    with pytest.raises(ValueError, match="at least one leaf"):
        StandardMerkleTree.of_digests([])


def test_the_leaf_of_a_digest_is_the_abi_encoded_standard_leaf() -> None:
    digest = keccak256(b"leaf")
    assert leaf_of_digest(digest) == StandardMerkleTree.of([[digest]], ["bytes32"]).tree[0]
    with pytest.raises(ValueError, match="32 bytes"):
        leaf_of_digest(digest[:31])


@given(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=40, unique=True))
def test_every_proof_verifies_and_only_for_its_own_leaf(digests: list[bytes]) -> None:
    tree = StandardMerkleTree.of([[digest] for digest in digests], ["bytes32"])
    for index, digest in enumerate(digests):
        proof = tree.proof(index)
        assert tree.verify([digest], proof)
        assert process_proof(leaf_of_digest(digest), proof) == tree.root
        stranger = keccak256(digest)
        if stranger not in digests:
            assert not tree.verify([stranger], proof)

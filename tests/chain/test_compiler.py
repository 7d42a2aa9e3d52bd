"""The solcjs compiler adapter: traps of DESIGN.md section 8, caching, error messages."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from node.chain.compiler import (
    CompilerError,
    CompilerNotInstalledError,
    compile_contracts,
    solc_front,
    solc_version,
)
from tests.conftest import CONTRACTS_DIR

COUNTER = """// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

contract Counter {
    uint256 public count;

    function increment() external {
        count += 1;
    }

    function check(bytes32[] calldata proof, bytes32 root, bytes32 leaf)
        external
        pure
        returns (bool)
    {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }
}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A contracts folder of its own that uses the project's solc front and node_modules."""
    root = tmp_path / "contracts"
    (root / "src").mkdir(parents=True)
    (root / "bin").mkdir()
    shutil.copy2(CONTRACTS_DIR / "bin" / "solc", root / "bin" / "solc")
    shutil.copy2(CONTRACTS_DIR / "package-lock.json", root / "package-lock.json")
    (root / "node_modules").symlink_to(CONTRACTS_DIR / "node_modules")
    (root / "src" / "Counter.sol").write_text(COUNTER)
    return root


def big_contract(functions: int) -> str:
    body = "\n".join(
        f"    function f{i}(uint256 a, uint256 b) external pure returns (uint256) "
        f"{{ return a * {i + 1} + b; }}"
        for i in range(functions)
    )
    header = "// SPDX-License-Identifier: Apache-2.0\npragma solidity 0.8.37;\n"
    return f"{header}contract Big {{\n{body}\n}}\n"


def test_version_line_is_the_native_format() -> None:
    out = subprocess.run(
        [solc_front(CONTRACTS_DIR), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert "\nVersion: 0.8.37+commit." in out
    assert solc_version(CONTRACTS_DIR).startswith("0.8.37+commit.")


def test_clean_tree_compiles_then_hits_the_cache(tree: Path, tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    first = compile_contracts(tree, build_dir)
    assert not first.cache_hit
    counter = first.artifact("Counter")
    assert {item["name"] for item in counter.abi if item["type"] == "function"} == {
        "count",
        "increment",
        "check",
    }
    assert counter.bytecode and counter.deployed_bytecode
    assert json.loads(counter.metadata)["settings"]["evmVersion"] == "cancun"
    assert json.loads(counter.metadata)["settings"]["optimizer"]["enabled"] is True
    second = compile_contracts(tree, build_dir)
    assert second.cache_hit
    assert second.source_digest == first.source_digest
    assert second.artifact("Counter") == counter


def test_changed_source_recompiles(tree: Path, tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    first = compile_contracts(tree, build_dir)
    source = tree / "src" / "Counter.sol"
    source.write_text(source.read_text().replace("count += 1", "count += 2"))
    second = compile_contracts(tree, build_dir)
    assert not second.cache_hit
    assert second.source_digest != first.source_digest
    assert second.artifact("Counter").bytecode != first.artifact("Counter").bytecode


def test_added_source_recompiles(tree: Path, tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    compile_contracts(tree, build_dir)
    (tree / "src" / "Big.sol").write_text(big_contract(2))
    again = compile_contracts(tree, build_dir)
    assert not again.cache_hit
    assert set(again.contracts) == {"Counter", "Big"}


def test_syntax_error_names_file_and_line(tree: Path, tmp_path: Path) -> None:
    (tree / "src" / "Broken.sol").write_text(
        "// SPDX-License-Identifier: Apache-2.0\npragma solidity 0.8.37;\n"
        "contract Broken {\n    function f() external { uint256 x = ; }\n}\n"
    )
    with pytest.raises(CompilerError) as caught:
        compile_contracts(tree, tmp_path / "build")
    message = str(caught.value)
    assert "ParserError" in message
    assert "src/Broken.sol:4:" in message
    assert "Traceback" not in message and '"errors"' not in message


def test_output_larger_than_64_kib_survives_a_pipe(tree: Path, tmp_path: Path) -> None:
    (tree / "src" / "Big.sol").write_text(big_contract(400))
    standard_input = {
        "language": "Solidity",
        "sources": {"src/Big.sol": {"content": (tree / "src" / "Big.sol").read_text()}},
        "settings": {"outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}},
    }
    raw = subprocess.run(
        [solc_front(tree), "--standard-json"],
        input=json.dumps(standard_input),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert len(raw.encode()) > 64 * 1024
    assert not raw.startswith(">>>")
    assert len(json.loads(raw)["contracts"]["src/Big.sol"]["Big"]["abi"]) == 400

    build = compile_contracts(tree, tmp_path / "build")
    assert len(build.artifact("Big").abi) == 400


def test_missing_npm_packages_are_a_clear_error(tree: Path, tmp_path: Path) -> None:
    (tree / "node_modules").unlink()
    with pytest.raises(CompilerNotInstalledError, match="npm ci"):
        compile_contracts(tree, tmp_path / "build")


def test_empty_tree_is_refused(tree: Path, tmp_path: Path) -> None:
    (tree / "src" / "Counter.sol").unlink()
    with pytest.raises(CompilerError, match="no Solidity sources"):
        compile_contracts(tree, tmp_path / "build")

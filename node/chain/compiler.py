"""Compile the Solidity sources in ``contracts/src`` with the pinned solcjs.

py-solc-x drives ``contracts/bin/solc``, a ``solc``-compatible front for the npm
``solc`` package (the official compiler built to WebAssembly) that resolves
``@openzeppelin/...`` imports from ``contracts/node_modules``. Compilation uses
standard JSON with the optimizer on and a pinned EVM version (``cancun``: the
newest fork that py-evm, anvil and the consortium EVMs in DESIGN.md all run).

Artifacts are cached in ``<build_dir>/<source digest>.json``; the digest covers
every source file, the npm lock file (so the OpenZeppelin and solc versions) and
the compiler settings, so an unchanged tree is a cache hit and any change
recompiles.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solcx
from solcx.exceptions import SolcError
from solcx.wrapper import get_solc_version

from node.errors import ToolchainError

EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 200
SOURCE_FOLDER = "src"
ARTIFACT_FORMAT = "dataprop-artifacts-1"


class CompilerError(ToolchainError):
    """solc rejected the sources; the message is solc's, with file and line."""

    code = "compiler_error"


class CompilerNotInstalledError(ToolchainError):
    """The solcjs front or its npm package is missing (run `npm ci` in contracts/)."""

    code = "compiler_not_installed"


@dataclass(frozen=True)
class ContractArtifact:
    """What deploying and calling one contract needs."""

    name: str
    source: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    metadata: str

    @property
    def bytecode_digest(self) -> str:
        """sha256 of the creation bytecode, recorded with every deployment."""
        return hashlib.sha256(bytes.fromhex(self.bytecode)).hexdigest()


@dataclass(frozen=True)
class Build:
    """The result of compiling one source tree."""

    source_digest: str
    solc_version: str
    sources: dict[str, str]
    contracts: dict[str, ContractArtifact]
    cache_hit: bool
    path: Path

    def artifact(self, name: str) -> ContractArtifact:
        """The artifact of a contract by name."""
        try:
            return self.contracts[name]
        except KeyError:
            known = ", ".join(sorted(self.contracts)) or "none"
            raise ToolchainError(f"no contract {name!r} in the build (have: {known})") from None


def compiler_settings() -> dict[str, Any]:
    """The standard-JSON settings every build uses."""
    return {
        "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
        "evmVersion": EVM_VERSION,
        "metadata": {"bytecodeHash": "ipfs"},
        "outputSelection": {
            "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"]}
        },
    }


def solc_front(contracts_dir: Path) -> Path:
    """The `solc`-compatible executable that wraps the pinned solcjs."""
    front = contracts_dir / "bin" / "solc"
    if not front.is_file() or not (contracts_dir / "node_modules" / "solc").is_dir():
        raise CompilerNotInstalledError(
            f"solcjs is not installed under {contracts_dir}; run `npm ci` there"
        )
    return front


def read_sources(contracts_dir: Path) -> dict[str, str]:
    """All `.sol` files under contracts/src, keyed by their path relative to contracts/."""
    root = contracts_dir / SOURCE_FOLDER
    paths = sorted(root.rglob("*.sol"))
    if not paths:
        raise CompilerError(f"no Solidity sources under {root}")
    return {path.relative_to(contracts_dir).as_posix(): path.read_text("utf-8") for path in paths}


def source_digest(contracts_dir: Path, sources: dict[str, str]) -> str:
    """Digest of everything that determines the compiler output."""
    digest = hashlib.sha256()
    lock = contracts_dir / "package-lock.json"
    parts: list[tuple[str, bytes]] = [
        ("settings", json.dumps(compiler_settings(), sort_keys=True).encode()),
        ("lock", lock.read_bytes() if lock.is_file() else b""),
        *((name, content.encode("utf-8")) for name, content in sorted(sources.items())),
    ]
    for name, content in parts:
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def compile_contracts(contracts_dir: Path, build_dir: Path) -> Build:
    """Compile contracts/src, or load the cached build of an identical tree."""
    contracts_dir = contracts_dir.resolve()
    sources = read_sources(contracts_dir)
    digest = source_digest(contracts_dir, sources)
    cached = build_dir / f"{digest}.json"
    if cached.is_file():
        return _load(cached, cache_hit=True)
    output = _run_solc(contracts_dir, sources)
    document = _artifact_document(digest, solc_version(contracts_dir), sources, output)
    _write_atomically(cached, json.dumps(document, sort_keys=True))
    return _load(cached, cache_hit=False)


def solc_version(contracts_dir: Path) -> str:
    """The full version of the pinned compiler, e.g. ``0.8.37+commit.f401782d``."""
    try:
        return str(get_solc_version(solc_front(contracts_dir), with_commit_hash=True))
    except SolcError as exc:
        raise CompilerNotInstalledError(f"cannot run solcjs: {exc.message}") from exc


def _run_solc(contracts_dir: Path, sources: dict[str, str]) -> dict[str, Any]:
    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": content} for name, content in sources.items()},
        "settings": compiler_settings(),
    }
    try:
        result: dict[str, Any] = solcx.compile_standard(
            standard_input,
            solc_binary=solc_front(contracts_dir),
            base_path=contracts_dir,
            allow_paths=[contracts_dir / "node_modules"],
        )
    except SolcError as exc:
        raise CompilerError(exc.message.strip() or f"solc failed: {exc.stderr_data}") from exc
    except json.JSONDecodeError as exc:
        raise CompilerError(f"solc printed something that is not JSON: {exc}") from exc
    return result


def _artifact_document(
    digest: str, version: str, sources: dict[str, str], output: dict[str, Any]
) -> dict[str, Any]:
    contracts: dict[str, Any] = {}
    for source_name, by_name in output.get("contracts", {}).items():
        if source_name not in sources:
            continue  # libraries pulled in from node_modules
        for name, compiled in by_name.items():
            bytecode = compiled["evm"]["bytecode"]["object"]
            if not bytecode:
                continue  # interfaces and abstract contracts
            if name in contracts:
                raise CompilerError(f"two contracts named {name}: {contracts[name]['source']}")
            contracts[name] = {
                "source": source_name,
                "abi": compiled["abi"],
                "bytecode": bytecode,
                "deployed_bytecode": compiled["evm"]["deployedBytecode"]["object"],
                "metadata": compiled["metadata"],
            }
    return {
        "format": ARTIFACT_FORMAT,
        "source_digest": digest,
        "solc_version": version,
        "settings": compiler_settings(),
        "sources": {
            name: hashlib.sha256(content.encode("utf-8")).hexdigest()
            for name, content in sources.items()
        },
        "contracts": contracts,
    }


def _load(path: Path, *, cache_hit: bool) -> Build:
    document = json.loads(path.read_text("utf-8"))
    if document.get("format") != ARTIFACT_FORMAT:
        raise ToolchainError(f"{path} is not a dataprop artifact file")
    return Build(
        source_digest=document["source_digest"],
        solc_version=document["solc_version"],
        sources=document["sources"],
        contracts={
            name: ContractArtifact(name=name, **fields)
            for name, fields in document["contracts"].items()
        },
        cache_hit=cache_hit,
        path=path,
    )


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

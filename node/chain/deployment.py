"""Deploy the contracts and keep a record of the deployment that the node loads.

The record (chain id, addresses, deploying account, blocks, bytecode digests)
lives in ``<data_dir>/deployments/<chain id>.json``. Contracts are immutable:
a new version is a new deployment, and deploying again onto a chain where the
recorded registry still has code is refused unless the caller asks to replace
it, in which case the old record is kept beside the new one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_typing import ChecksumAddress
from web3 import Web3

from node.chain.compiler import Build
from node.chain.connection import ChainConnection
from node.chain.transactions import TransactionSender
from node.errors import ChainError, ConfigurationError

RECORD_FORMAT = "dataprop-deployment-1"


class DeploymentExistsError(ChainError):
    """The chain already has a live deployment recorded for this node."""

    code = "deployment_exists"


class DeploymentNotFoundError(ChainError):
    """No usable deployment is recorded for the connected chain."""

    code = "deployment_not_found"


@dataclass(frozen=True)
class GenesisCentre:
    """A founding member of the consortium, written into the registry at deployment."""

    signer: str
    region_code: int
    name: str
    endpoint: str


def load_genesis(path: Path) -> list[GenesisCentre]:
    """Genesis centres from a JSON list of {signer, region_code, name, endpoint}."""
    try:
        entries = json.loads(path.read_text("utf-8"))
        centres = [GenesisCentre(**entry) for entry in entries]
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"cannot read genesis centres from {path}: {exc}") from exc
    if not centres:
        raise ConfigurationError(f"{path} lists no genesis centre")
    return centres


@dataclass(frozen=True)
class DeployedContract:
    """Where one contract lives and what was deployed there."""

    address: str
    tx_hash: str
    block: int
    bytecode_sha256: str
    gas_used: int


@dataclass(frozen=True)
class DeploymentRecord:
    """Everything the node needs to find and trust its contracts."""

    chain_id: int
    deployer: str
    block: int
    deployed_at: str
    source_digest: str
    solc_version: str
    contracts: dict[str, DeployedContract] = field(default_factory=dict)
    format: str = RECORD_FORMAT

    def address(self, name: str) -> ChecksumAddress:
        """The checksum address of a deployed contract."""
        try:
            return Web3.to_checksum_address(self.contracts[name].address)
        except KeyError:
            raise DeploymentNotFoundError(f"the deployment has no contract {name}") from None

    def to_json(self) -> str:
        """The record as written to disk."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> DeploymentRecord:
        """Parse a record written by ``to_json``."""
        data: dict[str, Any] = json.loads(text)
        if data.get("format") != RECORD_FORMAT:
            raise DeploymentNotFoundError("not a dataprop deployment record")
        contracts = {
            name: DeployedContract(**fields) for name, fields in data.pop("contracts").items()
        }
        return cls(contracts=contracts, **data)


def record_path(data_dir: Path, chain_id: int) -> Path:
    """Where the deployment record of a chain is kept."""
    return data_dir / "deployments" / f"{chain_id}.json"


def load_deployment(data_dir: Path, connection: ChainConnection) -> DeploymentRecord:
    """The recorded deployment on the connected chain, checked to have code on chain."""
    path = record_path(data_dir, connection.chain_id)
    if not path.is_file():
        raise DeploymentNotFoundError(
            f"no deployment recorded for {connection.describe()}; run `dataprop deploy`"
        )
    record = DeploymentRecord.from_json(path.read_text("utf-8"))
    missing = [name for name in record.contracts if not _has_code(connection.w3, record, name)]
    if missing:
        raise DeploymentNotFoundError(
            f"the deployment recorded in {path} has no code on {connection.describe()} "
            f"({', '.join(missing)}); the chain was reset: run `dataprop deploy`"
        )
    return record


@dataclass(frozen=True)
class PlannedContract:
    """One contract to deploy; its constructor arguments may use earlier addresses.

    A contract that another one creates in its constructor names that ``parent``
    and the parent's view returning its address (``getter``) instead.
    """

    name: str
    arguments: Callable[[Mapping[str, ChecksumAddress]], Sequence[Any]] = lambda _: ()
    parent: str | None = None
    getter: str | None = None


def dataprop_plan(
    genesis: Sequence[GenesisCentre], proposal_lifetime: int
) -> list[PlannedContract]:
    """The contracts of a dataprop consortium, in deployment order."""
    centres = [(c.signer, c.region_code, c.name, c.endpoint) for c in genesis]
    return [
        PlannedContract("CentreRegistry", lambda _: [centres, proposal_lifetime]),
        PlannedContract("AnchorRegistry", parent="CentreRegistry", getter="anchorRegistry"),
        PlannedContract("CertificateRegistry", lambda done: [done["CentreRegistry"]]),
    ]


def deploy(
    connection: ChainConnection,
    sender: TransactionSender,
    build: Build,
    plan: Sequence[PlannedContract],
    data_dir: Path,
    *,
    replace: bool = False,
) -> DeploymentRecord:
    """Deploy the contracts of ``plan`` in order and write the record."""
    path = record_path(data_dir, connection.chain_id)
    _refuse_live_deployment(connection, path, replace=replace)
    w3 = connection.w3
    deployed: dict[str, DeployedContract] = {}
    addresses: dict[str, ChecksumAddress] = {}
    for planned in plan:
        artifact = build.artifact(planned.name)
        if planned.parent is not None and planned.getter is not None:
            parent = deployed[planned.parent]
            abi = build.artifact(planned.parent).abi
            creator = w3.eth.contract(address=addresses[planned.parent], abi=abi)
            created = creator.get_function_by_name(planned.getter)().call()
            addresses[planned.name] = Web3.to_checksum_address(created)
            deployed[planned.name] = DeployedContract(
                address=addresses[planned.name],
                tx_hash=parent.tx_hash,
                block=parent.block,
                bytecode_sha256=artifact.bytecode_digest,
                gas_used=0,
            )
            continue
        factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = sender.transact(factory.constructor(*planned.arguments(addresses)))
        address = receipt["contractAddress"]
        if address is None:
            raise ChainError(f"deploying {planned.name} created no contract")
        addresses[planned.name] = Web3.to_checksum_address(address)
        deployed[planned.name] = DeployedContract(
            address=addresses[planned.name],
            tx_hash=receipt["transactionHash"].to_0x_hex(),
            block=receipt["blockNumber"],
            bytecode_sha256=artifact.bytecode_digest,
            gas_used=receipt["gasUsed"],
        )
    record = DeploymentRecord(
        chain_id=connection.chain_id,
        deployer=sender.address,
        block=max(item.block for item in deployed.values()),
        deployed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source_digest=build.source_digest,
        solc_version=build.solc_version,
        contracts=deployed,
    )
    _write_record(path, record)
    return record


def _refuse_live_deployment(connection: ChainConnection, path: Path, *, replace: bool) -> None:
    if not path.is_file():
        return
    previous = DeploymentRecord.from_json(path.read_text("utf-8"))
    live = [name for name in previous.contracts if _has_code(connection.w3, previous, name)]
    if live and not replace:
        first = previous.contracts[live[0]]
        raise DeploymentExistsError(
            f"{connection.describe()} already has the contracts recorded in {path} "
            f"({live[0]} at {first.address}); pass --replace to deploy a new set"
        )
    if live:
        stamp = previous.deployed_at.replace(":", "").replace("-", "")
        os.replace(path, path.with_name(f"{path.stem}.replaced-{stamp}.json"))


def _has_code(w3: Web3, record: DeploymentRecord, name: str) -> bool:
    return len(w3.eth.get_code(record.address(name))) > 0


def _write_record(path: Path, record: DeploymentRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(record.to_json(), "utf-8")
    os.replace(temporary, path)

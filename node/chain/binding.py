"""Bind the consortium's contracts from the CentreRegistry's address alone.

A bank or a peer centre has no deployment record of the issuing node: it trusts
one CentreRegistry address (published by the consortium) and a chain RPC
endpoint. The AnchorRegistry is the one that CentreRegistry created (read from
it); the CertificateRegistry is the one a bundle names, which
:class:`~node.chain.chain_facts.ContractChainFacts` accepts only if it answers
to the same CentreRegistry. The ABIs come from the compiled build.
"""

from __future__ import annotations

from eth_utils.address import is_address, to_checksum_address
from web3.exceptions import Web3Exception

from node.chain.chain_facts import ConsortiumMismatchError
from node.chain.compiler import Build
from node.chain.connection import ChainConnection
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import DeployedContract, DeploymentRecord
from node.chain.transactions import RevertExceptions
from node.errors import ChainError


class ConsortiumNotFoundError(ChainError):
    """No CentreRegistry has code at the trusted address on the connected chain."""

    code = "consortium_not_found"


def bind_consortium(
    connection: ChainConnection,
    build: Build,
    centre_registry: str,
    certificate_registry: str,
) -> DatapropContracts:
    """Read-only clients of the consortium governed by ``centre_registry``.

    Raises :class:`ConsortiumNotFoundError` when the trusted address holds no
    contract, and :class:`ConsortiumMismatchError` when ``certificate_registry``
    (a bundle's claim) holds none; whether it answers to the CentreRegistry is
    checked when chain facts are read from the clients.
    """
    if not is_address(centre_registry):
        raise ConsortiumNotFoundError(f"{centre_registry!r} is not an address")
    centres = to_checksum_address(centre_registry)
    if not _has_code(connection, centres):
        raise ConsortiumNotFoundError(
            f"no contract at CentreRegistry {centres} on {connection.describe()}"
        )
    certificates = to_checksum_address(certificate_registry)
    if not _has_code(connection, certificates):
        raise ConsortiumMismatchError(
            f"no contract at CertificateRegistry {certificates} on {connection.describe()}"
        )
    anchors = _anchor_registry_of(connection, build, centres)
    addresses = {
        "CentreRegistry": centres,
        "AnchorRegistry": anchors,
        "CertificateRegistry": certificates,
    }
    return bind_contracts(connection, _found_record(connection, build, addresses), build)


def _anchor_registry_of(connection: ChainConnection, build: Build, centre_registry: str) -> str:
    abi = build.artifact("CentreRegistry").abi
    registry = connection.w3.eth.contract(address=to_checksum_address(centre_registry), abi=abi)
    try:
        return to_checksum_address(registry.functions.anchorRegistry().call())
    except (*RevertExceptions, Web3Exception, OSError, ValueError) as exc:
        raise ConsortiumNotFoundError(
            f"{centre_registry} does not answer as a CentreRegistry: {exc}"
        ) from exc


def _found_record(
    connection: ChainConnection, build: Build, addresses: dict[str, str]
) -> DeploymentRecord:
    """A record of what the chain shows: addresses only; what only a deployer knows is empty.

    Block 0 (unknown) makes an index of these contracts scan from genesis.
    """
    return DeploymentRecord(
        chain_id=connection.chain_id,
        deployer="",
        block=0,
        deployed_at="",
        source_digest=build.source_digest,
        solc_version=build.solc_version,
        contracts={
            name: DeployedContract(
                address=address, tx_hash="", block=0, bytecode_sha256="", gas_used=0
            )
            for name, address in addresses.items()
        },
    )


def _has_code(connection: ChainConnection, address: str) -> bool:
    try:
        return len(connection.w3.eth.get_code(to_checksum_address(address))) > 0
    except (Web3Exception, OSError, ValueError) as exc:
        raise ChainError(f"cannot read the code at {address}: {exc}") from exc

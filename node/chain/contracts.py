"""The deployed dataprop contracts, bound to one chain and optionally one key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from eth_account.signers.local import LocalAccount

from node.chain.client import ContractClient
from node.chain.compiler import Build
from node.chain.connection import ChainConnection
from node.chain.deployment import DeploymentRecord
from node.chain.events import EventDecoder
from node.chain.registries import (
    AnchorRegistryClient,
    CentreRegistryClient,
    CertificateRegistryClient,
)
from node.chain.revert_errors import revert_decoder
from node.chain.transactions import DecodeRevert, TransactionSender

CONTRACT_NAMES = ("CentreRegistry", "AnchorRegistry", "CertificateRegistry")
ClientT = TypeVar("ClientT", bound=ContractClient)


@dataclass(frozen=True)
class DatapropContracts:
    """Typed clients of the consortium's contracts, all reading at the same chain."""

    connection: ChainConnection
    record: DeploymentRecord
    build: Build
    centres: CentreRegistryClient
    anchors: AnchorRegistryClient
    certificates: CertificateRegistryClient
    events: EventDecoder
    decode_revert: DecodeRevert
    sender: TransactionSender | None

    def as_account(self, account: LocalAccount) -> DatapropContracts:
        """The same contracts, writing with another key (another centre, in tests and demos)."""
        return bind_contracts(self.connection, self.record, self.build, account)


def bind_contracts(
    connection: ChainConnection,
    record: DeploymentRecord,
    build: Build,
    account: LocalAccount | None = None,
    *,
    poll_interval: float = 0.05,
) -> DatapropContracts:
    """Clients of a recorded deployment; read-only without an account."""
    abis = [build.artifact(name).abi for name in CONTRACT_NAMES]
    decode = revert_decoder(abis)
    events = EventDecoder(connection.w3, abis)
    sender = (
        TransactionSender(connection.w3, account, decode_revert=decode, poll_interval=poll_interval)
        if account is not None
        else None
    )

    def client(kind: type[ClientT], name: str) -> ClientT:
        contract = connection.w3.eth.contract(
            address=record.address(name), abi=build.artifact(name).abi
        )
        return kind(contract, decode_revert=decode, events=events, sender=sender)

    return DatapropContracts(
        connection=connection,
        record=record,
        build=build,
        centres=client(CentreRegistryClient, "CentreRegistry"),
        anchors=client(AnchorRegistryClient, "AnchorRegistry"),
        certificates=client(CertificateRegistryClient, "CertificateRegistry"),
        events=events,
        decode_revert=decode,
        sender=sender,
    )

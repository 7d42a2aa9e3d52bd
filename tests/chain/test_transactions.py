"""TransactionSender: one encoding per call and gas limits found once per shape of call."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils.crypto import keccak

from node.chain.compiler import Build
from node.chain.connection import ChainConnection
from node.chain.revert_errors import CertificateRegistryAlreadyRegisteredError
from node.chain.transactions import RawTransaction, TransactionSender, calldata
from tests.chain.anchoring_support import deploy_consortium

SHAPE = 32
"""Certificates per call: enough that superseding (about 18k gas more per certificate) outgrows
the 20 % margin of a limit found for fresh ones."""


def _keys(label: str, count: int = SHAPE) -> list[bytes]:
    return [keccak(text=f"{label}-{index}") for index in range(count)]


def test_calldata_is_what_web3_encodes(
    embedded_chain: ChainConnection, build: Build, tmp_path: Path
) -> None:
    deployment = deploy_consortium(embedded_chain, build, tmp_path)
    certificates = deployment.contracts().certificates
    call = certificates.function("registerCertificates", _keys("id", 256), _keys("key", 256))
    assert calldata(call).to_0x_hex() == call._encode_transaction_data()


def test_a_limit_found_for_a_shape_of_call_serves_the_next_calls_of_that_shape(
    chain: ChainConnection, build: Build, tmp_path: Path
) -> None:
    deployment = deploy_consortium(chain, build, tmp_path)
    contracts = deployment.contracts()
    sender = contracts.sender
    assert sender is not None
    w3 = chain.w3

    def register(ids: list[bytes], keys: list[bytes]) -> tuple[int, int]:
        """Sign, send and mine; the transaction's gas limit and the gas it used."""
        signed = sender.sign(contracts.certificates.function("registerCertificates", ids, keys))
        receipt = sender.wait(_sent(sender, signed))
        return int(w3.eth.get_transaction(signed.tx_hash)["gas"]), int(receipt["gasUsed"])

    fresh_limit, fresh_used = register(_keys("a"), _keys("asset"))
    # the same asset keys again supersede the certificates holding them: a costlier path of
    # the same shape, which runs out of gas at the limit found above and is estimated again
    superseding_limit, superseding_used = register(_keys("b"), _keys("asset"))
    assert superseding_used > fresh_limit > fresh_used
    assert superseding_limit > superseding_used
    # a cheap call of that shape keeps the higher limit: no estimate, which would go lower
    limit, used = register(_keys("c"), _keys("other asset"))
    assert limit == superseding_limit
    assert used == fresh_used
    # a refused call still surfaces its decoded revert before anything is signed
    with pytest.raises(CertificateRegistryAlreadyRegisteredError):
        sender.sign(
            contracts.certificates.function("registerCertificates", _keys("c"), _keys("new"))
        )


def _sent(sender: TransactionSender, signed: RawTransaction) -> bytes:
    sender.broadcast(signed)
    return bytes(signed.tx_hash)

"""Gas of every contract operation, measured on the embedded chain (py-evm).

Gas is deterministic and the same on anvil (both run the cancun rules), so one
run is the measurement. Prints a Markdown table, the one in the README.

    .venv/bin/python scripts/bench_gas.py [--anvil]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from node.chain.compiler import compile_contracts
from node.chain.connection import ChainConnection, connect, connect_rpc, dev_accounts
from node.chain.contracts import bind_contracts
from node.chain.deployment import GenesisCentre, dataprop_plan, deploy
from node.chain.local_chain import start_anvil
from node.chain.transactions import TransactionSender
from node.chain.types import CertificateStatus
from node.config import REPO_ROOT, ChainSettings
from node.documents.merkle import StandardMerkleTree

KIND = b"certificate".ljust(32, b"\0")
TARGET_SINGLE = 50_000
DEPLOY_NOTES = {"CentreRegistry": "3 genesis centres; creates the AnchorRegistry in the same tx"}
TARGET_PER_CERTIFICATE_AT_256 = 200


def measure(connection: ChainConnection) -> list[tuple[str, int, str]]:
    build = compile_contracts(REPO_ROOT / "contracts", REPO_ROOT / ".dataprop" / "build")
    accounts = dev_accounts(connection)
    genesis = [
        GenesisCentre(accounts[i].address, 370200 + 100 * i, f"centre {i}", f"http://c{i}")
        for i in (1, 2, 3)
    ]
    sender = TransactionSender(connection.w3, accounts[0])
    record = deploy(
        connection, sender, build, dataprop_plan(genesis, 3600), Path(tempfile.mkdtemp())
    )
    centre = bind_contracts(connection, record, build, accounts[1])
    rows: list[tuple[str, int, str]] = [
        (f"deploy {name}", item.gas_used, DEPLOY_NOTES.get(name, ""))
        for name, item in record.contracts.items()
        if item.gas_used
    ]
    single = centre.anchors.anchor(os.urandom(32), KIND, os.urandom(32))["gasUsed"]
    rows.append(("anchor one digest", single, f"target ≤ {TARGET_SINGLE:,}"))
    proof_tree = None
    for size in (1, 16, 256, 4096):
        tree = StandardMerkleTree.of([[os.urandom(32)] for _ in range(size)], ["bytes32"])
        gas = centre.anchors.anchor_batch(tree.root, size)["gasUsed"]
        note = f"target ≤ {TARGET_PER_CERTIFICATE_AT_256}" if size == 256 else ""
        rows.append((f"batch of {size:,}: root", gas, ""))
        rows.append((f"batch of {size:,}: per certificate", round(gas / size), note))
        if size == 4096:
            proof_tree = tree
    assert proof_tree is not None
    proof = proof_tree.proof(0)
    leaf = proof_tree.leaf_hash(proof_tree.values[0])
    verify = centre.anchors.function("verifyLeaf", proof_tree.root, proof, leaf)
    rows.append(
        (f"verify a {len(proof)}-step proof", verify.estimate_gas(), "as a transaction (view)")
    )
    ids = [os.urandom(32) for _ in range(256)]
    register = centre.certificates.register_certificates(ids, [os.urandom(32) for _ in ids])
    rows.append(("register certificates, per certificate", register["gasUsed"] // 256, "batch 256"))
    one = centre.certificates.register_certificates([os.urandom(32)], [os.urandom(32)])
    rows.append(("register one certificate", one["gasUsed"], "with its asset key"))
    pledge_id = os.urandom(32)
    rows.append(
        (
            "register a pledge",
            centre.certificates.register_pledge(ids[0], pledge_id, os.urandom(32), os.urandom(32))[
                "gasUsed"
            ],
            "",
        )
    )
    rows.append(
        (
            "release a pledge",
            centre.certificates.release_pledge(pledge_id, os.urandom(32))["gasUsed"],
            "",
        )
    )
    rows.append(
        (
            "status change (revoke)",
            centre.certificates.set_status(ids[1], CertificateStatus.REVOKED, os.urandom(32))[
                "gasUsed"
            ],
            "",
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--anvil", action="store_true", help="measure on a fresh anvil instead")
    args = parser.parse_args()
    if args.anvil:
        anvil = start_anvil(REPO_ROOT / "hardhat-free-local-chain", Path(tempfile.mkdtemp()))
        try:
            rows = measure(connect_rpc(anvil.url))
        finally:
            anvil.stop()
    else:
        rows = measure(connect(ChainSettings()))
    print("| operation | gas | note |")
    print("|---|---:|---|")
    for name, gas, note in rows:
        print(f"| {name} | {gas:,} | {note} |")


if __name__ == "__main__":
    main()

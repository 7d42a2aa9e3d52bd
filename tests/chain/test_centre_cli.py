"""`dataprop centre` as two centres' operators run it: real processes, real anvil."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from node.chain.compiler import Build
from node.chain.connection import connect_rpc
from node.chain.deployment import record_path
from node.chain.local_chain import ANVIL_CHAIN_ID, AnvilInstance
from tests.chain.anchoring_support import deploy_consortium
from tests.chain.test_cli import dataprop


def test_two_centres_admit_a_third_by_proposal_and_vote(
    anvil: AnvilInstance, build: Build, tmp_path: Path
) -> None:
    deployment = deploy_consortium(connect_rpc(anvil.url), build, tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    newcomer = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"  # anvil's fifth account
    chain = {
        "DATAPROP_CHAIN__BACKEND": "rpc",
        "DATAPROP_CHAIN__RPC_URL": anvil.url,
        "DATAPROP_CHAIN__CONFIRMATIONS": "0",
        "DATAPROP_BUILD_DIR": str(build.path.parent),
    }
    a = {**chain, "DATAPROP_CENTRE__KEY": deployment.centre.key.hex()}
    b = {**chain, "DATAPROP_CENTRE__KEY": deployment.other.key.hex()}
    assert record_path(tmp_path / "b", ANVIL_CHAIN_ID).is_file()

    proposed = dataprop(
        "centre", "propose-admit", "--signer", newcomer, "--region-code", "370100",
        "--name", "济南市数据资产登记中心", "--endpoint", "http://127.0.0.1:9004",
        "--actor", "director-wang", "--json",
        data_dir=tmp_path / "a", **a,
    )  # fmt: skip
    assert proposed.returncode == 0, proposed.stderr
    assert json.loads(proposed.stdout)["status"] == "confirmed"
    listed = dataprop("centre", "list", "--json", data_dir=tmp_path / "b", **b)
    consortium = json.loads(listed.stdout)
    assert [centre["id"] for centre in consortium["centres"]] == [1, 2]
    [proposal] = consortium["proposals"]
    assert (proposal["kind"], proposal["approvals"], proposal["state"]) == ("admit", 1, "open")

    voted = dataprop("centre", "vote", "1", data_dir=tmp_path / "b", **b)
    assert voted.returncode == 0, voted.stderr
    assert "proposal #1 executed" in voted.stdout
    assert "centre #3 济南市数据资产登记中心 (370100) admitted" in voted.stdout
    again = dataprop("centre", "vote", "1", data_dir=tmp_path / "b", **b)
    assert again.returncode == 1
    assert "centre_registry_proposal_not_open" in again.stdout
    listed = dataprop("centre", "list", data_dir=tmp_path / "a", **a)
    assert "济南市数据资产登记中心" in listed.stdout and "executed" in listed.stdout

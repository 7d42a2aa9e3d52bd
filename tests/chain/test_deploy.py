"""Deployment on both chains: the record, refusing a second registry, calling the contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.chain.compiler import Build
from node.chain.connection import ChainConnection, connect, dev_accounts
from node.chain.contracts import bind_contracts
from node.chain.deployment import (
    DeploymentExistsError,
    DeploymentNotFoundError,
    GenesisCentre,
    dataprop_plan,
    deploy,
    load_deployment,
    record_path,
)
from node.chain.local_chain import AnvilInstance
from node.chain.transactions import TransactionSender
from node.chain.types import CentreStatus
from node.config import ChainSettings
from tests.chain.test_cli import dataprop


def deploy_once(chain: ChainConnection, build: Build, data_dir: Path, *, replace: bool = False):
    accounts = dev_accounts(chain)
    genesis = [GenesisCentre(accounts[1].address, 370200, "青岛中心", "http://127.0.0.1:9001")]
    sender = TransactionSender(chain.w3, accounts[0])
    return deploy(chain, sender, build, dataprop_plan(genesis, 3600), data_dir, replace=replace)


def test_deploy_then_call(chain: ChainConnection, build: Build, tmp_path: Path) -> None:
    record = deploy_once(chain, build, tmp_path)
    assert record.chain_id == chain.chain_id
    assert set(record.contracts) == {"CentreRegistry", "AnchorRegistry", "CertificateRegistry"}
    saved = json.loads(record_path(tmp_path, chain.chain_id).read_text())
    assert saved["deployer"] == dev_accounts(chain)[0].address
    assert saved["contracts"]["CentreRegistry"]["bytecode_sha256"] == (
        build.artifact("CentreRegistry").bytecode_digest
    )
    loaded = load_deployment(tmp_path, chain)
    assert loaded == record
    contracts = bind_contracts(chain, loaded, build)
    assert contracts.centres.version() == "1.0.0"
    assert contracts.centres.anchor_registry() == record.contracts["AnchorRegistry"].address
    (centre,) = contracts.centres.centres()
    assert (centre.id, centre.region_code, centre.name) == (1, 370200, "青岛中心")
    assert centre.status is CentreStatus.ACTIVE


def test_second_deploy_is_refused_unless_replacing(
    chain: ChainConnection, build: Build, tmp_path: Path
) -> None:
    first = deploy_once(chain, build, tmp_path)
    with pytest.raises(DeploymentExistsError, match="--replace"):
        deploy_once(chain, build, tmp_path)
    assert load_deployment(tmp_path, chain) == first
    second = deploy_once(chain, build, tmp_path, replace=True)
    assert second.address("CentreRegistry") != first.address("CentreRegistry")
    assert load_deployment(tmp_path, chain) == second
    kept = list((tmp_path / "deployments").glob(f"{chain.chain_id}.replaced-*.json"))
    assert (
        len(kept) == 1
        and json.loads(kept[0].read_text())["contracts"] == json.loads(first.to_json())["contracts"]
    )


def test_record_of_a_reset_chain_is_stale(build: Build, tmp_path: Path) -> None:
    deploy_once(connect(ChainSettings()), build, tmp_path)
    fresh = connect(ChainSettings())  # a new embedded chain: same id, no code
    with pytest.raises(DeploymentNotFoundError, match="chain was reset"):
        load_deployment(tmp_path, fresh)
    assert deploy_once(fresh, build, tmp_path).chain_id == fresh.chain_id


def test_missing_record_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DeploymentNotFoundError, match="dataprop deploy"):
        load_deployment(tmp_path, connect(ChainSettings()))


def test_cli_deploys_to_anvil_once(anvil: AnvilInstance, tmp_path: Path) -> None:
    env = {"DATAPROP_CHAIN__BACKEND": "rpc", "DATAPROP_CHAIN__RPC_URL": anvil.url}
    first = dataprop("deploy", data_dir=tmp_path, **env)
    assert first.returncode == 0, first.stderr
    assert "CertificateRegistry" in first.stdout
    record = json.loads((tmp_path / "deployments" / "31337.json").read_text())
    assert record["chain_id"] == 31337
    again = dataprop("deploy", data_dir=tmp_path, **env)
    assert again.returncode == 1
    assert "deployment_exists" in again.stderr and "Traceback" not in again.stderr

"""`dataprop export` and `dataprop audit` as a centre and its regulator run them, on anvil."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

from node.chain.compiler import Build
from node.chain.connection import connect_rpc
from node.chain.local_chain import start_anvil
from node.cli.app import main
from tests.audit.seeding import (
    SeededNode,
    break_log,
    delete_document,
    deploy_cities,
    edit_document,
    insert_document,
    rows,
    seed_node,
    set_status,
    swap_proofs,
    tampering,
)
from tests.chain.test_cli import dataprop
from tests.conftest import LOCAL_CHAIN_DIR

pytestmark = pytest.mark.usefixtures("anvil_available")


@dataclass(frozen=True)
class Consortium:
    """Two seeded nodes on anvil, and a regulator's empty data folder."""

    rpc_url: str
    build_dir: Path
    qingdao: SeededNode
    weifang: SeededNode
    regulator: Path

    @property
    def centre_registry(self) -> str:
        return self.qingdao.contracts.centres.address

    def node_env(self, node: SeededNode, database: Path | None = None) -> dict[str, str]:
        settings = node.settings
        assert settings.centre.key is not None
        env = {
            "DATAPROP_BUILD_DIR": str(self.build_dir),
            "DATAPROP_CHAIN__BACKEND": "rpc",
            "DATAPROP_CHAIN__RPC_URL": self.rpc_url,
            "DATAPROP_CENTRE__KEY": settings.centre.key.get_secret_value(),
            "DATAPROP_CENTRE__REGION_CODE": settings.centre.region_code,
            "DATAPROP_CENTRE__NAME": settings.centre.name,
        }
        if database is not None:
            env["DATAPROP_DATABASE_URL"] = f"sqlite:///{database}"
        return env

    def export(self, node: SeededNode, out: Path, database: Path | None = None) -> Path:
        result = dataprop(
            "export",
            "--out",
            str(out),
            data_dir=node.settings.data_dir,
            **self.node_env(node, database),
        )
        assert result.returncode == 0, result.stderr
        assert f"to {out}" in result.stdout
        return out

    def audit(self, *args: str, out: Path) -> tuple[int, str, str, dict[str, object]]:
        result = dataprop(
            "audit",
            *args,
            "--rpc",
            self.rpc_url,
            "--centre-registry",
            self.centre_registry,
            "--out",
            str(out),
            "--workers",
            "1",
            data_dir=self.regulator,
            DATAPROP_BUILD_DIR=str(self.build_dir),
        )
        report = (
            json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {}
        )
        return result.returncode, result.stdout, result.stderr, report


@pytest.fixture(scope="module")
def consortium(
    anvil_available: None, build: Build, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Consortium]:
    root = tmp_path_factory.mktemp("audit-anvil")
    anvil = start_anvil(LOCAL_CHAIN_DIR, root / "anvil-logs")
    try:
        connection = connect_rpc(anvil.url)
        record = deploy_cities(connection, build, root)
        nodes = []
        for centre, count in ((0, 6), (1, 2)):
            data_dir = root / f"node-{centre}"
            shutil.copytree(root / "deployments", data_dir / "deployments")
            nodes.append(
                seed_node(connection, build, record, data_dir, centre=centre, certificates=count)
            )
        yield Consortium(anvil.url, build.path.parent, nodes[0], nodes[1], root / "regulator")
        for node in nodes:
            node.worker.stop()
            node.store.engine.dispose()
    finally:
        anvil.stop()


def run_in_process(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *args: str) -> int:
    """The console script's ``main`` in this process (no interpreter start-up); its exit."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.argv", ["dataprop", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return int(exited.value.code or 0)


def write_export(node: SeededNode, path: Path) -> Path:
    with path.open("wb") as out:
        for line in node.lines():
            out.write(line)
    return path


def test_a_tampered_node_fails_the_audit_with_each_tampering(
    consortium: Consortium, tmp_path: Path
) -> None:
    node = consortium.qingdao
    copy = node.copy(tmp_path)
    engine = tampering(copy)
    [edited] = rows(engine, "SELECT id FROM documents WHERE kind = 'certificate' LIMIT 1")
    [deleted] = rows(engine, "SELECT id FROM documents WHERE kind = 'compliance_report' LIMIT 1")
    edit_document(engine, edited.id)
    delete_document(engine, deleted.id)
    set_status(engine, node.certificates[0], "cancelled")
    break_log(engine, 7)
    jobs = rows(
        engine,
        "SELECT id, batch_id FROM anchor_jobs WHERE document_id <> :id"
        " ORDER BY batch_id, leaf_index",
        id=edited.id,
    )
    first, second = next((a, b) for a, b in pairwise(jobs) if a.batch_id == b.batch_id)
    swap_proofs(engine, first.id, second.id)
    insert_document(engine, node, "never-anchored")
    engine.dispose()
    tampered = consortium.export(node, tmp_path / "tampered.jsonl", database=copy)
    header = json.loads(tampered.read_bytes().splitlines()[0])
    assert header["format"] == "dataprop-export" and header["version"] == 1
    weifang = write_export(consortium.weifang, tmp_path / "weifang.jsonl")

    status, out, _, report = consortium.audit(
        "--export", str(tampered), "--export", str(weifang), out=tmp_path / "report"
    )

    assert status == 1
    assert "FAIL 未通过" in out
    codes = sorted(finding["code"] for finding in report["findings"])  # type: ignore[attr-defined]
    assert codes == [
        "document_not_anchored",
        "document_tampered",
        "event_log_broken",
        "orphan_leaf",
        "proof_invalid",
        "proof_invalid",
        "status_mismatch",
    ]
    html = (tmp_path / "report" / "report.html").read_text()
    for code in set(codes):
        assert code in html


def test_an_untampered_node_database_and_export_pass(
    consortium: Consortium, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = consortium.qingdao
    weifang = write_export(consortium.weifang, tmp_path / "weifang.jsonl")
    env = {**consortium.node_env(node), "DATAPROP_DATA_DIR": str(node.settings.data_dir)}
    arguments = ["--node-db", node.settings.resolved_database_url, "--export", str(weifang)]

    status = run_in_process(
        monkeypatch, env, "audit", *arguments, "--workers", "1", "--out", str(tmp_path / "r")
    )

    assert status == 0
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["verdict"] == "pass" and report["findings"] == []
    audited = [row["audited"]["source"] for row in report["summary"]["by_centre"]]
    assert audited[0].startswith("database sqlite:///") and audited[1] == str(weifang)
    assert "PASS 通过" in (tmp_path / "r" / "report.html").read_text()
    assert list((node.settings.data_dir / "scans").glob("*.jsonl"))  # the next scan resumes


def test_a_cut_off_export_cannot_be_audited(
    consortium: Consortium,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    whole = write_export(consortium.weifang, tmp_path / "weifang.jsonl")
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(whole.read_bytes().splitlines(keepends=True)[:-3]))
    env = {**consortium.node_env(consortium.weifang), "DATAPROP_DATA_DIR": str(tmp_path)}
    registry = ["--centre-registry", consortium.centre_registry]

    status = run_in_process(
        monkeypatch,
        env,
        "audit",
        "--export",
        str(cut),
        *registry,
        "--workers",
        "1",
        "--out",
        str(tmp_path / "r"),
    )

    assert status == 2 and not (tmp_path / "r").exists()
    error = capsys.readouterr().err
    assert "error (export_format)" in error and "cut off" in error

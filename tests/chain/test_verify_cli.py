"""`dataprop verify` as a bank runs it: real processes, a real anvil, real bundles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.main import create_app
from node.chain.compiler import Build
from node.chain.connection import connect_rpc
from node.chain.local_chain import start_anvil
from node.documents.bundle import bundle_json
from node.reports.certificate_pdf import CertificatePrinter
from tests.api.serving import serving
from tests.api.verifying_node import VerifyingNode, verifying_node
from tests.chain.test_cli import dataprop
from tests.chain.verification_support import WEIFANG, deploy_consortium, tamper
from tests.conftest import LOCAL_CHAIN_DIR
from tests.reports.pdf_tools import with_attachment
from tests.unit.domain.builders import number

pytestmark = pytest.mark.usefixtures("anvil_available")


@dataclass(frozen=True)
class Bank:
    """What a bank holds: bundle files, the chain's URL and the trusted CentreRegistry."""

    node: VerifyingNode
    node_dir: Path
    rpc_url: str
    data_dir: Path
    files: Path
    build_dir: Path

    @property
    def centre_registry(self) -> str:
        return self.node.consortium.contracts.centres.address

    def file(self, name: str, content: bytes) -> str:
        path = self.files / name
        path.write_bytes(content)
        return str(path)

    def verify(self, *args: str, trusted: bool = True) -> tuple[int, str, str]:
        """Run `dataprop verify` against the chain; exit status, stdout, stderr."""
        chain = ["--rpc", self.rpc_url]
        if trusted:
            chain += ["--centre-registry", self.centre_registry]
        result = dataprop(
            "verify", *args, *chain, data_dir=self.data_dir, DATAPROP_BUILD_DIR=str(self.build_dir)
        )
        return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope="module")
def bank(
    anvil_available: None, build: Build, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bank]:
    root = tmp_path_factory.mktemp("bank")
    anvil = start_anvil(LOCAL_CHAIN_DIR, root / "anvil-logs")
    try:
        node = verifying_node(connect_rpc(anvil.url), build, root / "node")
        files = root / "files"
        files.mkdir()
        yield Bank(node, root / "node", anvil.url, root / "bank", files, build.path.parent)
    finally:
        anvil.stop()


def test_a_valid_bundle_exits_0_with_every_check_and_the_chain_read(bank: Bank) -> None:
    status, out, err = bank.verify(bank.file("valid.json", bundle_json(bank.node.valid)))
    assert status == 0, err
    assert "VALID 有效" in out and "NOT VALID" not in out
    for name in ("schema", "digest", "signature", "centre", "anchor", "status", "validity"):
        assert name in out
    assert "block height" in out and bank.centre_registry in out
    assert bank.node.valid_number in out


def test_a_tampered_bundle_exits_1_naming_the_failed_check(bank: Bank) -> None:
    tampered = bank.file("tampered.json", tamper(bundle_json(bank.node.valid)))
    status, out, _ = bank.verify(tampered)
    assert status == 1
    assert "NOT VALID 无效" in out
    assert "not the one that was issued" in out


def test_a_certificate_pdf_is_verified_from_its_attached_bundle(
    bank: Bank, printer: CertificatePrinter
) -> None:
    pdf = printer.pdf(bank.node.valid)
    status, out, err = bank.verify(bank.file("certificate.pdf", pdf))
    assert status == 0, err
    assert "VALID 有效" in out and bank.node.valid_number in out

    forged = with_attachment(pdf, tamper(bundle_json(bank.node.valid)))
    status, out, _ = bank.verify(bank.file("forged.pdf", forged))
    assert status == 1
    assert "NOT VALID 无效" in out and "not the one that was issued" in out


def test_json_prints_the_report(bank: Bank) -> None:
    status, out, _ = bank.verify(
        bank.file("pledged.json", bundle_json(bank.node.pledged)), "--json"
    )
    assert status == 0
    report = json.loads(out)
    assert report["verdict"] == "valid"
    assert [check["step"] for check in report["checks"]] == list(range(1, 10))
    assert [pledge["priority"] for pledge in report["pledges"]] == [1]
    assert report["contracts"]["centre_registry"] == bank.centre_registry


def test_a_peer_centre_without_recognition_exits_1(bank: Bank) -> None:
    valid = bank.file("valid.json", bundle_json(bank.node.valid))
    status, out, _ = bank.verify(valid, "--as-centre", str(WEIFANG), "--json")
    assert status == 1
    checks = {check["name"]: check["outcome"] for check in json.loads(out)["checks"]}
    assert checks["recognition"] == "failed"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"{not json", "bundle_schema"),
        (b'{"bundle_version": 2}', "bundle_schema"),
        (b"%PDF-1.7\n%%EOF\n", "certificate_pdf"),
    ],
    ids=["not-json", "not-a-bundle", "torn-pdf"],
)
def test_an_unusable_file_is_one_error_line_and_exit_2(
    bank: Bank, content: bytes, code: str
) -> None:
    status, out, err = bank.verify(bank.file("unusable.json", content))
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"error ({code}): ")


def test_neither_a_file_nor_a_number_exits_2(bank: Bank) -> None:
    status, _, err = bank.verify(str(bank.files / "missing.json"))
    assert status == 2
    assert err.startswith("error (bundle_unavailable): ") and "neither a bundle file" in err


def test_a_certificate_registry_outside_the_consortium_exits_1(
    bank: Bank, build: Build, tmp_path: Path
) -> None:
    connection = connect_rpc(bank.rpc_url)
    foreign = deploy_consortium(connection, build, tmp_path / "foreign")
    anchor = bank.node.valid.anchor.model_copy(
        update={"certificate_registry": foreign.address("CertificateRegistry")}
    )
    forged = bank.node.valid.model_copy(update={"anchor": anchor})
    status, out, err = bank.verify(bank.file("forged.json", bundle_json(forged)))
    assert status == 1
    assert out == ""
    assert err.startswith("error (consortium_mismatch): ") and "answers to" in err


def test_the_node_deployment_is_the_trust_root_without_centre_registry(bank: Bank) -> None:
    valid = bank.file("valid.json", bundle_json(bank.node.valid))
    status, _, err = bank.verify(valid, trusted=False)
    assert status == 2, "the bank has no deployment record"
    assert err.startswith("error (deployment_not_found): ")
    on_node = dataprop(
        "verify",
        valid,
        "--rpc",
        bank.rpc_url,
        data_dir=bank.node_dir,
        DATAPROP_BUILD_DIR=str(bank.build_dir),
    )
    assert on_node.returncode == 0, on_node.stderr
    assert bank.centre_registry in on_node.stdout


def test_a_number_of_a_node_without_a_centre_key_exits_2(bank: Bank) -> None:
    result = dataprop(
        "verify",
        bank.node.valid_number,
        "--rpc",
        bank.rpc_url,
        data_dir=bank.node_dir,
        DATAPROP_BUILD_DIR=str(bank.build_dir),
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error (no_centre_key): ")


def test_a_number_is_fetched_from_a_node_and_verified(bank: Bank) -> None:
    with serving(create_app(bank.node.verifier)) as url:
        status, out, err = bank.verify(bank.node.valid_number, "--node", url)
        assert status == 0, err
        assert bank.node.valid_number in out
        status, _, err = bank.verify(str(number(99)), "--node", url)
    assert status == 2
    assert err.startswith("error (bundle_unavailable): ") and "404" in err

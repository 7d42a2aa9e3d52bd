"""`dataprop import registrations` and `dataprop report yearbook` as an operator runs them: real
processes, a real anvil; imported registrations anchored by the worker verify like any other."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from node.chain.compiler import Build
from node.chain.connection import connect_rpc, dev_accounts
from node.chain.local_chain import start_anvil
from tests.chain.test_cli import dataprop
from tests.conftest import LOCAL_CHAIN_DIR
from tests.unit.reports.yearbook_data import EXPECTED_2025, csv_bytes, rows

pytestmark = pytest.mark.usefixtures("anvil_available")


@dataclass(frozen=True)
class Operator:
    """A node's data folder on a running anvil, with the contracts deployed."""

    data_dir: Path
    environment: dict[str, str]

    def run(self, *args: str) -> tuple[int, str, str]:
        result = dataprop(*args, data_dir=self.data_dir, **self.environment)
        return result.returncode, result.stdout, result.stderr

    def file(self, name: str, content: bytes) -> str:
        path = self.data_dir / name
        path.write_bytes(content)
        return str(path)


@pytest.fixture(scope="module")
def operator(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    root = tmp_path_factory.mktemp("operator")
    anvil = start_anvil(LOCAL_CHAIN_DIR, root / "anvil-logs", block_time=0.5)
    try:
        centre_key = dev_accounts(connect_rpc(anvil.url))[0].key  # anvil's public dev key
        node = Operator(
            root,
            {
                "DATAPROP_CHAIN__BACKEND": "rpc",
                "DATAPROP_CHAIN__RPC_URL": anvil.url,
                "DATAPROP_CENTRE__KEY": "0x" + bytes(centre_key).hex(),
                "DATAPROP_BUILD_DIR": str(build.path.parent),
            },
        )
        status, _, err = node.run("deploy")
        assert status == 0, err
        yield node
    finally:
        anvil.stop()


def test_imported_registrations_are_anchored_and_verify_and_count_in_the_yearbook(
    operator: Operator,
) -> None:
    source = operator.file("registrations.csv", csv_bytes(rows(), bom=True))
    status, out, err = operator.run("import", "registrations", source, "--json")
    assert status == 0, err
    outcome = json.loads(out)
    assert len(outcome["imported"]) == 14 and outcome["rejected"] == []
    status, out, err = operator.run("worker", "run", "--once")
    assert status == 0, err
    assert "failed 0; still waiting 0, unsent 0" in out
    listed = outcome["imported"][3]["registration_number"]
    status, out, err = operator.run("verify", listed, "--json")
    assert status == 0, out + err
    report = json.loads(out)
    assert report["verdict"] == "valid" and report["registration_number"] == listed
    assert {check["outcome"] for check in report["checks"]} == {"passed", "skipped"}
    status, out, err = operator.run("report", "yearbook", "--year", "2025")
    assert status == 0, err
    yearbook = json.loads(out)
    for key, expected in EXPECTED_2025.items():
        assert yearbook[key] == expected, key
    pdf = operator.data_dir / "yearbook.pdf"
    status, _, err = operator.run(
        "report", "yearbook", "--year", "2025", "--format", "pdf", "--out", str(pdf)
    )
    assert status == 0, err
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "数据产权登记年报" in text and "4800.50" in text


def test_a_bad_row_imports_nothing_and_partial_writes_the_reject_file(operator: Operator) -> None:
    records = [row | {"asset_name": f"补充数据 {index}"} for index, row in enumerate(rows()[:3])]
    records[1]["data_type"] = "table"
    source = operator.file("mixed.csv", csv_bytes(records))
    status, out, err = operator.run("import", "registrations", source)
    assert status == 1
    assert "line 3, column data_type: 'table' is not one of structured" in err
    assert "1 of 3 rows refused: nothing imported" in out
    status, out, err = operator.run("import", "registrations", source, "--partial")
    assert status == 1, err
    rejects = operator.data_dir / "mixed.rejects.csv"
    assert f"imported 2 of 3 rows; 1 refused, written to {rejects}" in out
    rejected = rejects.read_text("utf-8-sig").splitlines()
    assert rejected[0].endswith(",line,errors") and len(rejected) == 2
    assert rejected[1].startswith(",青岛港数据有限公司,") and "[unknown_value]" in rejected[1]


def test_an_unusable_file_is_one_error_line_and_exit_2(operator: Operator) -> None:
    source = operator.file("wrong.csv", b"holder_name,credit_code\nx,y\n")
    status, _, err = operator.run("import", "registrations", source)
    assert status == 2
    assert "import_file" in err and "missing column(s)" in err and "Traceback" not in err

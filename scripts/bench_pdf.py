"""Certificate PDFs: milliseconds per PDF, as ``GET /certificates/{number}.pdf`` builds them.

Signs ``--count`` distinct certificates (holders named with common characters)
and ``--rare`` more whose holder's name has a character outside GB 2312, so
that the full face is embedded; builds the PDF of each once and prints p50,
p99 and mean milliseconds (wall clock, and CPU time of this process, which
other work on the machine disturbs less) and the mean size, after the
first PDF, which cuts the fonts into a fresh cache folder (or into
``--cache-dir``, where a cut is made once and reused).
No chain is needed: the printer reads nothing but the bundle.

    .venv/bin/python scripts/bench_pdf.py [--count 200] [--rare 20] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from node.config import ReportSettings
from node.documents.builders import certificate_document
from node.documents.bundle import CertificateBundle, certificate_bundle
from node.documents.canonical import document_digest, keccak256
from node.documents.merkle import StandardMerkleTree
from node.documents.schemas import CentreRef, CertificateDocument, as_json
from node.documents.signing import CentreSigner, SignedFields, SigningDomain
from node.domain.calendar import CHINA_STANDARD_TIME
from node.domain.certificate import Certificate
from node.domain.identifiers import CreditCode, RegionCode, RegistrationNumber
from node.domain.values import (
    ApplicationContent,
    DataAsset,
    DataType,
    Holder,
    IndustrySection,
    Ownership,
    Right,
    Rights,
)
from node.reports.certificate_pdf import CertificatePrinter
from node.reports.fonts import CjkFonts

REGION = RegionCode("370200")
CENTRE_NAME = "青岛市数据资产登记评价中心"
ISSUED_ON = date(2026, 3, 2)
CITIES = ("青岛", "济南", "烟台", "潍坊", "威海", "日照", "临沂", "淄博")
TRADES = ("农业", "港航", "医疗", "能源", "物流", "金融", "文旅", "制造")
RARE = "堃"
"""In Noto Sans CJK, not in GB 2312: a holder so named is set from the full face."""
KEY = b"\x11" * 32
CHAIN_ID = 31337
REGISTRY = "0x" + "a1" * 20


@dataclass(frozen=True)
class Figures:
    """Build times of one kind of PDF."""

    label: str
    seconds: list[float]
    cpu_seconds: list[float]
    sizes: list[int]

    def percentile(self, share: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"| {self.label} | {len(self.seconds):,} | {self.percentile(0.5):.0f} | "
            f"{self.percentile(0.99):.0f} | {statistics.fmean(self.seconds) * 1000:.0f} | "
            f"{statistics.fmean(self.cpu_seconds) * 1000:.0f} | "
            f"{statistics.fmean(self.sizes) / 1024:.0f} |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="PDFs of common-character names")
    parser.add_argument("--rare", type=int, default=20, help="PDFs of names beyond GB 2312")
    parser.add_argument("--font-dir", type=Path, default=ReportSettings().font_dir)
    parser.add_argument("--cache-dir", type=Path, help="font cuts (default: a fresh folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as folder:
        fonts = CjkFonts(args.font_dir, args.cache_dir or Path(folder))
        printer = CertificatePrinter(fonts, "https://verify.qingdao.example")
        bundles = _bundles(args.count + 1, rare=False)
        started = time.perf_counter()
        printer.pdf(bundles.pop())
        first = time.perf_counter() - started
        common = _timed("common characters: the cut", printer, bundles)
        rare = _timed(f"a name with {RARE}: the full face", printer, _bundles(args.rare, rare=True))
    print(f"first PDF, cutting the fonts: {first:.1f} s (once per cache folder)")
    print("| PDF | built | p50 ms | p99 ms | mean ms | mean CPU ms | mean KiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for figures in (common, rare):
        print(figures.line())
    return 0


def _timed(label: str, printer: CertificatePrinter, bundles: list[CertificateBundle]) -> Figures:
    seconds: list[float] = []
    cpu_seconds: list[float] = []
    sizes: list[int] = []
    for bundle in bundles:
        started, cpu_started = time.perf_counter(), time.process_time()
        pdf = printer.pdf(bundle)
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu_started)
        sizes.append(len(pdf))
    return Figures(label, seconds, cpu_seconds, sizes)


def _bundles(count: int, *, rare: bool) -> list[CertificateBundle]:
    """``count`` signed certificates in one Merkle batch (never anchored: printing reads none)."""
    signer = CentreSigner(KEY, SigningDomain(CHAIN_ID, REGISTRY))
    centre = CentreRef(region_code=REGION.value, name=CENTRE_NAME, signer=signer.address)
    offset = 500_000 if rare else 0
    documents = [_certificate(offset + serial, centre, rare) for serial in range(1, count + 1)]
    digests = [document_digest(as_json(document)) for document in documents]  # type: ignore[arg-type]
    tree = StandardMerkleTree.of([[digest] for digest in digests], ["bytes32"])
    return [
        certificate_bundle(
            document,
            signature=signer.sign(SignedFields(document.kind.value, document.subject, digest, 1)),
            domain=signer.domain,
            root=tree.root,
            proof=tree.proof(index),
            leaf_index=index,
            transaction_hash=keccak256(b"anchor"),
            block_number=10,
            certificate_registry=REGISTRY,
            centre_registry=REGISTRY,
        )
        for index, (document, digest) in enumerate(zip(documents, digests, strict=True))
    ]


def _certificate(serial: int, centre: CentreRef, rare: bool) -> CertificateDocument:
    city, trade = CITIES[serial % len(CITIES)], TRADES[serial // len(CITIES) % len(TRADES)]
    name = f"{city}{RARE if rare else ''}{trade}数据科技有限公司第{serial}分公司"
    holder = Holder(name, CreditCode("913702002000000055"), Ownership.NON_STATE, REGION)
    asset = DataAsset(
        name=f"{city}{trade}数据集 {serial}",
        description="生产、仓储、批发和零售环节的日度数据。",
        data_type=DataType.STRUCTURED,
        industry_section=IndustrySection.I,
        source="自有系统采集",
        scale=f"约 {serial} 万条记录",
        update_frequency="每日",
        scenarios=("产销对接", "价格指数", "供应链金融风控"),
    )
    rights = Rights.of(Right.HOLDING, Right.USE, Right.OPERATION)
    return certificate_document(
        Certificate.issue(
            RegistrationNumber.create(REGION, 2026, serial),
            ApplicationContent(holder, asset, rights),
            issued_on=ISSUED_ON,
        ),
        centre=centre,
        created_at=datetime(2026, 3, 2, 10, tzinfo=CHINA_STANDARD_TIME),
        application_id=f"app-{serial}",
        compliance_report_digest=None,
        notice_digest=None,
    )


if __name__ == "__main__":
    raise SystemExit(main())

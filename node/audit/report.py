"""The audit report: a versioned JSON document and a readable HTML page of the same facts.

Both open with the chain read (chain id, block height and hash, contracts),
then the summary counts by finding and by centre, then every finding with its
evidence. The HTML page lists at most ``HTML_FINDINGS_PER_CODE`` findings of
each kind (the JSON report has them all).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from node.audit.findings import Finding, FindingCode, Severity
from node.audit.history import ChainHistory
from node.audit.reconcile import ChainView, SourceAudit

REPORT_FORMAT = "dataprop-audit"
REPORT_VERSION = 1
HTML_FINDINGS_PER_CODE = 1_000


@dataclass(frozen=True)
class AuditReport:
    """What an audit read and found."""

    generated_at: datetime
    chain: ChainView
    history: ChainHistory
    sources: list[SourceAudit]
    findings: list[Finding]

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for finding in self.findings if finding.severity is Severity.WARNING)

    def by_code(self) -> dict[str, dict[str, Any]]:
        """Every kind of finding (found or not) with its severity, description and count."""
        counts = Counter(finding.code for finding in self.findings)
        return {
            code.value: {
                "severity": code.severity.value,
                "description": code.description,
                "count": counts[code],
            }
            for code in FindingCode
        }

    def by_centre(self) -> list[dict[str, Any]]:
        """Each centre of the chain (and of any export naming an unknown key): what is on chain,
        what its node held, and its findings by kind."""
        roots: Counter[int] = Counter()
        leaves: Counter[int] = Counter()
        digests: Counter[int] = Counter()
        certificates: Counter[int] = Counter()
        for fact in self.history.roots.values():
            roots[fact.centre_id] += 1
            leaves[fact.centre_id] += fact.leaf_count
        for fact in self.history.digests.values():
            digests[fact.centre_id] += 1
        for certificate in self.history.certificates.values():
            certificates[certificate.issuer_id] += 1
        sources = {audit.centre_id: audit for audit in self.sources}
        findings: dict[int, Counter[str]] = {}
        for finding in self.findings:
            findings.setdefault(finding.centre_id, Counter())[finding.code.value] += 1
        ids = sorted(set(self.history.centres) | set(sources) | set(findings))
        rows = []
        for centre_id in ids:
            centre = self.history.centres.get(centre_id)
            source = sources.get(centre_id)
            found = findings.get(centre_id, Counter())
            rows.append(
                {
                    "centre_id": centre_id,
                    "name": centre.name if centre else (source.header.name if source else ""),
                    "region_code": f"{centre.region_code:06d}" if centre else None,
                    "status": centre.status.name.lower() if centre else "unknown",
                    "signer": centre.signer if centre else None,
                    "on_chain": {
                        "batch_roots": roots[centre_id],
                        "batched_leaves": leaves[centre_id],
                        "single_digests": digests[centre_id],
                        "certificates": certificates[centre_id],
                    },
                    "audited": None
                    if source is None
                    else {
                        "source": source.label,
                        "exported_at": source.header.exported_at,
                        "records": dict(sorted(source.counts.items())),
                    },
                    "findings": dict(sorted(found.items())),
                    "errors": sum(n for c, n in found.items() if _severity(c) is Severity.ERROR),
                    "warnings": sum(
                        n for c, n in found.items() if _severity(c) is Severity.WARNING
                    ),
                }
            )
        return rows

    def to_json(self) -> dict[str, Any]:
        """The report as JSON (format ``dataprop-audit``, version 1)."""
        chain = self.chain
        return {
            "report": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "generated_at": self.generated_at.isoformat(),
            "verdict": "fail" if self.errors else "pass",
            "chain": {
                "chain_id": chain.chain_id,
                "block_number": chain.head_block,
                "block_hash": "0x" + chain.head_hash.hex(),
                "block_time": datetime.fromtimestamp(chain.head_time, UTC).isoformat(),
                "scanned_from_block": chain.from_block,
                "events": dict(sorted(self.history.event_counts.items())),
                "state": self.history.state(),
                "contracts": {
                    "centre_registry": chain.addresses.centre_registry,
                    "anchor_registry": chain.addresses.anchor_registry,
                    "certificate_registry": chain.addresses.certificate_registry,
                },
            },
            "summary": {
                "errors": self.errors,
                "warnings": self.warnings,
                "by_finding": self.by_code(),
                "by_centre": self.by_centre(),
            },
            "findings": [finding.to_json() for finding in self.findings],
        }

    def write(self, folder: Path) -> tuple[Path, Path]:
        """Write ``report.json`` and ``report.html`` into ``folder``; their paths."""
        folder.mkdir(parents=True, exist_ok=True)
        body = self.to_json()
        json_path = folder / "report.json"
        json_path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", "utf-8")
        html_path = folder / "report.html"
        html_path.write_text(render_html(body), "utf-8")
        return json_path, html_path


def render_html(report: dict[str, Any]) -> str:
    """The HTML page of a JSON report."""
    template = _environment().get_template("report.html")
    grouped: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        grouped.setdefault(finding["code"], []).append(finding)
    return template.render(
        report=report,
        grouped=grouped,
        limit=HTML_FINDINGS_PER_CODE,
        evidence_text=_evidence_text,
    )


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("node.audit", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _evidence_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _severity(code: str) -> Severity:
    return FindingCode(code).severity

"""The audit of seeded nodes on the embedded chain: silent when untampered, and every tampering
the issue lists found, each once, and nothing else."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select

from node.audit import reconcile, run
from node.audit.findings import FindingCode, Severity
from node.audit.run import file_source
from node.store.digests import ZERO_HASH
from node.store.log_chain import entry_hash
from node.store.models import EventLogRow
from tests.audit.conftest import Cities
from tests.audit.seeding import (
    audit,
    break_log,
    change,
    delete_document,
    edit_document,
    found,
    insert_document,
    rows,
    set_status,
    swap_proofs,
    tampering,
)


def test_untampered_nodes_have_no_finding(cities: Cities, tmp_path: Path) -> None:
    report = audit(cities.qingdao.contracts, [cities.qingdao.source(), cities.weifang.source()])

    assert report.findings == []
    centres = {row["centre_id"]: row for row in report.by_centre()}
    assert centres[1]["on_chain"]["certificates"] == 7  # six issued, one renewal
    assert (
        centres[1]["audited"]["records"]["documents_checked"]
        == (centres[1]["on_chain"]["batched_leaves"])
    )
    assert centres[2]["on_chain"]["certificates"] == 3  # two issued, one renewal
    json_path, html_path = report.write(tmp_path / "report")
    body = json.loads(json_path.read_text())
    assert body["report"] == "dataprop-audit" and body["verdict"] == "pass"
    assert body["chain"]["block_number"] == cities.connection.w3.eth.block_number
    state = body["chain"]["state"]
    assert state["certificates"] == {"active": 7, "revoked": 1, "superseded": 2}
    assert state["centres"] == {"active": 2} and state["single_digests"] == 0
    assert "PASS 通过" in html_path.read_text()


def test_every_tampering_is_found_once_and_nothing_else(cities: Cities, tmp_path: Path) -> None:
    node = cities.qingdao
    copy = node.copy(tmp_path)
    engine = tampering(copy)
    certificate_docs = rows(
        engine, "SELECT id FROM documents WHERE kind = 'certificate' ORDER BY id"
    )
    edited = certificate_docs[0].id
    [deleted] = rows(engine, "SELECT id FROM documents WHERE kind = 'compliance_report' LIMIT 1")
    active = node.certificates[0]
    edit_document(engine, edited)
    delete_document(engine, deleted.id)
    set_status(engine, active, "revoked")
    break_log(engine, 5)
    jobs = rows(
        engine,
        "SELECT id, batch_id, document_id FROM anchor_jobs WHERE document_id <> :edited"
        " ORDER BY batch_id, leaf_index",
        edited=edited,
    )
    first, second = next((a, b) for a, b in pairwise(jobs) if a.batch_id == b.batch_id)
    swap_proofs(engine, first.id, second.id)
    insert_document(engine, node, "never-anchored")
    engine.dispose()

    report = audit(node.contracts, [node.source(copy), cities.weifang.source()])

    assert {code for code, _, _ in found(report)} == {
        "document_tampered",
        "orphan_leaf",
        "status_mismatch",
        "event_log_broken",
        "proof_invalid",
        "document_not_anchored",
    }
    by_code = {code: [s for c, _, s in found(report) if c == code] for code, _, _ in found(report)}
    assert by_code["document_tampered"] == [edited]
    assert by_code["status_mismatch"] == [active]
    assert by_code["event_log_broken"] == ["seq 5"]
    assert sorted(by_code["proof_invalid"]) == sorted([first.document_id, second.document_id])
    assert by_code["document_not_anchored"] == ["never-anchored"]
    assert len(by_code["orphan_leaf"]) == 1
    assert all(finding.centre_id == 1 for finding in report.findings)
    assert report.errors == len(report.findings) == 7


def test_worker_processes_find_the_same(cities: Cities, tmp_path: Path) -> None:
    node = cities.qingdao
    copy = node.copy(tmp_path)
    engine = tampering(copy)
    edit_document(
        engine, rows(engine, "SELECT id FROM documents WHERE kind = 'notice' LIMIT 1")[0].id
    )
    break_log(engine, 3)
    engine.dispose()
    sources = [node.source(copy), cities.weifang.source()]

    alone = audit(node.contracts, sources)
    spread = audit(node.contracts, sources, workers=2)

    assert found(alone) == found(spread) and len(found(alone)) == 2
    assert [f.to_json() for f in alone.findings] == [f.to_json() for f in spread.findings]


def test_a_centre_left_out_is_a_warning(cities: Cities) -> None:
    report = audit(cities.qingdao.contracts, [cities.qingdao.source()])

    assert found(report) == [("centre_not_audited", 2, "centre #2")]
    assert report.findings[0].severity is Severity.WARNING and report.errors == 0


def test_a_rewritten_log_breaks_its_anchored_head(cities: Cities, tmp_path: Path) -> None:
    """Rehashing every entry after an edit keeps the links; the anchored head tells."""
    node = cities.qingdao
    copy = node.copy(tmp_path)
    engine = tampering(copy)
    with engine.begin() as connection:
        entries = list(connection.execute(select(EventLogRow.__table__).order_by(EventLogRow.seq)))
        previous = ZERO_HASH
        for entry in entries:
            actor = "someone-else" if entry.seq == 4 else entry.actor
            new_hash = entry_hash(
                previous, entry.seq, entry.at, actor, entry.action, entry.subject, entry.details
            )
            connection.execute(
                EventLogRow.__table__.update()
                .where(EventLogRow.seq == entry.seq)
                .values(actor=actor, prev_hash=previous, hash=new_hash)
            )
            previous = new_hash
    engine.dispose()

    report = audit(node.contracts, [node.source(copy), cities.weifang.source()])

    [finding] = report.findings
    assert finding.code is FindingCode.EVENT_LOG_HEAD_MISMATCH
    assert finding.evidence["hash"] != finding.evidence["stored_hash"]


def test_documents_waiting_for_their_anchor_are_late_only_past_the_deadline(
    cities: Cities, tmp_path: Path
) -> None:
    node = cities.qingdao
    copy = node.copy(tmp_path)
    engine = tampering(copy)
    now = datetime.now(UTC)
    for document_id, deadline in (
        ("due-later", now + timedelta(hours=1)),
        ("overdue", now - timedelta(hours=1)),
    ):
        insert_document(engine, node, document_id)
        [(digest,)] = rows(engine, "SELECT digest FROM documents WHERE id = :id", id=document_id)
        change(
            engine,
            "INSERT INTO anchor_jobs (document_id, digest, status, created_at, deadline_at)"
            " VALUES (:id, :digest, 'pending', :created, :deadline)",
            id=document_id,
            digest=digest,
            created=now.isoformat(),
            deadline=deadline.isoformat(),
        )
    engine.dispose()

    report = audit(node.contracts, [node.source(copy), cities.weifang.source()])

    assert found(report) == [("anchor_overdue", 1, "overdue")]
    assert report.findings[0].severity is Severity.WARNING
    centres = {row["centre_id"]: row for row in report.by_centre()}
    assert centres[1]["audited"]["records"]["documents_in_flight"] == 1


def test_blocks_cut_anywhere_in_the_file_find_the_same(
    cities: Cities, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads of a few hundred bytes and blocks of a few KiB cut sections, batches and lines
    everywhere: a batch must stay whole and every line be read once."""
    node = cities.qingdao
    copy = node.copy(tmp_path)
    engine = tampering(copy)
    edit_document(
        engine, rows(engine, "SELECT id FROM documents WHERE kind = 'notice' LIMIT 1")[0].id
    )
    break_log(engine, 9)
    engine.dispose()
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"".join(node.lines(copy)))
    sources = [file_source(export), cities.weifang.source()]
    whole = audit(node.contracts, sources)

    monkeypatch.setattr(reconcile, "BLOCK_BYTES", 3_000)
    monkeypatch.setattr(run, "READ_BYTES", 777)
    cut = audit(node.contracts, sources)

    assert found(cut) == found(whole) and len(found(whole)) == 2
    [qingdao] = [row for row in cut.by_centre() if row["centre_id"] == 1]
    entries = rows(tampering(copy), "SELECT seq FROM event_log")
    assert qingdao["audited"]["records"]["event"] == len(entries)

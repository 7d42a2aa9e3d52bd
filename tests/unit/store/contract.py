"""What every store must do, written once and run on each store.

``tests/unit/store`` runs these classes on the in-memory fake and SQLite,
``tests/store`` on SQLite and PostgreSQL; each directory's conftest provides
the ``store`` fixture. Classes here are not collected by themselves (no
``Test`` prefix); test modules subclass them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, timedelta
from typing import Any

import pytest
import rfc8785
from eth_utils.crypto import keccak

from node.documents.kinds import DocumentKind
from node.domain.certificate import Certificate, CertificateStatus, Licensee
from node.domain.identifiers import CreditCode, RegionCode, RegistrationNumber
from node.domain.snapshot import application_to_snapshot, certificate_to_snapshot
from node.domain.workflow import Action, ApplicationState
from node.store.errors import (
    AlreadyExistsError,
    AttachmentIntegrityError,
    ConcurrentUpdateError,
    DocumentDigestMismatchError,
    IdempotencyKeyReusedError,
    InvalidTransitionError,
    InvalidValueError,
    KeyringMissingError,
    NotFoundError,
    UnitOfWorkClosedError,
    UnknownKeyError,
)
from node.store.keyring import Keyring
from node.store.records import (
    AnchorBatchStatus,
    AnchorJobStatus,
    ApiKey,
    BatchLeaf,
    ChainActionStatus,
)
from tests.unit.domain.builders import content, cst, holder, number
from tests.unit.store.support import (
    KEY_B,
    StoreUnderTest,
    deadline,
    draft,
    issued,
    new_document,
)

SENDER = "0x" + "12" * 20
ZERO = bytes(32)


def h(label: str) -> bytes:
    """A 32-byte value for tests."""
    return bytes(keccak(text=label))


class ApplicationContract:
    """Applications: round trips, listing, optimistic locking, atomicity."""

    def test_round_trip_keeps_everything(self, store: StoreUnderTest) -> None:
        app = issued("app-1")
        with store.uow() as uow:
            uow.applications.add(app, applicant_id="applicant-1")
            uow.commit()
        with store.uow() as uow:
            loaded = uow.applications.get("app-1")
            assert uow.applications.version("app-1") == 1
            assert uow.applications.applicant_of("app-1") == "applicant-1"
        assert application_to_snapshot(loaded) == application_to_snapshot(app)
        assert loaded.state is ApplicationState.ISSUED
        assert loaded.events == app.events
        assert loaded.notice == app.notice
        assert loaded.objections == app.objections
        assert loaded.decisions == app.decisions
        assert loaded.compliance_report == app.compliance_report
        assert loaded.reviewers == {"reviewer", "reviewer-2"}
        assert loaded.registration_number == number(1)

    def test_missing_application_is_not_found(self, store: StoreUnderTest) -> None:
        with store.uow() as uow, pytest.raises(NotFoundError) as excinfo:
            uow.applications.get("nope")
        assert excinfo.value.code == "application_not_found"

    def test_adding_an_id_twice_is_refused(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            uow.applications.add(draft("app-1"), applicant_id="a")
            uow.commit()
        with store.uow() as uow, pytest.raises(AlreadyExistsError) as excinfo:
            uow.applications.add(draft("app-1"), applicant_id="b")
        assert excinfo.value.code == "application_exists"
        with store.uow() as uow:
            assert uow.applications.applicant_of("app-1") == "a"

    def test_listing_pages_in_a_stable_order(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            for index, app_id in enumerate(["c", "a", "e", "b", "d"]):
                if index == 3:
                    store.clock.advance(timedelta(minutes=1))
                uow.applications.add(draft(app_id), applicant_id="mine")
            uow.applications.add(draft("other"), applicant_id="someone else")
            uow.commit()
        with store.uow() as uow:
            pages = [
                [app.id for app in uow.applications.list_by_applicant("mine", limit=2, offset=o)]
                for o in (0, 2, 4, 6)
            ]
        # same creation time → by id; later creation after
        assert pages == [["a", "c"], ["e", "b"], ["d"], []]

    def test_listing_by_state(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            uow.applications.add(draft("d-1"), applicant_id="a")
            uow.applications.add(issued("i-1"), applicant_id="b")
            uow.applications.add(draft("d-2"), applicant_id="c")
            uow.commit()
        with store.uow() as uow:
            drafts = uow.applications.list_by_state([ApplicationState.DRAFT])
            issued_or_draft = uow.applications.list_by_state(
                [ApplicationState.ISSUED, ApplicationState.DRAFT], limit=2, offset=1
            )
            every = uow.applications.list_by_state()
            none = uow.applications.list_by_state([ApplicationState.OBJECTION])
        assert [app.id for app in drafts] == ["d-1", "d-2"]
        assert [app.id for app in issued_or_draft] == ["d-2", "i-1"]
        assert [app.id for app in every] == ["d-1", "d-2", "i-1"]
        assert none == []

    def test_save_bumps_the_version_and_logs_each_new_event(self, store: StoreUnderTest) -> None:
        app = draft("app-1")
        with store.uow() as uow:
            uow.applications.add(app, applicant_id="a")
            uow.commit()
        with store.uow() as uow:
            app = uow.applications.get("app-1")
            app.submit("applicant", at=store.clock.now())
            app.withdraw("applicant", at=store.clock.now())
            assert uow.applications.save(app) == 2
            uow.commit()
        with store.uow() as uow:
            assert uow.applications.version("app-1") == 2
            assert uow.applications.get("app-1").state is ApplicationState.WITHDRAWN
            entries = uow.events.entries()
        assert [(e.seq, e.action, e.subject, e.actor) for e in entries] == [
            (1, "application.submit", "app-1", "applicant"),
            (2, "application.withdraw", "app-1", "applicant"),
        ]
        assert entries[1].details["to_state"] == "withdrawn"

    def test_a_stale_version_loses(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            uow.applications.add(draft("app-1"), applicant_id="a")
            uow.commit()
        with store.uow() as uow:
            seen = uow.applications.version("app-1")
        with store.uow() as uow:  # someone else submits meanwhile
            app = uow.applications.get("app-1")
            app.submit("applicant", at=store.clock.now())
            uow.applications.save(app)
            uow.commit()
        with store.uow() as uow:
            app = uow.applications.get("app-1")
            app.withdraw("applicant", at=store.clock.now())
            with pytest.raises(ConcurrentUpdateError) as excinfo:
                uow.applications.save(app, expected_version=seen)
            assert excinfo.value.code == "concurrent_update"
        with store.uow() as uow:
            assert uow.applications.get("app-1").state is ApplicationState.SUBMITTED
            assert uow.applications.version("app-1") == 2

    def test_interleaved_writers_conflict(self, store: StoreUnderTest) -> None:
        if store.serialises_writers:
            pytest.skip("SQLite's BEGIN IMMEDIATE makes the second writer wait instead")
        with store.uow() as uow:
            uow.applications.add(draft("app-1"), applicant_id="a")
            uow.commit()
        with store.uow() as first, store.uow() as second:
            mine = first.applications.get("app-1")
            theirs = second.applications.get("app-1")
            theirs.withdraw("applicant", at=store.clock.now())
            second.applications.save(theirs)
            second.commit()
            mine.submit("applicant", at=store.clock.now())
            with pytest.raises(ConcurrentUpdateError):
                first.applications.save(mine)
                first.commit()
        with store.uow() as uow:
            assert uow.applications.get("app-1").state is ApplicationState.WITHDRAWN

    def test_changes_need_save(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            uow.applications.add(draft("app-1"), applicant_id="a")
            uow.commit()
        with store.uow() as uow:
            uow.applications.get("app-1").submit("applicant", at=store.clock.now())
            uow.commit()
        with store.uow() as uow:
            assert uow.applications.get("app-1").state is ApplicationState.DRAFT
            assert uow.events.head() is None

    def test_nothing_is_kept_without_commit(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            uow.applications.add(draft("app-1"), applicant_id="a")
        with store.uow() as uow, pytest.raises(NotFoundError):
            uow.applications.get("app-1")

    def test_explicit_rollback_discards(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            uow.applications.add(draft("app-1"), applicant_id="a")
            uow.rollback()
            uow.applications.add(draft("app-2"), applicant_id="a")
            uow.commit()
        with store.uow() as uow:
            assert [a.id for a in uow.applications.list_by_applicant("a")] == ["app-2"]

    def test_a_closed_unit_of_work_refuses_to_commit(self, store: StoreUnderTest) -> None:
        uow = store.uow()
        with uow:
            pass
        with pytest.raises(UnitOfWorkClosedError):
            uow.commit()


class DocumentContract:
    """Documents and the outbox rule."""

    def test_document_and_anchor_job_are_stored_together(self, store: StoreUnderTest) -> None:
        doc = new_document("370200-2026-000001-X")
        with store.uow() as uow:
            stored, job = uow.documents.add_with_anchor_job(doc, deadline(store.clock))
            uow.commit()
        assert job.document_id == stored.id and job.digest == doc.digest
        assert job.status is AnchorJobStatus.PENDING and job.batch_id is None
        with store.uow() as uow:
            again = uow.documents.get_by_digest(doc.digest)
            assert again == stored == uow.documents.get(stored.id)
            assert again.canonical == doc.canonical and again.signature == doc.signature
            assert again.created_at == store.clock.now()
            assert uow.anchors.job_for_document(stored.id) == job
            assert [j.id for j in uow.anchors.pending()] == [job.id]
            assert job.deadline_at == deadline(store.clock)

    def test_an_exception_leaves_neither_document_nor_job(self, store: StoreUnderTest) -> None:
        doc = new_document("app-1", document_id="doc-1")
        with pytest.raises(RuntimeError, match="boom"), store.uow() as uow:
            uow.documents.add_with_anchor_job(doc, deadline(store.clock))
            raise RuntimeError("boom")
        with store.uow() as uow:
            with pytest.raises(NotFoundError) as excinfo:
                uow.documents.get("doc-1")
            assert excinfo.value.code == "document_not_found"
            with pytest.raises(NotFoundError):
                uow.documents.get_by_digest(doc.digest)
            with pytest.raises(NotFoundError):
                uow.anchors.job_for_document("doc-1")
            assert uow.anchors.pending() == []

    def test_a_wrong_digest_is_refused(self, store: StoreUnderTest) -> None:
        doc = new_document("app-1")
        bad = type(doc)(**{**doc.__dict__, "digest": h("something else")})
        with store.uow() as uow:
            with pytest.raises(DocumentDigestMismatchError):
                uow.documents.add_with_anchor_job(bad, deadline(store.clock))
            assert uow.documents.list_by_subject("app-1") == []

    def test_a_digest_is_stored_once(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            uow.documents.add_with_anchor_job(new_document("app-1"), deadline(store.clock))
            uow.commit()
        with store.uow() as uow, pytest.raises(AlreadyExistsError) as excinfo:
            uow.documents.add_with_anchor_job(new_document("app-1"), deadline(store.clock))
        assert excinfo.value.code == "document_exists"

    def test_documents_link_to_the_one_they_follow(self, store: StoreUnderTest) -> None:
        first = new_document("N-1", {"n": 1})
        second = new_document("N-1", {"n": 2}, kind=DocumentKind.CHANGE, previous=first.digest)
        with store.uow() as uow:
            uow.documents.add_with_anchor_job(first, deadline(store.clock))
            store.clock.advance(timedelta(seconds=1))
            uow.documents.add_with_anchor_job(second, deadline(store.clock))
            uow.documents.add_with_anchor_job(new_document("N-2"), deadline(store.clock))
            uow.commit()
        with store.uow() as uow:
            listed = uow.documents.list_by_subject("N-1")
            assert [d.digest for d in listed] == [first.digest, second.digest]
            assert listed[1].previous_digest == first.digest
            assert listed[1].kind is DocumentKind.CHANGE
            orphan = new_document("N-1", {"n": 3}, previous=h("never stored"))
            with pytest.raises(NotFoundError) as excinfo:
                uow.documents.add_with_anchor_job(orphan, deadline(store.clock))
            assert excinfo.value.code == "previous_document_not_found"


class OutboxContract:
    """Anchor batches and chain actions move only along their allowed statuses."""

    def _three_jobs(self, store: StoreUnderTest) -> list[int]:
        with store.uow() as uow:
            ids = [
                uow.documents.add_with_anchor_job(new_document(f"s-{i}"), deadline(store.clock))[
                    1
                ].id
                for i in range(3)
            ]
            uow.commit()
        return ids

    def test_batch_life(self, store: StoreUnderTest) -> None:
        job_ids = self._three_jobs(store)
        leaves = [BatchLeaf(job_id, i, (h(f"p{i}"), h("q"))) for i, job_id in enumerate(job_ids)]
        with store.uow() as uow:
            batch = uow.anchors.create_batch(h("root"), SENDER, leaves)
            uow.commit()
        assert batch.status is AnchorBatchStatus.PREPARED and batch.leaf_count == 3
        with store.uow() as uow:
            jobs = uow.anchors.jobs_in_batch(batch.id)
            assert [(j.id, j.leaf_index, j.status) for j in jobs] == [
                (job_id, i, AnchorJobStatus.BATCHED) for i, job_id in enumerate(job_ids)
            ]
            assert jobs[1].proof == (h("p1"), h("q"))
            assert uow.anchors.pending() == []
            sent = uow.anchors.mark_sent(batch.id, raw_tx=b"\x02signed", tx_hash=h("tx"), nonce=7)
            uow.commit()
        assert (sent.raw_tx, sent.tx_hash, sent.nonce) == (b"\x02signed", h("tx"), 7)
        with store.uow() as uow:
            assert [b.id for b in uow.anchors.batches(AnchorBatchStatus.SENT)] == [batch.id]
            confirmed = uow.anchors.mark_confirmed(batch.id, block_number=12, block_hash=h("b"))
            assert confirmed.confirmed_at is not None and confirmed.block_number == 12
            assert {j.status for j in uow.anchors.jobs_in_batch(batch.id)} == {
                AnchorJobStatus.CONFIRMED
            }
            reorged = uow.anchors.mark_unconfirmed(batch.id)
            assert reorged.status is AnchorBatchStatus.SENT and reorged.block_hash is None
            assert reorged.raw_tx == b"\x02signed"
            failed = uow.anchors.fail_batch(batch.id)
            uow.commit()
        assert failed.status is AnchorBatchStatus.FAILED
        with store.uow() as uow:
            pending = uow.anchors.pending()
            assert sorted(j.id for j in pending) == sorted(job_ids)
            assert all(j.batch_id is None and j.proof is None for j in pending)

    def test_batches_refuse_wrong_moves(self, store: StoreUnderTest) -> None:
        job_ids = self._three_jobs(store)
        with store.uow() as uow:
            batch = uow.anchors.create_batch(h("r"), SENDER, [BatchLeaf(job_ids[0], 0, ())])
            with pytest.raises(InvalidTransitionError):
                uow.anchors.mark_confirmed(batch.id, block_number=1, block_hash=h("b"))
            with pytest.raises(InvalidTransitionError):
                uow.anchors.mark_unconfirmed(batch.id)
            with pytest.raises(InvalidTransitionError):  # job 0 is batched already
                uow.anchors.create_batch(
                    h("r2"), SENDER, [BatchLeaf(job_ids[1], 0, ()), BatchLeaf(job_ids[0], 1, ())]
                )
            with pytest.raises(NotFoundError):
                uow.anchors.create_batch(h("r3"), SENDER, [BatchLeaf(999, 0, ())])
            # nothing of a refused batch is left: job 1 waits, batch r is the only one
            assert sorted(job.id for job in uow.anchors.pending()) == job_ids[1:]
            assert uow.anchors.batches(AnchorBatchStatus.PREPARED) == [batch]

    def test_an_unsent_batch_is_prepared_again_with_its_proofs(self, store: StoreUnderTest) -> None:
        job_ids = self._three_jobs(store)
        leaves = [BatchLeaf(job_id, i, (h(f"p{i}"),)) for i, job_id in enumerate(job_ids)]
        with store.uow() as uow:
            batch = uow.anchors.create_batch(h("root"), SENDER, leaves)
            with pytest.raises(InvalidTransitionError):  # prepared: nothing to unsend
                uow.anchors.mark_unsent(batch.id)
            uow.anchors.mark_sent(batch.id, raw_tx=b"\x02lost", tx_hash=h("lost"), nonce=4)
            unsent = uow.anchors.mark_unsent(batch.id)
            uow.commit()
        assert unsent.status is AnchorBatchStatus.PREPARED
        assert (unsent.raw_tx, unsent.tx_hash, unsent.nonce, unsent.sent_at) == (None,) * 4
        with store.uow() as uow:
            assert [b.id for b in uow.anchors.batches(AnchorBatchStatus.PREPARED)] == [batch.id]
            jobs = uow.anchors.jobs_in_batch(batch.id)
            assert [(j.status, j.proof) for j in jobs] == [
                (AnchorJobStatus.BATCHED, (h(f"p{i}"),)) for i in range(3)
            ]
            again = uow.anchors.mark_sent(batch.id, raw_tx=b"\x02new", tx_hash=h("new"), nonce=5)
            assert (again.raw_tx, again.nonce) == (b"\x02new", 5)

    def test_confirmed_since_lists_the_batches_a_reorg_may_remove(
        self, store: StoreUnderTest
    ) -> None:
        job_ids = self._three_jobs(store)
        with store.uow() as uow:
            for index, (job_id, block) in enumerate(zip(job_ids, (9, 7, 8), strict=True)):
                batch = uow.anchors.create_batch(h(f"r{index}"), SENDER, [BatchLeaf(job_id, 0, ())])
                uow.anchors.mark_sent(batch.id, raw_tx=b"\x02", tx_hash=h(f"t{index}"), nonce=index)
                if block != 9:
                    uow.anchors.mark_confirmed(batch.id, block_number=block, block_hash=h("b"))
            uow.commit()
        with store.uow() as uow:
            assert [b.block_number for b in uow.anchors.confirmed_since(7)] == [7, 8]
            assert [b.block_number for b in uow.anchors.confirmed_since(8)] == [8]
            assert uow.anchors.confirmed_since(9) == []

    def test_a_reorged_action_keeps_its_transaction(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            action = uow.chain_actions.enqueue("release_pledge", {"pledge_id": "0x01"})
            other = uow.chain_actions.enqueue("release_pledge", {"pledge_id": "0x02"})
            with pytest.raises(InvalidTransitionError):  # pending: not confirmed
                uow.chain_actions.mark_unconfirmed(action.id)
            uow.chain_actions.mark_sent(action.id, raw_tx=b"\x02a", tx_hash=h("a"), nonce=1)
            uow.chain_actions.mark_sent(other.id, raw_tx=b"\x02b", tx_hash=h("b"), nonce=2)
            with pytest.raises(InvalidTransitionError):  # sent: not confirmed
                uow.chain_actions.mark_unconfirmed(action.id)
            uow.chain_actions.mark_confirmed(action.id, block_number=6, block_hash=h("b6"))
            uow.chain_actions.mark_confirmed(other.id, block_number=4, block_hash=h("b4"))
            assert [a.id for a in uow.chain_actions.confirmed_since(4)] == [other.id, action.id]
            assert [a.id for a in uow.chain_actions.confirmed_since(5)] == [action.id]
            reorged = uow.chain_actions.mark_unconfirmed(action.id)
            uow.commit()
        assert reorged.status is ChainActionStatus.SENT
        assert (reorged.raw_tx, reorged.nonce, reorged.block_number) == (b"\x02a", 1, None)
        with store.uow() as uow:
            assert uow.chain_actions.confirmed_since(0) == [uow.chain_actions.get(other.id)]

    def test_chain_action_life(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            action = uow.chain_actions.enqueue("register_certificate", {"asset_key": "0x01"})
            uow.commit()
        assert action.status is ChainActionStatus.PENDING
        with store.uow() as uow:
            assert [a.id for a in uow.chain_actions.with_status(ChainActionStatus.PENDING)] == [
                action.id
            ]
            uow.chain_actions.mark_sent(action.id, raw_tx=b"\x02tx", tx_hash=h("t"), nonce=3)
            with pytest.raises(InvalidTransitionError):
                uow.chain_actions.mark_sent(action.id, raw_tx=b"\x02tx", tx_hash=h("t"), nonce=3)
            reset = uow.chain_actions.reset(action.id)
            assert reset.status is ChainActionStatus.PENDING and reset.raw_tx is None
            uow.chain_actions.mark_sent(action.id, raw_tx=b"\x02tx2", tx_hash=h("t2"), nonce=4)
            done = uow.chain_actions.mark_confirmed(action.id, block_number=5, block_hash=h("b"))
            uow.commit()
        assert done.status is ChainActionStatus.CONFIRMED
        with store.uow() as uow:
            stored = uow.chain_actions.get(action.id)
            assert stored.payload == {"asset_key": "0x01"}
            assert (stored.raw_tx, stored.nonce, stored.block_number) == (b"\x02tx2", 4, 5)
            failed = uow.chain_actions.enqueue("set_status", {"status": 2})
            assert uow.chain_actions.mark_failed(failed.id, "reverted").error == "reverted"


class CertificateContract:
    """Certificates, their chain keys and their history."""

    def _issue(self, store: StoreUnderTest) -> tuple[Certificate, bytes]:
        app = issued("app-1")
        cert = Certificate.issue(number(1), content(), issued_on=date(2026, 3, 20))
        doc = new_document(str(number(1)))
        with store.uow() as uow:
            uow.applications.add(app, applicant_id="a")
            uow.documents.add_with_anchor_job(doc, deadline(store.clock))
            uow.certificates.add(
                cert, application_id="app-1", asset_key=h("asset"), document_digest=doc.digest
            )
            uow.commit()
        return cert, doc.digest

    def test_round_trip_and_chain_keys(self, store: StoreUnderTest) -> None:
        cert, digest = self._issue(store)
        with store.uow() as uow:
            loaded = uow.certificates.get(number(1))
            record = uow.certificates.record(str(number(1)))
        assert certificate_to_snapshot(loaded) == certificate_to_snapshot(cert)
        assert record.certificate_id == bytes(keccak(text=str(number(1))))
        assert record.asset_key == h("asset") and record.document_digest == digest
        assert record.application_id == "app-1" and record.version == 1
        assert record.status is CertificateStatus.ACTIVE and record.superseded_by is None
        assert (record.issued_on, record.valid_until) == (date(2026, 3, 20), date(2029, 3, 19))

    def test_listing_all_and_by_status(self, store: StoreUnderTest) -> None:
        cert, _ = self._issue(store)
        cert.revoke("centre", "fraud", at=cst(2026, 4, 1))
        with store.uow() as uow:
            uow.certificates.save(cert)
            uow.commit()
        with store.uow() as uow:
            every = uow.certificates.list_all()
            revoked = uow.certificates.list_all(status=CertificateStatus.REVOKED)
            active = uow.certificates.list_all(status=CertificateStatus.ACTIVE)
            beyond = uow.certificates.list_all(offset=1)
        assert [record.registration_number for record in every] == [str(number(1))]
        assert [record.status for record in revoked] == [CertificateStatus.REVOKED]
        assert active == [] and beyond == []

    def test_history_is_saved_and_logged(self, store: StoreUnderTest) -> None:
        self._issue(store)
        at = cst(2026, 4, 1)
        licensee = Licensee("某银行股份有限公司", CreditCode("91370700202094586M"))
        new_holder = holder("91370200201047294E", "青岛示例燃气集团有限公司")
        with store.uow() as uow:
            cert = uow.certificates.get(number(1))
            cert.licence(licensee, "用于风控建模。", date(2027, 1, 1), actor="holder", at=at)
            succession = cert.transfer(
                new_holder, actor="centre", at=at + timedelta(hours=1), new_number=number(2)
            )
            doc = new_document(str(number(2)), kind=DocumentKind.TRANSFER)
            uow.documents.add_with_anchor_job(doc, deadline(store.clock))
            uow.certificates.add(
                succession.certificate,
                application_id=None,
                asset_key=h("asset-2"),
                document_digest=doc.digest,
            )
            assert uow.certificates.save(cert) == 2
            uow.commit()
        with store.uow() as uow:
            old = uow.certificates.get(number(1))
            assert old.status is CertificateStatus.SUPERSEDED
            assert len(old.licences) == 1 and old.licences[0].licensee == licensee
            assert uow.certificates.record(number(1)).superseded_by == str(number(2))
            assert uow.certificates.get(number(2)).supersedes == number(1)
            held = uow.certificates.list_by_holder(new_holder.credit_code.value)
            assert [r.registration_number for r in held] == [str(number(2))]
            assert [
                r.registration_number for r in uow.certificates.find_by_asset_key(h("asset"))
            ] == [str(number(1))]
            actions = [e.action for e in uow.events.entries(limit=100)]
        assert actions[-2:] == ["certificate.licence", "certificate.transfer"]
        assert actions.count(f"application.{Action.ISSUE.value}") == 1

    def test_last_serial_is_per_centre_and_year(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            assert uow.certificates.last_serial("370200", 2026) == 0
        self._issue(store)
        other_year = RegistrationNumber.create(RegionCode("370200"), 2027, 41)
        other_centre = RegistrationNumber.create(RegionCode("370700"), 2026, 77)
        with store.uow() as uow:
            for serial, registration in enumerate((number(12), other_year, other_centre), 2):
                doc = new_document(str(registration))
                uow.documents.add_with_anchor_job(doc, deadline(store.clock))
                uow.certificates.add(
                    Certificate.issue(registration, content(), issued_on=date(2026, 3, 20)),
                    application_id=None,
                    asset_key=h(f"asset-{serial}"),
                    document_digest=doc.digest,
                )
            uow.commit()
        with store.uow() as uow:
            assert uow.certificates.last_serial("370200", 2026) == 12
            assert uow.certificates.last_serial("370200", 2027) == 41
            assert uow.certificates.last_serial("370700", 2026) == 77
            assert uow.certificates.last_serial("370500", 2026) == 0

    def test_a_certificate_needs_its_stored_document(self, store: StoreUnderTest) -> None:
        cert = Certificate.issue(number(1), content(), issued_on=date(2026, 3, 20))
        with store.uow() as uow, pytest.raises(NotFoundError) as excinfo:
            uow.certificates.add(
                cert, application_id=None, asset_key=h("a"), document_digest=h("missing")
            )
        assert excinfo.value.code == "document_not_found"

    def test_a_stale_certificate_version_loses(self, store: StoreUnderTest) -> None:
        self._issue(store)
        at = cst(2026, 4, 1)
        with store.uow() as uow:
            cert = uow.certificates.get(number(1))
            cert.revoke("centre", "以欺骗手段取得登记。", at=at)
            uow.certificates.save(cert)
            uow.commit()
        with store.uow() as uow:
            cert = uow.certificates.get(number(1))
            with pytest.raises(ConcurrentUpdateError):
                uow.certificates.save(cert, expected_version=1)
        with store.uow() as uow:
            assert uow.certificates.record(number(1)).status is CertificateStatus.REVOKED


class EventLogContract:
    """The hash chain of the event log, and tampering with it."""

    def _append(self, store: StoreUnderTest, count: int) -> None:
        with store.uow() as uow:
            for i in range(count):
                store.clock.advance(timedelta(seconds=1))
                uow.events.append("operator", "test.action", f"s-{i}", {"i": i, "nested": [i]})
            uow.commit()

    def test_entries_are_chained_as_specified(self, store: StoreUnderTest) -> None:
        self._append(store, 3)
        with store.uow() as uow:
            entries = uow.events.entries()
            head = uow.events.head()
            assert uow.events.verify() is None
        previous = ZERO
        for entry in entries:
            body: dict[str, Any] = {
                "seq": entry.seq,
                "at": entry.at.astimezone(UTC).isoformat(),
                "actor": entry.actor,
                "action": entry.action,
                "subject": entry.subject,
                "details": dict(entry.details),
            }
            assert entry.prev_hash == previous
            assert entry.hash == bytes(keccak(previous + rfc8785.dumps(body)))
            previous = entry.hash
        assert [e.seq for e in entries] == [1, 2, 3] and head == entries[-1]
        assert entries[0].at == store.clock.now() - timedelta(seconds=2)

    def test_details_must_be_json_like(self, store: StoreUnderTest) -> None:
        with store.uow() as uow, pytest.raises(InvalidValueError) as excinfo:
            uow.events.append("x", "test.action", "s", {"when": object()})
        assert excinfo.value.code == "invalid_value"
        with store.uow() as uow:
            assert uow.events.head() is None

    def test_an_empty_log_verifies(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            assert uow.events.head() is None
            assert uow.events.verify() is None

    def test_altered_details_are_found(self, store: StoreUnderTest) -> None:
        self._append(store, 4)
        store.set_event(2, details={"i": 99, "nested": [1]})
        with store.uow() as uow:
            assert uow.events.verify() == 2

    def test_altered_hash_is_found(self, store: StoreUnderTest) -> None:
        self._append(store, 4)
        store.set_event(3, hash=h("forged"))
        with store.uow() as uow:
            assert uow.events.verify() == 3

    def test_altered_time_is_found(self, store: StoreUnderTest) -> None:
        self._append(store, 3)
        with store.uow() as uow:
            moment = uow.events.entries()[0].at
        store.set_event(1, at=moment + timedelta(seconds=1))
        with store.uow() as uow:
            assert uow.events.verify() == 1

    def test_a_deleted_entry_is_found(self, store: StoreUnderTest) -> None:
        self._append(store, 5)
        store.delete_event(3)
        with store.uow() as uow:
            assert uow.events.verify() == 3

    def test_a_cut_off_tail_is_found_from_the_head_anchor(self, store: StoreUnderTest) -> None:
        self._append(store, 4)
        with store.uow() as uow:
            head = uow.events.head()
            assert head is not None
            doc = new_document("event-log", {"seq": head.seq}, kind=DocumentKind.EVENT_LOG_HEAD)
            stored, job = uow.documents.add_with_anchor_job(doc, deadline(store.clock))
            anchor = uow.events.record_head_anchor(head, stored.id, job.id)
            uow.commit()
        with store.uow() as uow:
            assert uow.events.last_head_anchor() == anchor
            assert uow.events.verify() is None
        store.delete_event(4)
        with store.uow() as uow:
            assert uow.events.verify() == 4

    def test_a_rewritten_chain_is_found_from_the_head_anchor(self, store: StoreUnderTest) -> None:
        self._append(store, 2)
        with store.uow() as uow:
            head = uow.events.head()
            assert head is not None
            doc = new_document("event-log", {"seq": 2}, kind=DocumentKind.EVENT_LOG_HEAD)
            stored, job = uow.documents.add_with_anchor_job(doc, deadline(store.clock))
            uow.events.record_head_anchor(head, stored.id, job.id)
            uow.commit()
        # rewrite entry 2 consistently: new details and a matching recomputed hash
        with store.uow() as uow:
            first, second = uow.events.entries()
        body: dict[str, Any] = {
            "seq": 2,
            "at": second.at.astimezone(UTC).isoformat(),
            "actor": second.actor,
            "action": second.action,
            "subject": second.subject,
            "details": {"i": 7},
        }
        store.set_event(2, details={"i": 7}, hash=bytes(keccak(first.hash + rfc8785.dumps(body))))
        with store.uow() as uow:
            assert uow.events.verify() == 2


class AttachmentContract:
    """Attachments are encrypted at rest, checked on reading, and re-keyed by rotation."""

    content = "营业执照扫描件 — confidential".encode() * 10

    def _put(self, store: StoreUnderTest, attachment_id: str = "att-1") -> None:
        with store.uow() as uow:
            if attachment_id == "att-1":
                uow.applications.add(draft("app-1"), applicant_id="a")
                uow.applications.add(draft("app-2"), applicant_id="a")
            info = uow.attachments.put(
                "app-1", "licence.pdf", "application/pdf", self.content, attachment_id=attachment_id
            )
            uow.commit()
        assert info.size == len(self.content) and info.key_id == "k1"

    def test_round_trip_and_ciphertext(self, store: StoreUnderTest) -> None:
        self._put(store)
        row = store.attachment_row("att-1")
        assert len(row["nonce"]) == 12
        assert self.content not in row["ciphertext"] and b"confidential" not in row["ciphertext"]
        assert len(row["ciphertext"]) == len(self.content) + 16
        with store.uow() as uow:
            attachment = uow.attachments.get("att-1")
            assert [i.id for i in uow.attachments.list_for("app-1")] == ["att-1"]
        assert attachment.content == self.content
        assert attachment.info.name == "licence.pdf"

    def test_nonces_are_fresh(self, store: StoreUnderTest) -> None:
        self._put(store)
        self._put(store, "att-2")
        first, second = store.attachment_row("att-1"), store.attachment_row("att-2")
        assert first["nonce"] != second["nonce"]
        assert first["ciphertext"] != second["ciphertext"]

    def test_a_tampered_byte_fails(self, store: StoreUnderTest) -> None:
        self._put(store)
        ciphertext = bytearray(store.attachment_row("att-1")["ciphertext"])
        ciphertext[5] ^= 0x01
        store.set_attachment("att-1", ciphertext=bytes(ciphertext))
        with store.uow() as uow, pytest.raises(AttachmentIntegrityError) as excinfo:
            uow.attachments.get("att-1")
        assert excinfo.value.code == "attachment_integrity"

    def test_a_ciphertext_moved_to_another_application_fails(self, store: StoreUnderTest) -> None:
        self._put(store)
        store.set_attachment("att-1", application_id="app-2")
        with store.uow() as uow, pytest.raises(AttachmentIntegrityError):
            uow.attachments.get("att-1")

    def test_a_wrong_key_fails(self, store: StoreUnderTest) -> None:
        self._put(store)
        wrong_bytes = Keyring({"k1": KEY_B}, "k1")
        with store.uow(keyring=wrong_bytes) as uow, pytest.raises(AttachmentIntegrityError):
            uow.attachments.get("att-1")
        unknown_id = Keyring({"k2": KEY_B}, "k2")
        with store.uow(keyring=unknown_id) as uow, pytest.raises(UnknownKeyError) as excinfo:
            uow.attachments.get("att-1")
        assert excinfo.value.code == "attachment_key_unknown"

    def test_rotation_re_encrypts_and_retires_the_old_key(self, store: StoreUnderTest) -> None:
        self._put(store)
        self._put(store, "att-2")
        before = store.attachment_row("att-1")
        new = Keyring({"k2": KEY_B}, "k2")
        with store.uow() as uow:
            assert uow.attachments.rotate(new) == 2
            assert uow.attachments.get("att-2").content == self.content
            uow.commit()
        after = store.attachment_row("att-1")
        assert after["key_id"] == "k2"
        assert after["ciphertext"] != before["ciphertext"] and after["nonce"] != before["nonce"]
        with store.uow(keyring=new) as uow:
            assert uow.attachments.get("att-1").content == self.content
            assert uow.attachments.get("att-2").content == self.content
        with store.uow(keyring=store.keyring) as uow, pytest.raises(UnknownKeyError):
            uow.attachments.get("att-1")

    def test_a_rolled_back_rotation_keeps_the_old_key(self, store: StoreUnderTest) -> None:
        self._put(store)
        with store.uow() as uow:
            uow.attachments.rotate(Keyring({"k2": KEY_B}, "k2"))
        assert store.attachment_row("att-1")["key_id"] == "k1"
        with store.uow() as uow:
            assert uow.attachments.get("att-1").content == self.content

    def test_attachments_need_a_keyring_and_an_application(self, store: StoreUnderTest) -> None:
        with store.uow() as uow, pytest.raises(NotFoundError):
            uow.attachments.put("no-such-app", "a.pdf", "application/pdf", b"x")


class IdempotencyContract:
    """Idempotency keys are unique per principal and remember the first response."""

    def test_remembered_response(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            assert uow.idempotency.find("bank-1", "key-1", h("req")) is None
            uow.idempotency.put("bank-1", "key-1", h("req"), 201, {"id": "p-1", "n": [1, 2]})
            uow.commit()
        with store.uow() as uow:
            found = uow.idempotency.find("bank-1", "key-1", h("req"))
            assert found is not None
            assert (found.status_code, found.response) == (201, {"id": "p-1", "n": [1, 2]})
            assert found.created_at == store.clock.now()
            with pytest.raises(IdempotencyKeyReusedError) as excinfo:
                uow.idempotency.find("bank-1", "key-1", h("another request"))
            assert excinfo.value.code == "idempotency_key_reused"

    def test_a_key_is_unique_per_principal(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            uow.idempotency.put("bank-1", "key-1", h("req"), 201, {"id": "p-1"})
            uow.idempotency.put("bank-2", "key-1", h("req"), 201, {"id": "p-2"})
            uow.commit()
        with store.uow() as uow, pytest.raises(AlreadyExistsError) as excinfo:
            uow.idempotency.put("bank-1", "key-1", h("req"), 200, {"id": "p-3"})
        assert excinfo.value.code == "idempotency_key_exists"
        with store.uow() as uow:
            found = uow.idempotency.find("bank-2", "key-1", h("req"))
            assert found is not None and found.response == {"id": "p-2"}

    def test_old_keys_are_purged(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            uow.idempotency.put("bank-1", "old", h("r"), 200, None)
            store.clock.advance(timedelta(days=2))
            uow.idempotency.put("bank-1", "new", h("r"), 200, None)
            assert uow.idempotency.purge(store.clock.now() - timedelta(days=1)) == 1
            uow.commit()
        with store.uow() as uow:
            assert uow.idempotency.find("bank-1", "old", h("r")) is None
            assert uow.idempotency.find("bank-1", "new", h("r")) is not None


class ApiKeyContract:
    """API keys: stored by id with their hash; expiry, revocation and successor saved."""

    def _key(self, store: StoreUnderTest, key_id: str, **changes: Any) -> ApiKey:
        fields: dict[str, Any] = {
            "key_id": key_id,
            "secret_hash": h(key_id),
            "principal": "reviewer-wang",
            "role": "reviewer",
            "party": None,
            "label": "王审查",
            "created_at": store.clock.now(),
        }
        return ApiKey(**(fields | changes))

    def test_round_trip_and_changes(self, store: StoreUnderTest) -> None:
        key = self._key(store, "k1")
        with store.uow() as uow:
            uow.api_keys.add(key)
            uow.commit()
        later = store.clock.now() + timedelta(days=1)
        changed = replace(key, expires_at=later, revoked_at=later, replaced_by="k2", label="x")
        with store.uow() as uow:
            assert uow.api_keys.get("k1") == key
            uow.api_keys.save(changed)
            uow.commit()
        with store.uow() as uow:
            # the label and the secret are not changed by ``save``
            assert uow.api_keys.get("k1") == replace(changed, label=key.label)

    def test_refusals(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            uow.api_keys.add(self._key(store, "k1"))
            with pytest.raises(AlreadyExistsError) as exists:
                uow.api_keys.add(self._key(store, "k1"))
            with pytest.raises(NotFoundError) as missing:
                uow.api_keys.get("k9")
            with pytest.raises(InvalidValueError):
                uow.api_keys.add(self._key(store, "k2", secret_hash=b"short"))
            with pytest.raises(InvalidValueError):
                uow.api_keys.add(self._key(store, "k3", principal=""))
        assert (exists.value.code, missing.value.code) == ("api_key_exists", "api_key_not_found")

    def test_listing_pages_oldest_first(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            for key_id in ("b", "a", "c"):
                uow.api_keys.add(self._key(store, key_id))
                store.clock.advance(timedelta(seconds=1))
            uow.commit()
        with store.uow() as uow:
            pages = [[k.key_id for k in uow.api_keys.list(limit=2, offset=o)] for o in (0, 2)]
        assert pages == [["b", "a"], ["c"]]


class PeerNonceContract:
    """Peer request nonces: a signer's nonce once, forgotten when its window ended."""

    SIGNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

    def test_a_nonce_is_taken_once_per_signer(self, store: StoreUnderTest) -> None:
        later = store.clock.now() + timedelta(minutes=2)
        with store.uow() as uow:
            uow.peer_nonces.record(self.SIGNER, h("n1"), later)
            uow.peer_nonces.record("0x" + "ab" * 20, h("n1"), later)
            uow.commit()
        with store.uow() as uow, pytest.raises(AlreadyExistsError) as replayed:
            uow.peer_nonces.record(self.SIGNER.lower(), h("n1"), later)
        assert replayed.value.code == "peer_nonce_exists"

    def test_expired_nonces_are_purged(self, store: StoreUnderTest) -> None:
        now = store.clock.now()
        with store.uow() as uow:
            uow.peer_nonces.record(self.SIGNER, h("old"), now - timedelta(minutes=1))
            uow.peer_nonces.record(self.SIGNER, h("new"), now + timedelta(minutes=1))
            assert uow.peer_nonces.purge(now) == 1
            uow.commit()
        with store.uow() as uow:
            uow.peer_nonces.record(self.SIGNER, h("old"), now + timedelta(minutes=1))
            with pytest.raises(AlreadyExistsError):
                uow.peer_nonces.record(self.SIGNER, h("new"), now + timedelta(minutes=1))


class KeyringlessContract:
    """A unit of work opened without a keyring refuses attachments."""

    def test_no_keyring_no_attachments(self, store: StoreUnderTest) -> None:
        with store.uow_without_keyring() as uow, pytest.raises(KeyringMissingError) as excinfo:
            uow.attachments.list_for("app-1")
        assert excinfo.value.code == "keyring_missing"

"""The store's bulk methods (many rows in one statement), written once and run on each store.

``tests/unit/store/test_bulk.py`` runs these classes on the in-memory fake and
SQLite, ``tests/store/test_bulk.py`` on SQLite and PostgreSQL. Each bulk method
must behave as its one-row counterpart called in a loop, except that a refusal
leaves nothing of the batch behind.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from node.domain.certificate import Certificate
from node.domain.workflow import ApplicationState
from node.store.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    DocumentDigestMismatchError,
    InvalidValueError,
    NotFoundError,
)
from node.store.log_chain import entry_hash
from node.store.ports import NewCertificate, NewEvent
from node.store.records import AnchorJobStatus, NewDocument
from tests.unit.domain.builders import content, number
from tests.unit.store.contract import h
from tests.unit.store.support import StoreUnderTest, deadline, draft, issued, new_document


class BulkApplicationContract:
    """add_many, get_many and save_many of applications."""

    def test_many_are_added_with_their_events_and_read_back_in_the_order_asked(
        self, store: StoreUnderTest
    ) -> None:
        added = [issued("app-1", 1), draft("app-2"), issued("app-3", 3)]
        with store.uow() as uow:
            uow.applications.add_many(added, applicant_id="a")
            uow.commit()
        with store.uow() as uow:
            loaded = uow.applications.get_many(["app-3", "app-2", "app-3"])
            assert [uow.applications.version(a.id) for a in loaded] == [1, 1, 1]
            assert uow.applications.applicant_of("app-2") == "a"
            entries = uow.events.entries(limit=100)
        assert [a.id for a in loaded] == ["app-3", "app-2", "app-3"]
        assert loaded[0] is loaded[2]
        assert loaded[0].state is ApplicationState.ISSUED
        assert loaded[0].registration_number == number(3)
        assert [e.subject for e in entries] == [a.id for a in added for _ in a.events]

    @pytest.mark.parametrize("repeated", ["app-1", "app-2"])
    def test_a_taken_or_repeated_id_refuses_the_whole_batch(
        self, store: StoreUnderTest, repeated: str
    ) -> None:
        with store.uow() as uow:
            uow.applications.add(draft("app-1"), applicant_id="a")
            uow.commit()
        with store.uow() as uow:
            with pytest.raises(AlreadyExistsError) as excinfo:
                uow.applications.add_many(
                    [draft("app-0"), draft("app-2"), draft(repeated)], applicant_id="b"
                )
            uow.commit()
        assert (excinfo.value.code, excinfo.value.key) == ("application_exists", repeated)
        with store.uow() as uow:
            assert [a.id for a in uow.applications.list_by_applicant("a")] == ["app-1"]
            assert uow.applications.list_by_applicant("b") == []
            assert uow.events.head() is None

    def test_get_many_names_the_first_missing_id(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            uow.applications.add(draft("app-1"), applicant_id="a")
            uow.commit()
        with store.uow() as uow, pytest.raises(NotFoundError) as excinfo:
            uow.applications.get_many(["app-1", "nope", "nada"])
        assert (excinfo.value.code, excinfo.value.key) == ("application_not_found", "nope")

    def test_save_many_writes_each_and_logs_only_the_new_events(
        self, store: StoreUnderTest
    ) -> None:
        with store.uow() as uow:
            uow.applications.add_many([draft("app-1"), draft("app-2")], applicant_id="a")
            uow.commit()
        with store.uow() as uow:
            applications = uow.applications.get_many(["app-2", "app-1"])
            for application in applications:
                application.submit("applicant", at=store.clock.now())
            assert uow.applications.save_many(applications) == [2, 2]
            uow.commit()
        with store.uow() as uow:
            assert [a.state for a in uow.applications.get_many(["app-1", "app-2"])] == [
                ApplicationState.SUBMITTED,
                ApplicationState.SUBMITTED,
            ]
            assert uow.applications.version("app-1") == 2
            entries = uow.events.entries()
        assert [(e.action, e.subject) for e in entries] == [
            ("application.submit", "app-2"),
            ("application.submit", "app-1"),
        ]

    def test_save_many_loses_to_a_concurrent_save(self, store: StoreUnderTest) -> None:
        if store.serialises_writers:
            pytest.skip("SQLite's BEGIN IMMEDIATE makes the second writer wait instead")
        with store.uow() as uow:
            uow.applications.add_many([draft("app-1"), draft("app-2")], applicant_id="a")
            uow.commit()
        with store.uow() as first, store.uow() as second:
            mine = first.applications.get_many(["app-1", "app-2"])
            theirs = second.applications.get("app-2")
            theirs.withdraw("applicant", at=store.clock.now())
            second.applications.save(theirs)
            second.commit()
            for application in mine:
                application.submit("applicant", at=store.clock.now())
            with pytest.raises(ConcurrentUpdateError) as excinfo:
                first.applications.save_many(mine)
                first.commit()
        assert excinfo.value.entity == "application"
        with store.uow() as uow:
            states = [a.state for a in uow.applications.get_many(["app-1", "app-2"])]
        assert states == [ApplicationState.DRAFT, ApplicationState.WITHDRAWN]


class BulkDocumentContract:
    """add_many_with_anchor_jobs and list_by_subjects."""

    def test_many_documents_are_stored_with_their_jobs_in_order(
        self, store: StoreUnderTest
    ) -> None:
        first = new_document("app-1")
        with store.uow() as uow:
            uow.documents.add_with_anchor_job(first, deadline(store.clock))
            uow.commit()
        second = new_document("app-1", {"n": 2}, previous=first.digest)
        third = new_document("app-2", {"n": 3}, previous=second.digest, document_id="doc-3")
        with store.uow() as uow:
            added = uow.documents.add_many_with_anchor_jobs([second, third], deadline(store.clock))
            uow.commit()
        assert [stored.digest for stored, _ in added] == [second.digest, third.digest]
        assert [job.document_id for _, job in added] == [stored.id for stored, _ in added]
        assert added[1][0].id == "doc-3" and added[1][0].previous_digest == second.digest
        assert {job.status for _, job in added} == {AnchorJobStatus.PENDING}
        assert {job.deadline_at for _, job in added} == {deadline(store.clock)}
        with store.uow() as uow:
            assert [j.id for j in uow.anchors.pending()][1:] == [job.id for _, job in added]
            for stored, job in added:
                assert uow.documents.get(stored.id) == stored
                assert uow.anchors.job_for_document(stored.id) == job

    def test_list_by_subjects_reads_each_subject_oldest_first(self, store: StoreUnderTest) -> None:
        bodies = [("app-1", 1), ("app-2", 2), ("app-1", 3)]
        with store.uow() as uow:
            for subject, body in bodies:
                uow.documents.add_with_anchor_job(
                    new_document(subject, {"n": body}), deadline(store.clock)
                )
                store.clock.advance(timedelta(minutes=1))
            uow.commit()
        with store.uow() as uow:
            found = uow.documents.list_by_subjects(["app-2", "app-1", "app-3"])
            assert found["app-1"] == uow.documents.list_by_subject("app-1")
        assert list(found) == ["app-2", "app-1", "app-3"]
        assert [[d.canonical for d in docs] for docs in found.values()] == [
            [b'{"n":2}'],
            [b'{"n":1}', b'{"n":3}'],
            [],
        ]

    @pytest.mark.parametrize(
        ("case", "error", "code"),
        [
            ("digest stored", AlreadyExistsError, "document_exists"),
            ("digest twice", AlreadyExistsError, "document_exists"),
            ("id twice", AlreadyExistsError, "document_exists"),
            ("unknown previous", NotFoundError, "previous_document_not_found"),
            ("later previous", NotFoundError, "previous_document_not_found"),
            ("wrong digest", DocumentDigestMismatchError, "document_digest_mismatch"),
        ],
    )
    def test_one_refused_document_refuses_the_whole_batch(
        self, store: StoreUnderTest, case: str, error: type[Exception], code: str
    ) -> None:
        stored = new_document("app-0")
        with store.uow() as uow:
            uow.documents.add_with_anchor_job(stored, deadline(store.clock))
            uow.commit()
        good = new_document("app-1", {"n": 1}, document_id="doc-1")
        other = new_document("app-2", {"n": 2})
        later = new_document("app-3", {"n": 3})
        offending: dict[str, list[NewDocument]] = {
            "digest stored": [good, stored],
            "digest twice": [good, other, other],
            "id twice": [good, replace(other, id="doc-1")],
            "unknown previous": [good, replace(other, previous_digest=h("nothing"))],
            "later previous": [good, replace(other, previous_digest=later.digest), later],
            "wrong digest": [good, replace(other, digest=h("something else"))],
        }
        with store.uow() as uow:
            with pytest.raises(error) as excinfo:
                uow.documents.add_many_with_anchor_jobs(offending[case], deadline(store.clock))
            uow.commit()
        assert getattr(excinfo.value, "code", None) == code
        with store.uow() as uow:
            assert [d.digest for d in uow.documents.list_by_subject("app-0")] == [stored.digest]
            found = uow.documents.list_by_subjects(["app-1", "app-2", "app-3"])
            assert found == {"app-1": [], "app-2": [], "app-3": []}
            assert len(uow.anchors.pending()) == 1


class BulkCertificateContract:
    """add_many and find_by_asset_keys of certificates."""

    def _documents(self, store: StoreUnderTest, serials: range) -> list[bytes]:
        documents = [new_document(str(number(serial))) for serial in serials]
        with store.uow() as uow:
            uow.applications.add(issued("app-1"), applicant_id="a")
            uow.documents.add_many_with_anchor_jobs(documents, deadline(store.clock))
            uow.commit()
        return [document.digest for document in documents]

    def _new(self, serial: int, digest: bytes, application_id: str | None = None) -> NewCertificate:
        certificate = Certificate.issue(number(serial), content(), issued_on=date(2026, 3, 20))
        return NewCertificate(certificate, application_id, h(f"asset-{serial % 2}"), digest)

    def test_many_are_added_and_found_by_their_asset_keys(self, store: StoreUnderTest) -> None:
        digests = self._documents(store, range(1, 4))
        new = [self._new(3, digests[2]), self._new(1, digests[0], "app-1")]
        with store.uow() as uow:
            records = uow.certificates.add_many(new)
            single = self._new(2, digests[1])
            uow.certificates.add(
                single.certificate,
                application_id=None,
                asset_key=single.asset_key,
                document_digest=single.document_digest,
            )
            uow.commit()
        assert [r.registration_number for r in records] == [str(number(3)), str(number(1))]
        assert [(r.application_id, r.version) for r in records] == [(None, 1), ("app-1", 1)]
        with store.uow() as uow:
            assert [uow.certificates.record(number(s)) for s in (3, 1)] == records
            assert uow.certificates.get(number(1)).registration_number == number(1)
            both = uow.certificates.find_by_asset_keys([h("asset-1"), h("asset-0"), h("none")])
            odd = uow.certificates.find_by_asset_keys([h("asset-1")])
            assert odd == uow.certificates.find_by_asset_key(h("asset-1"))
            assert uow.certificates.find_by_asset_keys([h("none")]) == []
        assert [r.registration_number for r in both] == [str(number(s)) for s in (1, 2, 3)]
        assert [r.registration_number for r in odd] == [str(number(s)) for s in (1, 3)]

    @pytest.mark.parametrize(
        ("case", "error", "code"),
        [
            ("number stored", AlreadyExistsError, "certificate_exists"),
            ("number twice", AlreadyExistsError, "certificate_exists"),
            ("unknown document", NotFoundError, "document_not_found"),
            ("unknown application", NotFoundError, "application_not_found"),
        ],
    )
    def test_one_refused_certificate_refuses_the_whole_batch(
        self, store: StoreUnderTest, case: str, error: type[Exception], code: str
    ) -> None:
        digests = self._documents(store, range(1, 4))
        with store.uow() as uow:
            uow.certificates.add_many([self._new(1, digests[0])])
            uow.commit()
        good = self._new(2, digests[1])
        offending = {
            "number stored": self._new(1, digests[2]),
            "number twice": self._new(2, digests[2]),
            "unknown document": self._new(3, h("no document")),
            "unknown application": self._new(3, digests[2], "app-9"),
        }
        with store.uow() as uow:
            with pytest.raises(error) as excinfo:
                uow.certificates.add_many([good, offending[case]])
            uow.commit()
        assert getattr(excinfo.value, "code", None) == code
        with store.uow() as uow:
            found = uow.certificates.find_by_asset_keys([h("asset-0"), h("asset-1")])
            assert [r.registration_number for r in found] == [str(number(1))]


class BulkEventLogContract:
    """append_many."""

    def test_many_entries_are_chained_in_order_after_the_head(self, store: StoreUnderTest) -> None:
        at = store.clock.now()
        with store.uow() as uow:
            first = uow.events.append("a", "x.first", "s-1", {})
            assert uow.events.append_many([]) == []
            added = uow.events.append_many(
                [
                    NewEvent("b", "x.second", "s-2", {"n": [1, 2]}, at),
                    NewEvent("c", "x.third", "s-1", {"to": "issued"}),
                ]
            )
            last = uow.events.append("d", "x.fourth", "s-3", {})
            uow.commit()
        with store.uow() as uow:
            entries = uow.events.entries()
            assert uow.events.verify() is None
        assert entries == [first, *added, last]
        assert [e.seq for e in entries] == [1, 2, 3, 4]
        previous = first.hash
        for entry in added:
            assert entry.prev_hash == previous
            assert entry.hash == entry_hash(
                previous,
                entry.seq,
                entry.at,
                entry.actor,
                entry.action,
                entry.subject,
                entry.details,
            )
            previous = entry.hash
        assert added[0].at == at and added[1].at == store.clock.now()
        assert added[0].details == {"n": [1, 2]}

    def test_one_refused_entry_appends_none(self, store: StoreUnderTest) -> None:
        with store.uow() as uow:
            with pytest.raises(InvalidValueError):
                uow.events.append_many(
                    [NewEvent("a", "x.good", "s", {}), NewEvent("a", "x.bad", "s", {"b": object()})]
                )
            uow.commit()
        with store.uow() as uow:
            assert uow.events.head() is None

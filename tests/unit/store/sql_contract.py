"""What the SQL store must do beyond the shared contract: migrations, constraints, concurrency.

``tests/unit/store`` runs these on SQLite, ``tests/store`` on SQLite and
PostgreSQL, through the ``sql_store`` and ``empty_database_url`` fixtures.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect
from sqlalchemy.exc import IntegrityError

from node.store.db import create_engine_for
from node.store.errors import AlreadyExistsError
from node.store.migrate import alembic_config, current_revision, head_revision, upgrade_database
from node.store.models import AnchorBatchRow, ApplicationRow, Base, IdempotencyKeyRow
from tests.unit.store.contract import h
from tests.unit.store.support import SqlStore, deadline, draft, new_document

TABLES = {
    "applications",
    "documents",
    "anchor_jobs",
    "anchor_batches",
    "chain_actions",
    "certificates",
    "registration_facts",
    "event_log",
    "head_anchors",
    "api_keys",
    "centre_settings",
    "attachments",
    "idempotency_keys",
    "peer_nonces",
    "pledges",
}


class MigrationContract:
    """Alembic builds exactly the models' schema from an empty database."""

    def test_upgrade_from_empty_matches_the_models(self, empty_database_url: str) -> None:
        assert current_revision(empty_database_url) is None
        upgrade_database(empty_database_url)
        assert current_revision(empty_database_url) == head_revision()
        engine = create_engine_for(empty_database_url)
        try:
            with engine.connect() as connection:
                assert set(inspect(connection).get_table_names()) == TABLES | {"alembic_version"}
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                assert compare_metadata(context, Base.metadata) == []
        finally:
            engine.dispose()

    def test_upgrade_is_idempotent_and_downgrade_empties(self, empty_database_url: str) -> None:
        upgrade_database(empty_database_url)
        upgrade_database(empty_database_url)
        assert current_revision(empty_database_url) == head_revision()
        command.downgrade(alembic_config(empty_database_url), "base")
        assert current_revision(empty_database_url) is None
        engine = create_engine_for(empty_database_url)
        try:
            with engine.connect() as connection:
                assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        finally:
            engine.dispose()


class ConstraintContract:
    """The database itself refuses what the repositories never write."""

    def _insert(self, store: SqlStore, row: dict[str, object], table: object) -> None:
        with store.engine.begin() as connection:
            connection.execute(insert(table).values(**row))  # type: ignore[arg-type]

    def test_unknown_status_is_refused(self, sql_store: SqlStore) -> None:
        row = {
            "root": h("root"),
            "leaf_count": 1,
            "status": "lost",
            "sender": "0x" + "00" * 20,
            "created_at": sql_store.clock.now(),
        }
        with pytest.raises(IntegrityError):
            self._insert(sql_store, row, AnchorBatchRow.__table__)

    def test_a_sent_batch_needs_its_transaction(self, sql_store: SqlStore) -> None:
        row = {
            "root": h("root"),
            "leaf_count": 1,
            "status": "sent",
            "sender": "0x" + "00" * 20,
            "created_at": sql_store.clock.now(),
        }
        with pytest.raises(IntegrityError):
            self._insert(sql_store, row, AnchorBatchRow.__table__)

    def test_a_short_hash_is_refused(self, sql_store: SqlStore) -> None:
        row = {
            "root": b"\x01" * 31,
            "leaf_count": 1,
            "status": "prepared",
            "sender": "0x" + "00" * 20,
            "created_at": sql_store.clock.now(),
        }
        with pytest.raises(IntegrityError):
            self._insert(sql_store, row, AnchorBatchRow.__table__)

    def test_an_unknown_application_state_is_refused(self, sql_store: SqlStore) -> None:
        row = {
            "id": "x",
            "applicant_id": "a",
            "state": "approved-ish",
            "content": {},
            "snapshot": {},
            "created_at": sql_store.clock.now(),
            "updated_at": sql_store.clock.now(),
            "version": 1,
        }
        with pytest.raises(IntegrityError):
            self._insert(sql_store, row, ApplicationRow.__table__)

    def test_idempotency_keys_are_unique_per_principal_in_the_database(
        self, sql_store: SqlStore
    ) -> None:
        row = {
            "principal": "bank-1",
            "key": "k",
            "request_digest": h("r"),
            "response": {"ok": True},
            "status_code": 201,
            "created_at": sql_store.clock.now(),
        }
        self._insert(sql_store, row, IdempotencyKeyRow.__table__)
        self._insert(sql_store, {**row, "principal": "bank-2"}, IdempotencyKeyRow.__table__)
        with pytest.raises(IntegrityError):
            self._insert(sql_store, {**row, "request_digest": h("s")}, IdempotencyKeyRow.__table__)

    def test_times_come_back_as_the_same_instant_in_utc(self, sql_store: SqlStore) -> None:
        moment = sql_store.clock.now()  # China Standard Time
        with sql_store.uow() as uow:
            stored, _job = uow.documents.add_with_anchor_job(
                new_document("s"), moment + timedelta(microseconds=123_456)
            )
            uow.commit()
        with sql_store.uow() as uow:
            again = uow.documents.get(stored.id)
            job_again = uow.anchors.job_for_document(stored.id)
        assert again.created_at == moment and again.created_at.utcoffset() == timedelta(0)
        assert job_again.deadline_at == moment + timedelta(microseconds=123_456)


class ConcurrencyContract:
    """Concurrent writers keep the event log a single unbroken chain."""

    def test_parallel_appends_form_one_chain(self, sql_store: SqlStore) -> None:
        errors: list[BaseException] = []

        def writer(index: int) -> None:
            try:
                for n in range(5):
                    with sql_store.uow() as uow:
                        uow.events.append(f"worker-{index}", "test.append", f"s-{n}", {"n": n})
                        uow.commit()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        with sql_store.uow() as uow:
            entries = uow.events.entries(limit=100)
            assert uow.events.verify() is None
        assert [e.seq for e in entries] == list(range(1, 21))
        assert sorted({e.actor for e in entries}) == [f"worker-{i}" for i in range(4)]

    def test_a_failure_after_the_outbox_write_leaves_nothing(self, sql_store: SqlStore) -> None:
        """A refusal after the document and its job were flushed rolls both back."""
        with sql_store.uow() as uow:
            uow.applications.add(draft("app-1"), applicant_id="a")
            uow.documents.add_with_anchor_job(new_document("first"), deadline(sql_store.clock))
            uow.commit()
        doc = new_document("second")
        with pytest.raises(AlreadyExistsError), sql_store.uow() as uow:
            uow.documents.add_with_anchor_job(doc, deadline(sql_store.clock))
            uow.applications.add(draft("app-1"), applicant_id="a")  # duplicate: fails
            uow.commit()
        with sql_store.uow() as uow:
            assert uow.documents.list_by_subject("second") == []
            assert len(uow.anchors.pending()) == 1

"""The SQL event log keeps the head it read for the rest of the transaction, and only that long.

One unit of work that commits and goes on appending must read the head again:
another writer may have appended in between (SQLite and PostgreSQL).
"""

from __future__ import annotations

from tests.unit.store.support import SqlStore


def test_a_new_transaction_appends_after_the_head_it_reads(sql_store: SqlStore) -> None:
    with sql_store.uow() as mine:
        mine.events.append("a", "x.one", "s", {})
        mine.events.append("a", "x.two", "s", {"n": 2})
        mine.commit()
        with sql_store.uow() as theirs:
            theirs.events.append("b", "x.three", "s", {})
            theirs.commit()
        fourth = mine.events.append("a", "x.four", "s", {})
        mine.commit()
    with sql_store.uow() as uow:
        entries = uow.events.entries()
        assert uow.events.verify() is None
    assert [(e.seq, e.action) for e in entries] == [
        (1, "x.one"),
        (2, "x.two"),
        (3, "x.three"),
        (4, "x.four"),
    ]
    assert fourth == entries[3] and fourth.prev_hash == entries[2].hash


def test_a_rolled_back_append_leaves_the_head_where_it_was(sql_store: SqlStore) -> None:
    with sql_store.uow() as uow:
        uow.events.append("a", "x.one", "s", {})
        uow.commit()
        uow.events.append("a", "x.discarded", "s", {})
        uow.rollback()
        again = uow.events.append("a", "x.two", "s", {})
        uow.commit()
    with sql_store.uow() as uow:
        assert [e.action for e in uow.events.entries()] == ["x.one", "x.two"]
        assert uow.events.verify() is None
    assert again.seq == 2

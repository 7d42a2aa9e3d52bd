"""What only the fake needs showing: isolation of copies and conflicting commits."""

from __future__ import annotations

import pytest

from node.domain.workflow import ApplicationState
from node.store.errors import ConcurrentUpdateError
from node.store.fakes import FakeDatabase, FakeUnitOfWork
from tests.unit.store.support import draft


def test_commits_are_counted_and_published() -> None:
    database = FakeDatabase()
    with FakeUnitOfWork(database) as uow:
        uow.applications.add(draft("app-1"), applicant_id="a")
        assert database.applications == {}
        uow.commit()
        assert uow.commits == 1
    assert set(database.applications) == {"app-1"}


def test_a_commit_over_someone_elses_commit_conflicts() -> None:
    database = FakeDatabase()
    with FakeUnitOfWork(database) as first, FakeUnitOfWork(database) as second:
        first.applications.add(draft("app-1"), applicant_id="a")
        second.applications.add(draft("app-2"), applicant_id="a")
        second.commit()
        with pytest.raises(ConcurrentUpdateError):
            first.commit()
    assert set(database.applications) == {"app-2"}


def test_objects_handed_out_are_copies() -> None:
    database = FakeDatabase()
    with FakeUnitOfWork(database) as uow:
        uow.applications.add(draft("app-1"), applicant_id="a")
        uow.commit()
        loaded = uow.applications.get("app-1")
        loaded.submit("applicant", at=uow.events.append("x", "y", "z", {}).at)
        assert uow.applications.get("app-1").state is ApplicationState.DRAFT

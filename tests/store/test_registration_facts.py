"""Registration facts and the yearbook's counts on SQLite and PostgreSQL, and the migration
that derives facts for certificates issued before it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from node.domain.certificate import Certificate
from node.domain.registration_facts import FactsOrigin, Subject
from node.domain.statistics import Period
from node.domain.values import DataAsset, Holder, Rights
from node.store.db import create_engine_for, session_factory
from node.store.migrate import upgrade_database
from node.store.models import RegistrationFactsRow
from node.store.unit_of_work import SqlUnitOfWork
from tests.unit.domain.builders import content, number
from tests.unit.reports.yearbook_data import EXPECTED_2025
from tests.unit.services.conftest import Node
from tests.unit.services.test_yearbook import import_hand_made, yearbook
from tests.unit.store.support import SqlStore, new_document

DEADLINE = datetime(2030, 1, 1, tzinfo=UTC)


def test_the_hand_made_year_has_the_figures_worked_out_by_hand(sql_store: SqlStore) -> None:
    node = Node(sql_store)
    import_hand_made(node)
    report = yearbook(node, year=2025).to_json()
    for key, expected in EXPECTED_2025.items():
        assert report[key] == expected, key


def test_amounts_are_exact_fen_and_read_back_as_stored(sql_store: SqlStore) -> None:
    node = Node(sql_store)
    import_hand_made(node)
    with sql_store.uow(read_only=True) as uow:
        tallies = uow.registration_facts.tallies(Period.year(2025))
        facts = uow.registration_facts.get(str(number(4, 2025)))
    [c3] = [c for c in tallies.listed_companies if c.securities_code == "600941.SH"]
    assert c3.amounts == {
        Subject.INTANGIBLE: Decimal("1000.00"),
        Subject.DEVELOPMENT: Decimal("500.00"),
        Subject.INVENTORY: Decimal("250.50"),
    }
    assert facts.origin is FactsOrigin.IMPORT and facts.industry_division == "63"
    assert facts.amounts == {Subject.INTANGIBLE: Decimal("1000"), Subject.DEVELOPMENT: 500}
    with sql_store.engine.connect() as connection:
        fen = connection.execute(
            select(RegistrationFactsRow.intangible_fen, RegistrationFactsRow.inventory_fen).where(
                RegistrationFactsRow.securities_code == "600941.SH"
            )
        ).all()
    assert sorted(fen, key=str) == sorted([(100000, None), (None, 25050)], key=str)


def test_the_migration_derives_facts_of_certificates_issued_before_it(
    empty_database_url: str,
) -> None:
    upgrade_database(empty_database_url, "0001")
    engine = create_engine_for(empty_database_url)
    try:
        first = Certificate(
            number(1), *_parts(), issued_on=date(2025, 5, 6), valid_until=date(2028, 5, 5)
        )
        successor = Certificate(
            number(2),
            *_parts(),
            issued_on=date(2025, 9, 1),
            valid_until=date(2028, 8, 31),
            supersedes=number(1),
        )
        with SqlUnitOfWork(session_factory(engine)) as uow:
            for index, certificate in enumerate((first, successor)):
                document = new_document(str(certificate.registration_number))
                uow.documents.add_with_anchor_job(document, DEADLINE)
                uow.certificates.add(
                    certificate,
                    application_id=None,
                    asset_key=bytes([index + 1]) * 32,
                    document_digest=document.digest,
                )
            uow.commit()
        upgrade_database(empty_database_url)
        with SqlUnitOfWork(session_factory(engine), read_only=True) as uow:
            facts = uow.registration_facts.get(str(number(1)))
            tallies = uow.registration_facts.tallies(Period.year(2025))
    finally:
        engine.dispose()
    holder = content().holder
    assert facts.origin is FactsOrigin.ISSUE and facts.listing is None
    assert (facts.credit_code, facts.ownership, facts.region_code) == (
        holder.credit_code.value,
        holder.ownership,
        holder.region_code.value,
    )
    assert facts.registered_on == date(2025, 5, 6) and facts.rights == content().rights
    assert tallies.registrations == 1, "the successor is no new registration"


def _parts() -> tuple[Holder, DataAsset, Rights]:
    application = content()
    return application.holder, application.asset, application.rights

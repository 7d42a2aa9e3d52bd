"""What every store must do with pledges, written once and run on each store (see
``tests.unit.store.contract``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from node.documents.ids import pledge_id_of
from node.domain.certificate import Certificate
from node.domain.pledge import Pledge, PledgeStatus
from node.domain.pledge_snapshot import pledge_to_snapshot
from node.store.errors import AlreadyExistsError, ConcurrentUpdateError, NotFoundError
from node.store.ports import PledgeFilter
from node.store.records import ChainActionStatus
from tests.unit.domain.builders import content, cst, number
from tests.unit.domain.pledge_builders import BANK_B, HOLDER, terms
from tests.unit.store.contract import h
from tests.unit.store.support import StoreUnderTest, deadline, new_document

AT = cst(2026, 4, 2)


class PledgeContract:
    """Pledges: snapshots, links to their record and chain action, listings, totals."""

    def _certificates(self, store: StoreUnderTest, *serials: int) -> list[Certificate]:
        certificates = []
        with store.uow() as uow:
            for serial in serials:
                certificate = Certificate.issue(
                    number(serial), content(), issued_on=date(2026, 3, 20)
                )
                doc = new_document(str(number(serial)))
                uow.documents.add_with_anchor_job(doc, deadline(store.clock))
                uow.certificates.add(
                    certificate,
                    application_id=None,
                    asset_key=h(f"asset-{serial}"),
                    document_digest=doc.digest,
                )
                certificates.append(certificate)
            uow.commit()
        return certificates

    def _request(
        self, store: StoreUnderTest, pledge_id: str, certificate: Certificate, **options: object
    ) -> Pledge:
        pledge = Pledge.request(
            pledge_id,
            terms(certificate.registration_number, **options),  # type: ignore[arg-type]
            certificate=certificate,
            actor="bank-officer",
            at=AT,
        )
        with store.uow() as uow:
            uow.pledges.add(pledge)
            uow.commit()
        return pledge

    def test_round_trip_with_record_and_chain_action(self, store: StoreUnderTest) -> None:
        [certificate] = self._certificates(store, 1)
        pledge = self._request(store, "p1", certificate)
        with store.uow() as uow:
            loaded = uow.pledges.get("p1")
            stored = uow.pledges.stored("p1")
        assert pledge_to_snapshot(loaded) == pledge_to_snapshot(pledge)
        assert (stored.version, stored.record_digest, stored.chain_status) == (1, None, None)
        record = new_document("p1", {"pledge": "p1"})
        with store.uow() as uow:
            pledge = uow.pledges.get("p1")
            pledge.confirm(
                "issuer", at=AT + timedelta(hours=1), certificate=certificate, priority=1
            )
            uow.documents.add_with_anchor_job(record, deadline(store.clock))
            action = uow.chain_actions.enqueue("register_pledge", {"pledge": "p1"})
            assert (
                uow.pledges.save(pledge, record_digest=record.digest, chain_action_id=action.id)
                == 2
            )
            uow.commit()
        with store.uow() as uow:
            uow.chain_actions.mark_sent(action.id, raw_tx=b"\x01", tx_hash=h("tx"), nonce=0)
            uow.commit()
        with store.uow() as uow:
            stored = uow.pledges.stored("p1")
            by_chain = uow.pledges.by_chain_ids([pledge_id_of("p1"), h("unknown")])
            steps = [e.action for e in uow.events.entries(limit=100) if e.subject == "p1"]
        assert stored.pledge.status is PledgeStatus.ACTIVE and stored.pledge.priority == 1
        assert (stored.record_digest, stored.chain_action_id) == (record.digest, action.id)
        assert stored.chain_status is ChainActionStatus.SENT
        assert list(by_chain) == [pledge_id_of("p1")]
        assert by_chain[pledge_id_of("p1")].pledge.id == "p1"
        assert steps == ["pledge.request", "pledge.confirm"]

    def test_refusals(self, store: StoreUnderTest) -> None:
        [certificate] = self._certificates(store, 1)
        self._request(store, "p1", certificate)
        with store.uow() as uow, pytest.raises(AlreadyExistsError) as taken:
            uow.pledges.add(
                Pledge.request("p1", terms(number(1)), certificate=certificate, actor="bank", at=AT)
            )
        assert taken.value.code == "pledge_exists"
        stray = Certificate.issue(number(9), content(), issued_on=date(2026, 3, 20))
        with store.uow() as uow, pytest.raises(NotFoundError) as unknown:
            uow.pledges.add(
                Pledge.request("p9", terms(number(9)), certificate=stray, actor="bank", at=AT)
            )
        assert unknown.value.code == "certificate_not_found"
        with store.uow() as uow, pytest.raises(NotFoundError) as missing:
            uow.pledges.get("nope")
        assert missing.value.code == "pledge_not_found"

    def test_a_priority_is_given_once_per_certificate(self, store: StoreUnderTest) -> None:
        [certificate] = self._certificates(store, 1)
        for pledge_id in ("p1", "p2"):
            self._request(store, pledge_id, certificate)
        with store.uow() as uow:
            first, second = uow.pledges.get("p1"), uow.pledges.get("p2")
            first.confirm("issuer", at=AT, certificate=certificate, priority=1)
            uow.pledges.save(first)
            second.confirm("issuer", at=AT, certificate=certificate, priority=1)
            with pytest.raises(ConcurrentUpdateError):
                uow.pledges.save(second)

    def test_listing_order_filters_and_totals(self, store: StoreUnderTest) -> None:
        first, second = self._certificates(store, 1, 2)
        self._request(store, "a-requested", first, bank=BANK_B, amount="5.50", currency="USD")
        self._request(store, "b-second", first)
        self._request(store, "c-first", first, amount="2000000.00")
        self._request(store, "d-other", second, bank=BANK_B)
        with store.uow() as uow:
            for pledge_id, priority, certificate in (
                ("c-first", 1, first),
                ("b-second", 2, first),
                ("d-other", 1, second),
            ):
                pledge = uow.pledges.get(pledge_id)
                pledge.confirm("issuer", at=AT, certificate=certificate, priority=priority)
                uow.pledges.save(pledge)
            assert uow.pledges.last_priority(str(number(1))) == 2
            assert uow.pledges.last_priority(str(number(3))) == 0
            uow.commit()
        with store.uow() as uow:
            every = [s.pledge.id for s in uow.pledges.find()]
            of_b = [s.pledge.id for s in uow.pledges.find(PledgeFilter(pledgee=BANK_B))]
            active_first = uow.pledges.find(
                PledgeFilter(
                    registration_number=str(number(1)),
                    statuses=frozenset({PledgeStatus.ACTIVE}),
                )
            )
            of_holder = uow.pledges.find(PledgeFilter(pledgor=HOLDER), limit=2, offset=1)
            totals = uow.pledges.totals()
            totals_b = uow.pledges.totals(PledgeFilter(pledgee=BANK_B))
        assert every == ["c-first", "b-second", "a-requested", "d-other"]
        assert of_b == ["a-requested", "d-other"]
        assert [s.pledge.id for s in active_first] == ["c-first", "b-second"]
        assert [s.pledge.id for s in of_holder] == ["b-second", "a-requested"]
        assert [(t.status, t.currency, t.count, t.principal_minor) for t in totals] == [
            (PledgeStatus.ACTIVE, "CNY", 3, 400_000_000),
            (PledgeStatus.REQUESTED, "USD", 1, 550),
        ]
        assert [(t.status, t.count) for t in totals_b] == [
            (PledgeStatus.ACTIVE, 1),
            (PledgeStatus.REQUESTED, 1),
        ]

    def test_due_to_expire_lists_active_pledges_past_their_term(
        self, store: StoreUnderTest
    ) -> None:
        [certificate] = self._certificates(store, 1)
        self._request(store, "late", certificate, term_end=date(2026, 9, 30))
        self._request(store, "early", certificate, term_end=date(2026, 6, 30))
        self._request(store, "requested", certificate, term_end=date(2026, 5, 31))
        with store.uow() as uow:
            for priority, pledge_id in enumerate(("late", "early"), 1):
                pledge = uow.pledges.get(pledge_id)
                pledge.confirm("issuer", at=AT, certificate=certificate, priority=priority)
                uow.pledges.save(pledge)
            uow.commit()
        with store.uow() as uow:
            assert uow.pledges.due_to_expire(date(2026, 6, 30)) == []
            assert [p.id for p in uow.pledges.due_to_expire(date(2026, 7, 1))] == ["early"]
            due = uow.pledges.due_to_expire(date(2027, 1, 1))
            assert [p.id for p in due] == ["early", "late"]
            assert [p.id for p in uow.pledges.due_to_expire(date(2027, 1, 1), limit=1)] == ["early"]

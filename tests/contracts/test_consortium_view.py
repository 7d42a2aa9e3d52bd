"""The consortium as a node reads it from the events agrees with the CentreRegistry's views."""

from __future__ import annotations

from node.chain.chain_index import ChainIndex
from node.chain.consortium import ConsortiumSnapshot
from node.chain.types import CentreStatus
from node.federation.consortium_json import ConsortiumJson
from tests.contracts.conftest import PROPOSAL_LIFETIME, Consortium


def _snapshot(index: ChainIndex) -> ConsortiumSnapshot:
    index.refresh()
    return index.consortium()


def _agrees(snapshot: ConsortiumSnapshot, consortium: Consortium) -> None:
    centres = consortium.contracts.centres
    assert list(snapshot.centres) == centres.centres()
    assert snapshot.threshold == centres.threshold()
    assert snapshot.active_count == centres.active_centre_count()
    assert snapshot.paused == centres.paused()
    assert len(snapshot.proposals) == centres.proposal_count()
    for proposal in snapshot.proposals:
        on_chain = centres.proposal(proposal.id)
        assert (proposal.kind, proposal.executed) == (on_chain.kind, on_chain.executed)
        assert snapshot.approvals(proposal) == on_chain.approvals
        assert proposal.expires_at == on_chain.expires_at
        assert all(centres.has_voted(proposal.id, voter) for voter in proposal.voters)
    for centre in snapshot.centres:
        assert set(snapshot.recognised_by(centre.id)) == centres.recognised_centres(centre.id)


def test_the_view_follows_proposals_votes_and_recognitions(consortium: Consortium) -> None:
    index = ChainIndex(consortium.contracts)
    a, b, c = consortium.a.centres, consortium.b.centres, consortium.c.centres
    newcomer = consortium.spare[0]
    start = _snapshot(index)
    assert [centre.id for centre in start.centres] == [1, 2, 3]
    assert start.threshold == 3 and start.proposals == ()

    a.propose_admit(newcomer.address, 370100, "济南市数据资产登记中心", "http://127.0.0.1:9004")
    b.vote(1)
    a.set_recognition(2, True)
    a.set_recognition(3, True)
    c.set_recognition(1, True)
    a.set_recognition(3, False)
    pending = _snapshot(index)
    _agrees(pending, consortium)
    [admission] = pending.open_proposals()
    assert (admission.voters, pending.approvals(admission)) == ((1, 2), 2)
    assert pending.centre_of_key(newcomer.address) is None
    assert pending.recognised_by(1) == [2]

    c.vote(1)
    admitted = _snapshot(index)
    _agrees(admitted, consortium)
    assert admitted.state_of(admitted.proposals[0]) == "executed"
    assert admitted.open_proposals() == []
    newest = admitted.centre_of_key(newcomer.address)
    assert newest is not None and newest.id == 4 and newest.status is CentreStatus.ACTIVE
    assert admitted.threshold == 3  # floor(2 * 4 / 3) + 1

    a.propose_suspend(3)
    b.vote(2)
    consortium.as_(newcomer).centres.vote(2)
    suspended = _snapshot(index)
    _agrees(suspended, consortium)
    centre = suspended.centre(3)
    assert centre is not None and centre.status is CentreStatus.SUSPENDED
    changed_at = consortium.connection.w3.eth.get_block(centre.status_changed_block)["timestamp"]
    assert suspended.status_times[3] == changed_at
    assert suspended.threshold == 3  # floor(2 * 3 / 3) + 1

    a.propose_remove(2)
    consortium.advance_time(PROPOSAL_LIFETIME)
    expired = _snapshot(index)
    _agrees(expired, consortium)
    assert expired.state_of(expired.proposals[-1]) == "expired"
    assert expired.open_proposals() == []
    assert index.consortium(pending.block_number) == pending  # history is kept by block


def test_the_json_names_every_centre_and_proposal(consortium: Consortium) -> None:
    index = ChainIndex(consortium.contracts)
    consortium.a.centres.propose_rotate_key(2, consortium.spare[1].address)
    consortium.b.centres.set_recognition(1, True)
    shown = ConsortiumJson.of(_snapshot(index))
    assert [(c.id, c.region_code, c.status) for c in shown.centres] == [
        (1, "370200", "active"),
        (2, "370700", "active"),
        (3, "370500", "active"),
    ]
    assert shown.centres[1].recognises == [1]
    [rotation] = shown.proposals
    assert (rotation.kind, rotation.target_centre_id, rotation.state) == ("rotate_key", 2, "open")
    assert rotation.new_signer == consortium.spare[1].address
    assert (rotation.name, rotation.region_code, rotation.voters) == (None, None, [1])

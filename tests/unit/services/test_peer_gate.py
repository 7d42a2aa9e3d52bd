"""Admitting peer centres' signed requests: key on chain, window, nonce, audience."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from eth_account import Account

from node.chain.consortium import ConsortiumSnapshot
from node.chain.types import Centre, CentreStatus
from node.documents.signing import CentreSigner
from node.errors import AuthenticationError, PermissionDeniedError
from node.federation.peer_requests import PeerDomain, read_request, sign_request
from node.services.errors import NotACentreError, PeerNotActiveError, PeerRequestRefusedError
from node.services.peer_requests import PeerRequestGate
from tests.unit.services.conftest import CENTRE_KEY, Node
from tests.unit.services.conftest import DOMAIN as DOMAIN_712

PEER = Account.from_key(b"\x22" * 32)
SUSPENDED = Account.from_key(b"\x33" * 32)
OUTSIDER = Account.from_key(b"\x44" * 32)
DOMAIN = PeerDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
BODY = b"{}"


def _consortium() -> ConsortiumSnapshot:
    own = Account.from_key(CENTRE_KEY).address
    centres = (
        Centre(1, own, 370200, CentreStatus.ACTIVE, 1, 1, "青岛", "http://127.0.0.1:9001"),
        Centre(2, PEER.address, 370700, CentreStatus.ACTIVE, 1, 1, "潍坊", "http://b"),
        Centre(3, SUSPENDED.address, 370500, CentreStatus.SUSPENDED, 1, 9, "东营", "http://c"),
    )
    return ConsortiumSnapshot(31337, 10, 0, False, centres, (), {}, {})


def _gate(node: Node) -> PeerRequestGate:
    return PeerRequestGate(node.context, DOMAIN, _consortium, window=timedelta(seconds=60))


def _request(node: Node, key: object = PEER, **changes: object) -> dict[str, str]:
    signed: dict[str, object] = {
        "method": "POST",
        "path": "/peer/filings",
        "body": BODY,
        "audience": 1,
        "timestamp": int(node.store.clock.now().timestamp()),
    }
    signed.update(changes)
    return sign_request(bytes(key.key), DOMAIN, **signed)  # type: ignore[attr-defined,arg-type]


def _admit(node: Node, headers: dict[str, str]) -> object:
    signed = read_request(headers, method="POST", path="/peer/filings", body=BODY)
    return _gate(node).admit(signed)


def test_an_active_centres_request_is_admitted_once(node: Node) -> None:
    headers = _request(node)
    caller = _admit(node, headers)
    assert caller.centre_id == 2 and caller.actor == "centre#2"  # type: ignore[attr-defined]
    with pytest.raises(PeerRequestRefusedError) as replayed:
        _admit(node, headers)
    assert replayed.value.code == "peer_request_replayed"
    assert isinstance(replayed.value, AuthenticationError)


@pytest.mark.parametrize("seconds", [-61, 61])
def test_a_request_outside_the_window_is_refused(node: Node, seconds: int) -> None:
    late = int((node.store.clock.now() + timedelta(seconds=seconds)).timestamp())
    with pytest.raises(PeerRequestRefusedError) as refused:
        _admit(node, _request(node, timestamp=late))
    assert refused.value.code == "peer_request_expired"


def test_a_request_meant_for_another_centre_is_refused(node: Node) -> None:
    with pytest.raises(PeerRequestRefusedError) as refused:
        _admit(node, _request(node, audience=3))
    assert refused.value.code == "peer_wrong_audience"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (OUTSIDER, "is not the current key of any centre"),
        (SUSPENDED, "centre #3 东营 is suspended since block 9"),
    ],
)
def test_only_an_active_centres_current_key_is_a_peer(
    node: Node, key: object, message: str
) -> None:
    with pytest.raises(PeerNotActiveError, match=message) as refused:
        _admit(node, _request(node, key))
    assert isinstance(refused.value, PermissionDeniedError)


def test_a_refused_request_spends_no_nonce(node: Node) -> None:
    headers = _request(node, audience=3)
    with pytest.raises(PeerRequestRefusedError):
        _admit(node, headers)
    with node.store.uow() as uow:
        uow.peer_nonces.record(
            PEER.address, bytes.fromhex(headers["X-Dataprop-Nonce"][2:]), node.store.clock.now()
        )


def test_a_node_whose_key_is_no_centres_answers_no_peer(node: Node) -> None:
    retired = PeerRequestGate(
        dataclasses.replace(node.context, signer=CentreSigner(b"\x55" * 32, DOMAIN_712)),
        DOMAIN,
        _consortium,
        window=timedelta(seconds=60),
    )
    signed = read_request(_request(node), method="POST", path="/peer/filings", body=BODY)
    with pytest.raises(NotACentreError, match="is not the current key of any centre"):
        retired.admit(signed)

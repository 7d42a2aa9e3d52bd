"""Chain action payloads: round trips through the outbox's JSON and clear refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_utils.crypto import keccak

from node.chain.action_payloads import (
    ACTION_TYPES,
    MAX_CERTIFICATES_PER_ACTION,
    ActionPayload,
    ApproveTransfer,
    CentreChange,
    DeclareRecognition,
    InvalidChainActionError,
    ProposeAdmission,
    ProposeCentreChange,
    ProposeKeyRotation,
    RegisterCertificates,
    RegisterPledge,
    ReleasePledge,
    SetStatus,
    StatusChange,
    VoteOnProposal,
    action_from_payload,
)

KEY = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def h(label: str) -> bytes:
    return bytes(keccak(text=label))


EXAMPLES: list[ActionPayload] = [
    RegisterCertificates((h("c1"), h("c2")), (h("k1"), h("k2"))),
    SetStatus(h("c1"), StatusChange.REVOKED, h("decision")),
    SetStatus(h("c1"), StatusChange.SUPERSEDED, h("decision"), h("c3")),
    RegisterPledge(h("c1"), h("p1"), h("record"), h("bank")),
    ReleasePledge(h("p1"), h("release")),
    ApproveTransfer(h("c1"), 7),
    ProposeAdmission(KEY, 370100, "济南市数据资产登记中心", "https://jinan.example"),
    ProposeCentreChange(CentreChange.SUSPEND, 2),
    ProposeCentreChange(CentreChange.REMOVE, 3),
    ProposeKeyRotation(2, KEY),
    VoteOnProposal(12),
    DeclareRecognition(3, False),
]


@pytest.mark.parametrize("action", EXAMPLES, ids=lambda action: action.kind)
def test_a_payload_survives_the_outbox_json(action: ActionPayload) -> None:
    stored = json.loads(json.dumps(action.to_payload()))
    assert action_from_payload(action.kind, stored) == action


def test_every_kind_the_worker_sends_is_known() -> None:
    assert set(ACTION_TYPES) == {
        "register_certificates",
        "set_status",
        "register_pledge",
        "release_pledge",
        "approve_transfer",
        "propose_admission",
        "propose_centre_change",
        "propose_key_rotation",
        "vote_on_proposal",
        "declare_recognition",
    }


def test_addresses_are_stored_checksummed() -> None:
    assert ProposeKeyRotation(2, KEY.lower()).new_signer == KEY


def test_bytes_travel_as_0x_hex() -> None:
    payload = ReleasePledge(h("p1"), h("release")).to_payload()
    assert payload == {
        "pledge_id": "0x" + h("p1").hex(),
        "release_digest": "0x" + h("release").hex(),
    }


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: RegisterCertificates((), ()), "certificate_ids"),
        (lambda: RegisterCertificates((h("c"),), ()), "asset_keys"),
        (lambda: RegisterCertificates((h("c"), h("c")), (h("k"), h("l"))), "certificate_ids"),
        (lambda: RegisterCertificates((b"short",), (h("k"),)), "certificate_ids[0]"),
        (
            lambda: RegisterCertificates(
                tuple(h(f"c{i}") for i in range(MAX_CERTIFICATES_PER_ACTION + 1)),
                tuple(h(f"k{i}") for i in range(MAX_CERTIFICATES_PER_ACTION + 1)),
            ),
            "certificate_ids",
        ),
        (lambda: SetStatus(h("c"), "active", h("d")), "status"),  # type: ignore[arg-type]
        (lambda: SetStatus(h("c"), StatusChange.SUPERSEDED, h("d")), "superseded_by"),
        (lambda: SetStatus(h("c"), StatusChange.REVOKED, h("d"), h("e")), "superseded_by"),
        (lambda: RegisterPledge(h("c"), h("p"), b"", h("b")), "record_digest"),
        (lambda: ApproveTransfer(h("c"), 0), "to_centre_id"),
        (lambda: ApproveTransfer(h("c"), 2**32), "to_centre_id"),
        (lambda: ApproveTransfer(h("c"), True), "to_centre_id"),
        (lambda: ProposeAdmission("0x1234", 370100, "济南", ""), "signer"),
        (lambda: ProposeAdmission("0x" + "00" * 20, 370100, "济南", ""), "signer"),
        (lambda: ProposeAdmission(KEY, 37010, "济南", ""), "region_code"),
        (lambda: ProposeAdmission(KEY, 370100, "", ""), "name"),
        (lambda: ProposeAdmission(KEY, 370100, "济南", "x" * 201), "endpoint"),
        (lambda: ProposeCentreChange("pause", 2), "change"),  # type: ignore[arg-type]
        (lambda: ProposeCentreChange(CentreChange.SUSPEND, 0), "centre_id"),
        (lambda: ProposeKeyRotation(2, "not an address"), "new_signer"),
        (lambda: VoteOnProposal(0), "proposal_id"),
        (lambda: VoteOnProposal(2**53), "proposal_id"),
        (lambda: DeclareRecognition(2, 1), "recognised"),  # type: ignore[arg-type]
    ],
)
def test_a_malformed_action_is_refused_naming_the_field(build: Any, field: str) -> None:
    with pytest.raises(InvalidChainActionError) as refused:
        build()
    assert refused.value.field == field
    assert refused.value.code == "invalid_chain_action"


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        ("mint_tokens", {}, "kind"),
        ("release_pledge", {"pledge_id": "0x12", "release_digest": "0x" + "00" * 32}, "pledge_id"),
        ("release_pledge", {"release_digest": "0x" + "00" * 32}, "pledge_id"),
        ("release_pledge", {"pledge_id": "0x" + "zz" * 32, "release_digest": "0x"}, "pledge_id"),
        ("register_certificates", {"certificate_ids": "0x00", "asset_keys": []}, "certificate_ids"),
        ("set_status", {"certificate_id": "0x" + "11" * 32, "status": 2}, "status"),
        (
            "approve_transfer",
            {"certificate_id": "0x" + "11" * 32, "to_centre_id": "2"},
            "to_centre_id",
        ),
        ("vote_on_proposal", {"proposal_id": True}, "proposal_id"),
        ("declare_recognition", {"centre_id": 2, "recognised": "yes"}, "recognised"),
        ("propose_centre_change", {"change": "suspend"}, "centre_id"),
    ],
)
def test_a_malformed_stored_payload_is_refused(
    kind: str, payload: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidChainActionError) as refused:
        action_from_payload(kind, payload)
    assert refused.value.field == field


def test_payloads_do_not_need_web3() -> None:
    import subprocess
    import sys

    code = (
        "import sys, node.chain.action_payloads; "
        "assert not any(m == 'web3' or m.startswith('web3.') for m in sys.modules), 'web3'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

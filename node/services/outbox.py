"""Chain writes queued in the caller's transaction, for the chain worker to send."""

from __future__ import annotations

from collections.abc import Sequence

from node.documents.canonical import digest_hex
from node.documents.ids import certificate_id_of
from node.domain.certificate import CertificateStatus
from node.store.ports import AbstractUnitOfWork


def claim_asset_keys(uow: AbstractUnitOfWork, claims: Sequence[tuple[str, bytes]]) -> None:
    """Register certificates with their asset keys (registration number, asset key)."""
    uow.chain_actions.enqueue(
        "register_certificates",
        {
            "certificate_ids": [digest_hex(certificate_id_of(number)) for number, _ in claims],
            "asset_keys": [digest_hex(key) for _, key in claims],
        },
    )


def set_status_on_chain(
    uow: AbstractUnitOfWork,
    registration_number: str,
    status: CertificateStatus,
    decision_digest: bytes,
    *,
    superseded_by: str | None = None,
) -> None:
    """Write a certificate's new status (revoked, cancelled, superseded) with its decision."""
    uow.chain_actions.enqueue(
        "set_status",
        {
            "certificate_id": digest_hex(certificate_id_of(registration_number)),
            "status": status.value,
            "superseded_by": None
            if superseded_by is None
            else digest_hex(certificate_id_of(superseded_by)),
            "decision_digest": digest_hex(decision_digest),
        },
    )

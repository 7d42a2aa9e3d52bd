"""Chain writes queued in the caller's transaction, for the chain worker to send."""

from __future__ import annotations

from collections.abc import Sequence

from node.chain.action_payloads import (
    RegisterCertificates,
    RegisterPledge,
    ReleasePledge,
    SetStatus,
    StatusChange,
)
from node.documents.ids import certificate_id_of, pledge_id_of, pledgee_digest_of
from node.domain.certificate import CertificateStatus
from node.domain.pledge import Pledge
from node.store.ports import AbstractUnitOfWork
from node.store.records import ChainAction


def claim_asset_keys(uow: AbstractUnitOfWork, claims: Sequence[tuple[str, bytes]]) -> None:
    """Register certificates with their asset keys (registration number, asset key)."""
    action = RegisterCertificates(
        tuple(certificate_id_of(number) for number, _ in claims),
        tuple(key for _, key in claims),
    )
    uow.chain_actions.enqueue(action.kind, action.to_payload())


def set_status_on_chain(
    uow: AbstractUnitOfWork,
    registration_number: str,
    status: CertificateStatus,
    decision_digest: bytes,
    *,
    superseded_by: str | None = None,
) -> None:
    """Write a certificate's new status (revoked, cancelled, superseded) with its decision."""
    action = SetStatus(
        certificate_id_of(registration_number),
        StatusChange(status.value),
        decision_digest,
        None if superseded_by is None else certificate_id_of(superseded_by),
    )
    uow.chain_actions.enqueue(action.kind, action.to_payload())


def register_pledge_on_chain(
    uow: AbstractUnitOfWork, pledge: Pledge, record_digest: bytes
) -> ChainAction:
    """Register a confirmed pledge with its record's digest; its priority on chain is the
    order in which the worker sends these, which is the order they were queued."""
    terms = pledge.terms
    action = RegisterPledge(
        certificate_id_of(str(terms.registration_number)),
        pledge_id_of(pledge.id),
        record_digest,
        pledgee_digest_of(terms.pledgee.code),
    )
    return uow.chain_actions.enqueue(action.kind, action.to_payload())


def release_pledge_on_chain(
    uow: AbstractUnitOfWork, pledge: Pledge, release_digest: bytes
) -> ChainAction:
    """Release a pledge on chain, citing its release (or expiry) document."""
    action = ReleasePledge(pledge_id_of(pledge.id), release_digest)
    return uow.chain_actions.enqueue(action.kind, action.to_payload())

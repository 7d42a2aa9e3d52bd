"""Moving an asset between centres (跨机构转移): only its current centre lets it go.

The asset index admits one active certificate per asset across the consortium.
A holder who moves to another city asks the centre that holds the asset; that
centre approves the transfer to the other centre on chain, and the other
centre's registration of the asset then supersedes the certificate here. No
other centre can take the asset over.
"""

from __future__ import annotations

from node.chain.action_payloads import ApproveTransfer, InvalidChainActionError
from node.domain.certificate import CertificateStatus
from node.domain.errors import IllegalTransitionError, InvalidFieldError
from node.domain.identifiers import RegistrationNumber
from node.services.context import NodeContext
from node.services.standing import require_standing
from node.store.errors import NotFoundError
from node.store.records import CertificateRecord, ChainAction


class TransferService:
    """This centre's side of moving assets between centres."""

    def __init__(self, context: NodeContext) -> None:
        self._context = context

    def approve_transfer_out(
        self, actor: str, registration_number: str, to_centre_id: int
    ) -> ChainAction:
        """Let centre ``to_centre_id`` register the asset of an active certificate of this
        centre (its registration there supersedes this one on chain)."""
        number = RegistrationNumber.parse(registration_number, "registration_number")
        require_standing(self._context)
        with self._context.unit_of_work() as uow:
            record = uow.certificates.record(number)
            try:
                approval = ApproveTransfer(record.certificate_id, to_centre_id)
            except InvalidChainActionError as error:
                raise InvalidFieldError(error.field, "invalid", str(error)) from None
            if record.status is not CertificateStatus.ACTIVE:
                raise IllegalTransitionError(record.status.value, "approve_transfer_out")
            queued = uow.chain_actions.enqueue(approval.kind, approval.to_payload())
            uow.events.append(
                actor,
                "certificate.transfer_out_approved",
                str(number),
                {"to_centre_id": to_centre_id},
            )
            uow.commit()
        return queued

    def active_certificate_of_asset(self, asset_key: bytes) -> CertificateRecord:
        """The active certificate this centre issued for an asset key (what a peer centre asks
        to name the holder in a refusal); NotFoundError when there is none."""
        with self._context.unit_of_work() as uow:
            records = uow.certificates.find_by_asset_key(asset_key)
        for record in records:
            if record.status is CertificateStatus.ACTIVE:
                return record
        raise NotFoundError("certificate", f"0x{asset_key.hex()}")

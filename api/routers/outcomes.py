"""Certificate action outcomes as the API answers them."""

from __future__ import annotations

from api.views import ActionView, CertificateView
from node.documents.canonical import digest_hex
from node.services.certificates import ActionOutcome


def action_view(outcome: ActionOutcome) -> ActionView:
    """The certificate after the action, its decision's digest, the successor if any."""
    return ActionView(
        certificate=CertificateView.of(outcome.certificate),
        decision_digest=digest_hex(outcome.decision.digest),
        successor=None if outcome.successor is None else CertificateView.of(outcome.successor),
    )

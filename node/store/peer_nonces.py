"""Nonces of peer centres' signed requests in ``peer_nonces``: a replay collides on the key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node.store.checks import require_aware, require_bytes32, require_text
from node.store.errors import AlreadyExistsError
from node.store.models import ADDRESS, PeerNonceRow
from node.store.ports import AbstractPeerNonceStore


def nonce_key(signer: str, nonce: bytes) -> tuple[str, bytes]:
    """The row key of a signer's nonce (addresses compared case-blind), after checking both."""
    require_text(signer, "signer", ADDRESS)
    return signer.lower(), require_bytes32(nonce, "nonce")


class PeerNonceStore(AbstractPeerNonceStore):
    """Peer request nonces of one unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, signer: str, nonce: bytes, expires_at: datetime) -> None:
        key = nonce_key(signer, nonce)
        if self._session.get(PeerNonceRow, key) is not None:
            raise AlreadyExistsError("peer_nonce", f"0x{nonce.hex()}")
        self._session.add(
            PeerNonceRow(
                signer=key[0], nonce=key[1], expires_at=require_aware(expires_at, "expires_at")
            )
        )
        try:
            self._session.flush()
        except IntegrityError as exc:
            raise AlreadyExistsError("peer_nonce", f"0x{nonce.hex()}") from exc

    def purge(self, expired_before: datetime) -> int:
        cutoff = require_aware(expired_before, "expired_before")
        result = self._session.execute(delete(PeerNonceRow).where(PeerNonceRow.expires_at < cutoff))
        return int(result.rowcount)  # type: ignore[attr-defined]

"""Confidential attachments in ``attachments``, encrypted at rest (see ``node.store.keyring``)."""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node.domain.calendar import Clock
from node.store.checks import require_aware, require_text
from node.store.errors import AlreadyExistsError, NotFoundError
from node.store.keyring import Keyring, Sealed, associated_data, open_sealed, seal, sha256
from node.store.models import ID, ApplicationRow, AttachmentRow
from node.store.ports import AbstractAttachmentStore
from node.store.records import Attachment, AttachmentInfo

ROTATE_CHUNK = 200


def attachment_info(row: AttachmentRow) -> AttachmentInfo:
    """The metadata of an attachment row."""
    return AttachmentInfo(
        id=row.id,
        application_id=row.application_id,
        name=row.name,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        key_id=row.key_id,
        created_at=row.created_at,
    )


class AttachmentStore(AbstractAttachmentStore):
    """Attachments of one unit of work, sealed under ``keyring``."""

    def __init__(self, session: Session, keyring: Keyring, clock: Clock) -> None:
        self._session = session
        self._keyring = keyring
        self._readable: tuple[Keyring, ...] = (keyring,)
        """Keyrings to open with; after a rotation also the old one (in case of a rollback)."""
        self._clock = clock

    def put(
        self,
        application_id: str,
        name: str,
        media_type: str,
        content: bytes,
        *,
        attachment_id: str | None = None,
    ) -> AttachmentInfo:
        attachment_id = require_text(attachment_id or uuid4().hex, "attachment_id", ID)
        if self._session.get(ApplicationRow, application_id) is None:
            raise NotFoundError("application", application_id)
        if self._session.get(AttachmentRow, attachment_id) is not None:
            raise AlreadyExistsError("attachment", attachment_id)
        sealed = seal(self._keyring, content, associated_data(attachment_id, application_id))
        row = AttachmentRow(
            id=attachment_id,
            application_id=application_id,
            name=require_text(name, "name", 255),
            media_type=require_text(media_type, "media_type", 127),
            size=len(content),
            sha256=sha256(content),
            key_id=sealed.key_id,
            nonce=sealed.nonce,
            ciphertext=sealed.ciphertext,
            created_at=require_aware(self._clock.now(), "clock"),
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError as exc:
            raise AlreadyExistsError("attachment", attachment_id) from exc
        return attachment_info(row)

    def get(self, attachment_id: str) -> Attachment:
        row = self._session.get(AttachmentRow, attachment_id)
        if row is None:
            raise NotFoundError("attachment", attachment_id)
        return Attachment(attachment_info(row), self._open(row, self._readable))

    def list_for(self, application_id: str) -> list[AttachmentInfo]:
        rows = self._session.scalars(
            select(AttachmentRow)
            .where(AttachmentRow.application_id == application_id)
            .order_by(AttachmentRow.created_at, AttachmentRow.id)
        )
        return [attachment_info(row) for row in rows]

    def rotate(self, keyring: Keyring) -> int:
        keyrings = (*self._readable, keyring)
        count = 0
        after = ""
        while True:
            rows = list(
                self._session.scalars(
                    select(AttachmentRow)
                    .where(AttachmentRow.id > after)
                    .order_by(AttachmentRow.id)
                    .limit(ROTATE_CHUNK)
                )
            )
            if not rows:
                break
            for row in rows:
                content = self._open(row, keyrings)
                sealed = seal(keyring, content, associated_data(row.id, row.application_id))
                row.key_id = sealed.key_id
                row.nonce = sealed.nonce
                row.ciphertext = sealed.ciphertext
                count += 1
            self._session.flush()
            after = rows[-1].id
        self._keyring = keyring
        self._readable = (keyring, *self._readable)
        return count

    @staticmethod
    def _open(row: AttachmentRow, keyrings: tuple[Keyring, ...]) -> bytes:
        return open_sealed(
            keyrings,
            Sealed(row.key_id, row.nonce, row.ciphertext),
            associated_data(row.id, row.application_id),
            row.sha256,
        )

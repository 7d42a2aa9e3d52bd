"""Errors the store raises; each carries a machine-readable ``code``."""

from __future__ import annotations

from node.errors import ConfigurationError, PersistenceError


class NotFoundError(PersistenceError):
    """No row has the key asked for; ``code`` names the entity (``application_not_found``)."""

    code = "not_found"

    def __init__(self, entity: str, key: object) -> None:
        self.entity = entity
        self.key = key
        self.code = f"{entity}_not_found"
        super().__init__(f"no {entity.replace('_', ' ')} {key!s}")


class AlreadyExistsError(PersistenceError):
    """A row with the same unique key is stored already; ``code`` names the entity."""

    code = "already_exists"

    def __init__(self, entity: str, key: object) -> None:
        self.entity = entity
        self.key = key
        self.code = f"{entity}_exists"
        super().__init__(f"{entity.replace('_', ' ')} {key!s} exists already")


class ConcurrentUpdateError(PersistenceError):
    """Someone else saved the row after it was read here (optimistic lock lost)."""

    code = "concurrent_update"

    def __init__(self, entity: str, key: object, expected_version: int | None = None) -> None:
        self.entity = entity
        self.key = key
        self.expected_version = expected_version
        seen = "" if expected_version is None else f" (expected version {expected_version})"
        super().__init__(f"{entity.replace('_', ' ')} {key!s} was changed concurrently{seen}")


class InvalidTransitionError(PersistenceError):
    """An outbox row (anchor job, batch, chain action) cannot move to the status asked for."""

    code = "invalid_outbox_transition"

    def __init__(self, entity: str, key: object, status: str, target: str) -> None:
        self.entity = entity
        self.key = key
        self.status = status
        self.target = target
        super().__init__(f"{entity.replace('_', ' ')} {key!s} is {status}, cannot become {target}")


class DocumentDigestMismatchError(PersistenceError):
    """A document's digest is not the keccak-256 of its canonical bytes."""

    code = "document_digest_mismatch"


class AttachmentIntegrityError(PersistenceError):
    """An attachment failed to decrypt or verify: wrong key, or tampered ciphertext or metadata."""

    code = "attachment_integrity"


class UnknownKeyError(PersistenceError):
    """An attachment was encrypted under a key id the keyring does not hold."""

    code = "attachment_key_unknown"

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        super().__init__(f"the keyring holds no key {key_id!r}")


class KeyringMissingError(PersistenceError):
    """Attachments were used from a unit of work opened without a keyring."""

    code = "keyring_missing"


class IdempotencyKeyReusedError(PersistenceError):
    """An idempotency key was sent again with a different request."""

    code = "idempotency_key_reused"

    def __init__(self, principal: str, key: str) -> None:
        self.principal = principal
        self.key = key
        super().__init__(f"idempotency key {key!r} of {principal!r} was used for another request")


class UnitOfWorkClosedError(PersistenceError):
    """The unit of work was used outside its ``with`` block."""

    code = "unit_of_work_closed"


class ReadOnlyUnitOfWorkError(PersistenceError):
    """A read-only unit of work was asked to commit."""

    code = "unit_of_work_read_only"


class InvalidKeyringError(ConfigurationError):
    """Attachment keys are malformed: unknown current key id or a key of the wrong length."""

    code = "invalid_keyring"


class UnsupportedDatabaseError(ConfigurationError):
    """The database URL names neither a SQLite file nor PostgreSQL."""

    code = "unsupported_database"


class InvalidValueError(PersistenceError, ValueError):
    """A value handed to the store has the wrong shape (a short bytes32, a naive time)."""

    code = "invalid_value"


class SenderLockHeldError(PersistenceError):
    """Another worker sends with this chain key: one sender per key."""

    code = "sender_lock_held"


class SenderLockLostError(PersistenceError):
    """The sender lock is no longer held (its database connection ended); stop sending."""

    code = "sender_lock_lost"

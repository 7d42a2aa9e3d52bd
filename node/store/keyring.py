"""Attachment keys and the AES-GCM sealing both attachment stores share.

Each attachment is sealed under the keyring's current key with a fresh
96-bit random nonce; the associated data binds the ciphertext to the
attachment id and the application id, so a ciphertext copied to another row
fails to open. A SHA-256 of the plaintext is kept and checked after opening.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from node.store.errors import AttachmentIntegrityError, InvalidKeyringError, UnknownKeyError

NONCE_BYTES = 12
KEY_BYTES = frozenset({16, 24, 32})
_AAD_PREFIX = b"dataprop/attachment/v1\x00"


@dataclass(frozen=True)
class Keyring:
    """Attachment keys by id; ``current`` encrypts, every key decrypts what it sealed."""

    keys: Mapping[str, bytes] = field(repr=False)
    current: str

    def __post_init__(self) -> None:
        keys = MappingProxyType(dict(self.keys))
        if self.current not in keys:
            raise InvalidKeyringError(f"the current key {self.current!r} is not in the keyring")
        for key_id, key in keys.items():
            if not key_id or len(key_id) > 64:
                raise InvalidKeyringError(f"key id {key_id!r} must have 1 to 64 characters")
            if len(key) not in KEY_BYTES:
                raise InvalidKeyringError(f"key {key_id!r} must be 16, 24 or 32 bytes long")
        object.__setattr__(self, "keys", keys)

    @classmethod
    def generate(cls, key_id: str) -> Keyring:
        """A keyring with one new random 256-bit key."""
        return cls({key_id: AESGCM.generate_key(bit_length=256)}, key_id)

    def key(self, key_id: str) -> bytes:
        """The key with id ``key_id``; UnknownKeyError when absent."""
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownKeyError(key_id) from None


@dataclass(frozen=True)
class Sealed:
    """A ciphertext with the key id and nonce that open it."""

    key_id: str
    nonce: bytes
    ciphertext: bytes


def associated_data(attachment_id: str, application_id: str) -> bytes:
    """The bytes AES-GCM authenticates beside the ciphertext."""
    return b"".join(
        (
            _AAD_PREFIX,
            attachment_id.encode("utf-8"),
            b"\x00",
            application_id.encode("utf-8"),
        )
    )


def sha256(content: bytes) -> bytes:
    """The SHA-256 of ``content``."""
    return hashlib.sha256(content).digest()


def seal(keyring: Keyring, content: bytes, aad: bytes) -> Sealed:
    """``content`` encrypted under the current key with a fresh random nonce."""
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(keyring.key(keyring.current)).encrypt(nonce, content, aad)
    return Sealed(keyring.current, nonce, ciphertext)


def open_sealed(
    keyrings: tuple[Keyring, ...], sealed: Sealed, aad: bytes, expected_sha256: bytes
) -> bytes:
    """The plaintext, checked against ``expected_sha256``.

    The key is taken from the first keyring holding ``sealed.key_id``;
    UnknownKeyError when none does, AttachmentIntegrityError when the key is
    wrong or anything (ciphertext, nonce, ids, digest) was altered.
    """
    key = _find_key(keyrings, sealed.key_id)
    try:
        content = AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, aad)
    except InvalidTag:
        raise AttachmentIntegrityError(
            f"attachment sealed under key {sealed.key_id!r} failed authentication"
        ) from None
    if sha256(content) != expected_sha256:
        raise AttachmentIntegrityError("attachment content does not match its SHA-256")
    return content


def _find_key(keyrings: tuple[Keyring, ...], key_id: str) -> bytes:
    for keyring in keyrings:
        if key_id in keyring.keys:
            return keyring.keys[key_id]
    raise UnknownKeyError(key_id)

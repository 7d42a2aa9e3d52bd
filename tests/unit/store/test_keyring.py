"""Attachment keyrings and AES-GCM sealing."""

from __future__ import annotations

import pytest

from node.store.errors import AttachmentIntegrityError, InvalidKeyringError, UnknownKeyError
from node.store.keyring import Keyring, associated_data, open_sealed, seal, sha256


def test_a_keyring_needs_its_current_key() -> None:
    with pytest.raises(InvalidKeyringError) as excinfo:
        Keyring({"a": bytes(32)}, "b")
    assert excinfo.value.code == "invalid_keyring"


@pytest.mark.parametrize("length", [0, 15, 31, 33])
def test_keys_must_be_aes_sized(length: int) -> None:
    with pytest.raises(InvalidKeyringError):
        Keyring({"a": bytes(length)}, "a")


def test_generated_keys_are_random_256_bit() -> None:
    first, second = Keyring.generate("k"), Keyring.generate("k")
    assert len(first.key("k")) == 32
    assert first.key("k") != second.key("k")
    assert repr(first) == "Keyring(current='k')"  # key bytes never appear in logs
    with pytest.raises(TypeError):
        first.keys["k"] = bytes(32)  # type: ignore[index]
    with pytest.raises(UnknownKeyError):
        first.key("other")


def test_sealing_binds_the_ids() -> None:
    keyring = Keyring.generate("k")
    aad = associated_data("att-1", "app-1")
    sealed = seal(keyring, b"secret", aad)
    assert open_sealed((keyring,), sealed, aad, sha256(b"secret")) == b"secret"
    for other in (associated_data("att-2", "app-1"), associated_data("att-1", "app-2")):
        with pytest.raises(AttachmentIntegrityError):
            open_sealed((keyring,), sealed, other, sha256(b"secret"))
    # "att-1" + "0app-1" must not read as "att-10" + "app-1"
    assert associated_data("att-1", "0app-1") != associated_data("att-10", "app-1")


def test_a_wrong_plaintext_digest_is_an_integrity_error() -> None:
    keyring = Keyring.generate("k")
    aad = associated_data("a", "b")
    sealed = seal(keyring, b"secret", aad)
    with pytest.raises(AttachmentIntegrityError, match="SHA-256"):
        open_sealed((keyring,), sealed, aad, sha256(b"other"))

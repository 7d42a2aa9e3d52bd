"""API keys: shown once, stored hashed, refused when wrong, revoked or expired; rotation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from node.domain.errors import InvalidFieldError
from node.services.api_keys import PREFIX, ApiKeyService, secret_hash
from node.services.errors import ApiKeyExpiredError, ApiKeyInvalidError, ApiKeyRevokedError
from tests.unit.store.support import StoreUnderTest

BANK = "91110000100000000A"  # not valid: the check character is wrong
VALID_BANK = "911100001000044477"


@pytest.fixture
def keys(store: StoreUnderTest) -> ApiKeyService:
    return ApiKeyService(store.uow, store.clock)


def test_a_new_key_authenticates_and_only_its_hash_is_stored(
    keys: ApiKeyService, store: StoreUnderTest
) -> None:
    issued = keys.create("admin", role="reviewer", label="王审查", principal="wang")
    prefix, key_id, secret = issued.token.split("_", 2)
    assert (prefix, key_id) == (PREFIX, issued.key.key_id) and len(secret) >= 43
    assert issued.key.secret_hash == secret_hash(secret)
    assert keys.authenticate(issued.token) == issued.key
    with store.uow() as uow:
        logged = [(e.action, e.subject) for e in uow.events.entries()]
        assert uow.api_keys.get(key_id).secret_hash != secret.encode()
    assert logged == [("api_key.create", f"api_key:{key_id}")]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.replace(PREFIX, "xyz", 1),
        lambda token: token.rsplit("_", 1)[0],
        lambda token: f"{PREFIX}_0000000000000000_{token.rsplit('_', 1)[1]}",
        lambda token: "",
    ],
    ids=["wrong secret", "wrong prefix", "no secret", "unknown id", "empty"],
)
def test_a_wrong_key_is_refused_without_saying_which_part(
    keys: ApiKeyService, mangle: Callable[[str], str]
) -> None:
    issued = keys.create("admin", role="regulator", label="监管", principal="csrc")
    with pytest.raises(ApiKeyInvalidError) as excinfo:
        keys.authenticate(mangle(issued.token))
    assert excinfo.value.code == "api_key_invalid"


def test_party_roles_name_a_valid_credit_code(keys: ApiKeyService) -> None:
    with pytest.raises(InvalidFieldError) as missing:
        keys.create("admin", role="pledgee", label="银行")
    with pytest.raises(InvalidFieldError) as invalid:
        keys.create("admin", role="pledgee", label="银行", party=BANK)
    with pytest.raises(InvalidFieldError) as staff_party:
        keys.create("admin", role="auditor", label="李", principal="li", party=VALID_BANK)
    with pytest.raises(InvalidFieldError) as role:
        keys.create("admin", role="superuser", label="x", principal="x")
    assert [e.value.field for e in (missing, invalid, staff_party, role)] == [
        "party",
        "party",
        "party",
        "role",
    ]
    bank = keys.create("admin", role="pledgee", label="银行", party=VALID_BANK.lower()).key
    assert (bank.party, bank.principal) == (VALID_BANK, VALID_BANK)


def test_revoked_and_expired_keys_are_refused(keys: ApiKeyService, store: StoreUnderTest) -> None:
    revoked = keys.create("admin", role="issuer", label="颁证", principal="zhao")
    keys.revoke("admin", revoked.key.key_id)
    with pytest.raises(ApiKeyRevokedError):
        keys.authenticate(revoked.token)
    with pytest.raises(ApiKeyRevokedError):
        keys.revoke("admin", revoked.key.key_id)
    expiring = keys.create(
        "admin",
        role="issuer",
        label="颁证",
        principal="zhao",
        expires_at=store.clock.now() + timedelta(hours=1),
    )
    keys.authenticate(expiring.token)
    store.clock.advance(timedelta(hours=1))
    with pytest.raises(ApiKeyExpiredError):
        keys.authenticate(expiring.token)


def test_rotation_keeps_the_principal_and_gives_the_old_key_a_grace_period(
    keys: ApiKeyService, store: StoreUnderTest
) -> None:
    old = keys.create("admin", role="applicant", label="申请人", party=VALID_BANK)
    new = keys.rotate("admin", old.key.key_id, grace=timedelta(minutes=10))
    assert (new.key.principal, new.key.role, new.key.party) == (
        old.key.principal,
        "applicant",
        VALID_BANK,
    )
    assert keys.get(old.key.key_id).replaced_by == new.key.key_id
    keys.authenticate(old.token)
    store.clock.advance(timedelta(minutes=10))
    with pytest.raises(ApiKeyExpiredError):
        keys.authenticate(old.token)
    assert keys.authenticate(new.token).key_id == new.key.key_id
    with pytest.raises(InvalidFieldError):
        keys.rotate("admin", new.key.key_id, grace=timedelta(days=31))


def test_a_pledgee_may_be_known_by_its_financial_institution_code(keys: ApiKeyService) -> None:
    bank = keys.create("admin", role="pledgee", label="银行", party="b0001h111000001").key
    assert (bank.party, bank.principal) == ("B0001H111000001", "B0001H111000001")
    with pytest.raises(InvalidFieldError) as applicant:
        keys.create("admin", role="applicant", label="公司", party="B0001H111000001")
    assert (applicant.value.field, applicant.value.code) == ("party", "credit_code_length")
    with pytest.raises(InvalidFieldError) as malformed:
        keys.create("admin", role="pledgee", label="银行", party="B0001H11100000Z")
    assert malformed.value.code == "financial_institution_code_format"

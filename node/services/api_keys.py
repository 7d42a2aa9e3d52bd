"""API keys: issue, authenticate, rotate, revoke.

A key reads ``dpk_<key id>_<secret>``. The key id is public (it shows in
logs and lists); only the SHA-256 of the secret is stored, and the secret is
shown once, when the key is created. A secret of 256 random bits needs no slow
password hash: nobody can guess it, and a stolen hash does not give it back.
Hashes are compared in constant time, and an unknown key id costs the same
comparison, so timing tells nothing of which part was wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from node.domain.calendar import Clock
from node.domain.errors import InvalidFieldError
from node.domain.identifiers import CreditCode, parse_institution_code
from node.domain.roles import PARTY_ROLES, Role
from node.domain.text import require_text
from node.services.errors import ApiKeyExpiredError, ApiKeyInvalidError, ApiKeyRevokedError
from node.store.errors import NotFoundError
from node.store.ports import AbstractUnitOfWork
from node.store.records import ApiKey

PREFIX = "dpk"
_UNKNOWN = hashlib.sha256(b"no such key").digest()


def secret_hash(secret: str) -> bytes:
    """What the store keeps of a secret."""
    return hashlib.sha256(secret.encode()).digest()


@dataclass(frozen=True)
class IssuedKey:
    """A new key: its stored record and the token, which is never shown again."""

    key: ApiKey
    token: str


class ApiKeyService:
    """The centre's API keys; every change is written to the event log."""

    def __init__(self, unit_of_work: Callable[[], AbstractUnitOfWork], clock: Clock) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    def create(
        self,
        actor: str,
        *,
        role: str,
        label: str,
        principal: str | None = None,
        party: str | None = None,
        expires_at: datetime | None = None,
    ) -> IssuedKey:
        """A new key for ``role``; applicant and pledgee keys name their party's credit code
        (a pledgee's may also be its financial institution code), which is also their principal
        unless another is given."""
        try:
            checked_role = Role(role)
        except ValueError:
            raise InvalidFieldError(
                "role", "unknown_role", f"must be one of {', '.join(Role)}"
            ) from None
        if checked_role in PARTY_ROLES:
            if party is None:
                raise InvalidFieldError("party", "required", f"a {role} key names its credit code")
            party = (
                parse_institution_code(party, "party")
                if checked_role is Role.PLEDGEE
                else CreditCode.parse(party, "party").value
            )
            principal = principal or party
        elif party is not None:
            raise InvalidFieldError("party", "not_allowed", f"a {role} key acts for the centre")
        if principal is None:
            raise InvalidFieldError("principal", "required", "name the person the key is for")
        now = self._clock.now()
        if expires_at is not None and expires_at <= now:
            raise InvalidFieldError("expires_at", "in_the_past", "must be later than now")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        key = ApiKey(
            key_id=key_id,
            secret_hash=secret_hash(secret),
            principal=require_text(principal, "principal", 200),
            role=checked_role.value,
            party=party,
            label=require_text(label, "label", 200),
            created_at=now,
            expires_at=expires_at,
        )
        with self._unit_of_work() as uow:
            uow.api_keys.add(key)
            self._log(uow, actor, "api_key.create", key)
            uow.commit()
        return IssuedKey(key, f"{PREFIX}_{key_id}_{secret}")

    def authenticate(self, token: str) -> ApiKey:
        """The live key ``token`` names, or the AuthenticationError that says why not."""
        prefix, _, rest = token.partition("_")
        key_id, _, secret = rest.partition("_")
        if prefix != PREFIX or not key_id or not secret or len(key_id) > 32:
            raise ApiKeyInvalidError("the API key is malformed")
        with self._unit_of_work() as uow:
            try:
                key: ApiKey | None = uow.api_keys.get(key_id)
            except NotFoundError:
                key = None
        stored = _UNKNOWN if key is None else key.secret_hash
        if not hmac.compare_digest(stored, secret_hash(secret)) or key is None:
            raise ApiKeyInvalidError("the API key is not valid")
        now = self._clock.now()
        if key.revoked_at is not None:
            raise ApiKeyRevokedError(f"API key {key_id} was revoked")
        if key.expires_at is not None and key.expires_at <= now:
            raise ApiKeyExpiredError(f"API key {key_id} expired")
        return key

    def rotate(self, actor: str, key_id: str, *, grace: timedelta = timedelta(0)) -> IssuedKey:
        """A new key with the same role, principal and party; the old one keeps working for
        ``grace`` (so clients can switch without downtime), then expires."""
        if grace < timedelta(0) or grace > timedelta(days=30):
            raise InvalidFieldError("grace", "out_of_range", "must be from 0 to 30 days")
        with self._unit_of_work() as uow:
            old = self._live(uow, key_id)
        issued = self.create(
            actor,
            role=old.role,
            label=old.label,
            principal=old.principal,
            party=old.party,
            expires_at=old.expires_at,
        )
        end = self._clock.now() + grace
        with self._unit_of_work() as uow:
            old = self._live(uow, key_id)
            expires_at = end if old.expires_at is None else min(old.expires_at, end)
            rotated = replace(old, expires_at=expires_at, replaced_by=issued.key.key_id)
            uow.api_keys.save(rotated)
            self._log(uow, actor, "api_key.rotate", rotated)
            uow.commit()
        return issued

    def revoke(self, actor: str, key_id: str) -> ApiKey:
        """Stop a key at once."""
        with self._unit_of_work() as uow:
            revoked = replace(self._live(uow, key_id), revoked_at=self._clock.now())
            uow.api_keys.save(revoked)
            self._log(uow, actor, "api_key.revoke", revoked)
            uow.commit()
        return revoked

    def get(self, key_id: str) -> ApiKey:
        with self._unit_of_work() as uow:
            return uow.api_keys.get(key_id)

    def list_keys(self, *, limit: int = 50, offset: int = 0) -> list[ApiKey]:
        with self._unit_of_work() as uow:
            return uow.api_keys.list(limit=limit, offset=offset)

    def _live(self, uow: AbstractUnitOfWork, key_id: str) -> ApiKey:
        key = uow.api_keys.get(key_id)
        if key.revoked_at is not None:
            raise ApiKeyRevokedError(f"API key {key_id} was revoked")
        return key

    @staticmethod
    def _log(uow: AbstractUnitOfWork, actor: str, action: str, key: ApiKey) -> None:
        details = {
            "role": key.role,
            "principal": key.principal,
            "party": key.party,
            "label": key.label,
            "expires_at": None if key.expires_at is None else key.expires_at.isoformat(),
            "replaced_by": key.replaced_by,
        }
        uow.events.append(actor, action, f"api_key:{key.key_id}", details)

"""Talking to other centres' nodes over HTTP, trusting nothing they say that the chain can check.

Endpoints come from the CentreRegistry. What a peer answers is checked before
use: a registration number must hash to the certificate id the chain holds.
A peer that is down or answers nonsense costs a short timeout and a message,
never a verification, which needs only the chain.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from node.documents.canonical import digest_hex
from node.documents.ids import certificate_id_of
from node.federation.peer_requests import PeerDomain, sign_request
from node.services.recognition import FilingNotice

TIMEOUT = 3.0
"""Seconds a peer node gets to answer."""
FILINGS_PATH = "/peer/filings"


class PeerClient:
    """Requests to peer nodes; the signed ones with this centre's chain key."""

    def __init__(
        self,
        *,
        key: bytes | None = None,
        domain: PeerDomain | None = None,
        timeout: float = TIMEOUT,
        now: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._key = key
        self._domain = domain
        self._timeout = timeout
        self._now = now
        self._transport = transport

    def registration_number_of(
        self, endpoint: str, asset_key: bytes, certificate_id: bytes
    ) -> str | None:
        """The number the node at ``endpoint`` gives for its active certificate of
        ``asset_key``, when it hashes to ``certificate_id``; None otherwise."""
        url = f"{endpoint.rstrip('/')}/peer/assets/{digest_hex(asset_key)}"
        try:
            with self._client() as client:
                response = client.get(url)
            number = response.json().get("registration_number") if response.is_success else None
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
        if not isinstance(number, str) or certificate_id_of(number) != certificate_id:
            return None
        return number

    def notify_filing(self, endpoint: str, issuer_id: int, notice: FilingNotice) -> str | None:
        """Send a recognition filing to its certificate's issuer; None when it recorded it,
        else why not."""
        if self._key is None or self._domain is None:
            return "this node has no centre key to sign the notice with"
        body = notice.to_json()
        headers = sign_request(
            self._key,
            self._domain,
            method="POST",
            path=FILINGS_PATH,
            body=body,
            audience=issuer_id,
            timestamp=int(self._now()),
        )
        headers["Content-Type"] = "application/json"
        url = f"{endpoint.rstrip('/')}{FILINGS_PATH}"
        try:
            with self._client() as client:
                response = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return f"{url} did not answer: {error}"
        if response.status_code != 201:
            return f"{url} answered {response.status_code}: {response.text[:300]}"
        return None

    def _client(self) -> httpx.Client:
        return httpx.Client(timeout=self._timeout, transport=self._transport)

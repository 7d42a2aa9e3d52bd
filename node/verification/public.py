"""Verification as a node offers it in public: a bundle's bytes or a registration number in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from node.documents.bundle import CertificateBundle
from node.documents.bundle_pdf import parse_certificate_file
from node.verification.ports import ChainFactsSource
from node.verification.report import VerificationReport
from node.verification.verifier import verify_bundle


@dataclass(frozen=True)
class Verified:
    """A report with the bundle it is about."""

    bundle: CertificateBundle
    report: VerificationReport


class PublicVerifier:
    """What the API and the web page call; the chain facts come from ``facts``.

    ``bundles`` looks up the bundle of a registration number in the node's store
    (``BundleService.bundle``); ``today`` is the date validity is checked on.
    """

    def __init__(
        self,
        facts: ChainFactsSource,
        bundles: Callable[[str], CertificateBundle],
        today: Callable[[], date],
    ) -> None:
        self._facts = facts
        self._bundles = bundles
        self._today = today

    def bundle(self, registration_number: str) -> CertificateBundle:
        """The public bundle of a certificate this node issued."""
        return self._bundles(registration_number)

    def verify_bytes(self, data: bytes, *, as_centre_id: int | None = None) -> Verified:
        """Verify a bundle file's or certificate PDF's bytes.

        Raises ``InvalidFieldError`` when they hold no bundle.
        """
        return self.verify(parse_certificate_file(data), as_centre_id=as_centre_id)

    def verify_number(
        self, registration_number: str, *, as_centre_id: int | None = None
    ) -> Verified:
        """Verify the bundle of a certificate this node issued."""
        return self.verify(self.bundle(registration_number), as_centre_id=as_centre_id)

    def answers_at_once(self, bundle: CertificateBundle) -> bool:
        """Whether verifying ``bundle`` is computation only (the chain facts are in memory)."""
        return self._facts.answers_at_once(bundle)

    def verify(self, bundle: CertificateBundle, *, as_centre_id: int | None = None) -> Verified:
        """Verify a parsed bundle against the facts its source gives for it."""
        facts = self._facts.facts_for(bundle)
        report = verify_bundle(bundle, facts, today=self._today(), as_centre_id=as_centre_id)
        return Verified(bundle, report)

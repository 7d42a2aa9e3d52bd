"""The certificate bundle attached to a certificate PDF, so that the PDF alone can be verified.

The PDF (``node.reports.certificate_pdf``) carries the bundle's exact bytes as
an embedded file named :data:`BUNDLE_ATTACHMENT`; the printed page is for
people and is never read back. A verifier takes either file a holder hands
over: :func:`parse_certificate_file` recognises a PDF by its header and
parses the attached bundle with the same hostile-input rules as a bundle file.
pypdf reads the file strictly: a malformed PDF is an error, not a warning and a guess.
"""

from __future__ import annotations

from io import BytesIO
from typing import NoReturn

from pypdf import PdfReader

from node.documents.bundle import CertificateBundle, parse_bundle
from node.domain.errors import InvalidFieldError

BUNDLE_ATTACHMENT = "certificate-bundle.json"
PDF_HEADER = b"%PDF-"
MAX_PDF_BYTES = 4 * 1024 * 1024
"""A certificate PDF is about 100 KiB; the bundle inside is bounded by ``MAX_BUNDLE_BYTES``."""
ERROR_CODE = "certificate_pdf"


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` starts like a PDF file."""
    return data.startswith(PDF_HEADER)


def attached_bundle(pdf: bytes) -> bytes:
    """The bytes of the bundle attached to a certificate PDF.

    Raises :class:`InvalidFieldError` (field ``pdf``, code ``certificate_pdf``)
    when the file is too large, unreadable, or has no single attached bundle.
    """
    if len(pdf) > MAX_PDF_BYTES:
        _fail(f"is {len(pdf)} bytes; at most {MAX_PDF_BYTES} are accepted")
    try:
        attachments = PdfReader(BytesIO(pdf), strict=True).attachments
        found = attachments.get(BUNDLE_ATTACHMENT, [])
    # pypdf raises many kinds of errors on a malformed file; any of them means unreadable.
    except Exception as error:
        _fail(f"is not a readable PDF: {type(error).__name__}: {error}")
    if not found:
        _fail(f"has no attached {BUNDLE_ATTACHMENT}")
    if len(found) > 1:
        _fail(f"has {len(found)} attachments named {BUNDLE_ATTACHMENT}; one is expected")
    return found[0]


def parse_certificate_file(data: bytes) -> CertificateBundle:
    """The bundle of a bundle file (JSON) or of a certificate PDF."""
    return parse_bundle(attached_bundle(data) if is_pdf(data) else data)


def _fail(message: str) -> NoReturn:
    raise InvalidFieldError("pdf", ERROR_CODE, message)

"""The bundle attached to a certificate PDF: found byte for byte, and hostile files refused
naming the field."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfWriter

from node.documents.bundle import bundle_json
from node.documents.bundle_pdf import (
    BUNDLE_ATTACHMENT,
    MAX_PDF_BYTES,
    attached_bundle,
    parse_certificate_file,
)
from node.domain.errors import InvalidFieldError
from tests.unit.verification.bundles import bundle


def _pdf(*attachments: tuple[str, bytes]) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    for name, content in attachments:
        writer.add_attachment(name, content)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _refused(data: bytes) -> InvalidFieldError:
    with pytest.raises(InvalidFieldError) as refused:
        parse_certificate_file(data)
    return refused.value


def test_the_attached_bundle_is_read_and_a_bundle_file_still_is() -> None:
    issued = bundle()
    pdf = _pdf(("notes.txt", b"other"), (BUNDLE_ATTACHMENT, bundle_json(issued)))
    assert attached_bundle(pdf) == bundle_json(issued)
    assert parse_certificate_file(pdf) == issued
    assert parse_certificate_file(bundle_json(issued)) == issued


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_pdf(), f"has no attached {BUNDLE_ATTACHMENT}"),
        (_pdf(("bundle.json", b"{}")), f"has no attached {BUNDLE_ATTACHMENT}"),
        (_pdf((BUNDLE_ATTACHMENT, b"{}"), (BUNDLE_ATTACHMENT, b"{}")), "one is expected"),
        (_pdf()[:200], "is not a readable PDF"),
        (b"%PDF-1.7\n" + b"\x00" * 64, "is not a readable PDF"),
        (b"%PDF-1.7\n" + b" " * MAX_PDF_BYTES, f"at most {MAX_PDF_BYTES} are accepted"),
    ],
    ids=["no-attachment", "other-name", "two-bundles", "truncated", "garbage", "oversize"],
)
def test_a_pdf_without_one_readable_bundle_is_refused_naming_the_field(
    data: bytes, message: str
) -> None:
    error = _refused(data)
    assert (error.field, error.code) == ("pdf", "certificate_pdf")
    assert message in error.detail


def test_the_attachment_is_parsed_as_hostile_as_a_bundle_file() -> None:
    error = _refused(_pdf((BUNDLE_ATTACHMENT, b'{"bundle_version": 1, "bundle_version": 1}')))
    assert (error.field, error.code) == ("bundle", "bundle_schema")
    assert "twice" in error.detail

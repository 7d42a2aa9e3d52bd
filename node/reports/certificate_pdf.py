"""The certificate PDF (数据产权登记证书): an A4 page for people, the signed bundle for machines.

The page shows the centre, holder, data asset, rights, registration number,
dates, the digest and the anchoring transaction, and a QR code that opens the
centre's verify page for this number. The bundle is attached byte for byte
(``node.documents.bundle_pdf``), so ``dataprop verify certificate.pdf`` needs
nothing else. Everything printed comes from the signed document in the bundle.

The same bundle always gives the same bytes: the PDF's dates are the
document's, and fpdf2 derives the file identifier from the content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from node.documents.bundle import CertificateBundle, bundle_json
from node.documents.bundle_pdf import BUNDLE_ATTACHMENT
from node.documents.schemas import CertificateDocument
from node.domain.values import DataType, IndustrySection, Ownership, Right
from node.reports.fonts import CjkFonts, Weight, printed_characters

PAGE_WIDTH = 210.0
MARGIN = 22.0
LABEL_WIDTH = 50.0
VALUE_WIDTH = PAGE_WIDTH - 2 * MARGIN - LABEL_WIDTH
QR_SIZE = 34.0
INK = (30, 30, 30)
MUTED = (110, 110, 110)
SEAL_RED = (150, 28, 28)
ASCII = frozenset(range(0x20, 0x7F))
LONG_VALUE = 160
"""Characters of a free-text value printed in full; the rest is in the attached bundle."""
SANS = "noto-sans-cjk-sc"
TITLE = "数据产权登记证书"
TITLE_ENGLISH = "Data Property Registration Certificate"
NUMBER_LABEL = "登记编号 Registration No.  "
QR_CAPTION = "扫码核验 Scan to verify"
BUNDLE_NOTE = (
    f"本证书附有经登记机构签名的证书文件（{BUNDLE_ATTACHMENT}），可用 dataprop verify "
    "或核验页面独立核验，无需信任签发节点。\nThe signed certificate bundle is attached to this "
    "PDF: verify it with `dataprop verify` or on the verify page, against the chain alone."
)
ANCHOR_HEADING = ("区块链存证", "On-chain anchoring")


@dataclass(frozen=True)
class CertificatePrinter:
    """Builds certificate PDFs whose QR code opens ``endpoint``'s verify page."""

    fonts: CjkFonts
    endpoint: str

    def verify_url(self, registration_number: str) -> str:
        """The verify page of this centre, opened on ``registration_number``."""
        return f"{self.endpoint.rstrip('/')}/verify?number={quote(registration_number)}"

    def pdf(self, bundle: CertificateBundle) -> bytes:
        """The certificate PDF of ``bundle``, with the bundle attached."""
        document = CertificateDocument.model_validate(bundle.document)
        url = self.verify_url(document.registration_number)
        rows, anchor_rows = _certificate_rows(document), _anchor_rows(bundle)
        labels = "".join(label for label, _, _ in rows + anchor_rows)
        page = _Page(self.fonts, self.printed_text(bundle), TITLE + ANCHOR_HEADING[0] + labels)
        page.metadata(document)
        page.title(document.registration_number)
        page.rows(rows, size=10.5)
        page.heading(*ANCHOR_HEADING)
        page.rows(anchor_rows, size=8.5)
        page.verification(url, document)
        created = datetime.fromisoformat(document.created_at)
        page.pdf.embed_file(
            bytes=bundle_json(bundle),
            basename=BUNDLE_ATTACHMENT,
            mime_type="application/json",
            desc="signed certificate bundle: verify it with dataprop verify or the verify page",
            creation_date=created,
            modification_date=created,
            compress=True,
        )
        return bytes(page.pdf.output())

    def printed_text(self, bundle: CertificateBundle) -> str:
        """Every character the PDF of ``bundle`` prints (its fonts are picked from these)."""
        document = CertificateDocument.model_validate(bundle.document)
        rows = _certificate_rows(document) + _anchor_rows(bundle)
        fixed = (TITLE, TITLE_ENGLISH, NUMBER_LABEL, QR_CAPTION, BUNDLE_NOTE, *ANCHOR_HEADING)
        url = self.verify_url(document.registration_number)
        return "".join(part for row in rows for part in row) + "".join(fixed) + url


Row = tuple[str, str, str]
"""Chinese label, English label, value."""


def _certificate_rows(document: CertificateDocument) -> list[Row]:
    holder, asset = document.holder, document.asset
    rows: list[Row] = [
        ("登记主体", "Holder", holder.name),
        ("统一社会信用代码", "Credit code", holder.credit_code),
        ("主体性质", "Ownership", Ownership(holder.ownership).label),
        ("数据资产名称", "Data asset", asset.name),
        ("数据类型", "Data type", DataType(asset.data_type).label),
        (
            "所属行业",
            "Industry",
            f"{asset.industry_section} {IndustrySection(asset.industry_section).label}",
        ),
        ("数据规模", "Scale", asset.scale),
        ("更新频率", "Update frequency", asset.update_frequency),
        ("应用场景", "Scenarios", _clip("、".join(asset.scenarios))),
        ("登记权利", "Rights", "、".join(Right(right).label for right in document.rights)),
        ("登记日期", "Issued on", _day(document.issued_on)),
        ("有效期至", "Valid until", _day(document.valid_until)),
    ]
    if document.supersedes is not None:
        rows.append(("替代证书", "Supersedes", document.supersedes))
    rows.append(("登记机构", "Centre", f"{document.centre.name}（{document.centre.region_code}）"))
    return rows


def _anchor_rows(bundle: CertificateBundle) -> list[Row]:
    anchor = bundle.anchor
    return [
        ("证书摘要", "Digest (keccak-256)", bundle.digest),
        ("签名密钥", "Centre's signing key", bundle.signer),
        ("存证交易", "Anchor transaction", anchor.transaction_hash),
        ("区块", "Block · chain id", f"{anchor.block_number} · {anchor.chain_id}"),
        ("批次根", "Merkle batch root", anchor.root),
        ("存证合约", "AnchorRegistry", anchor.anchor_registry),
    ]


def _day(iso_day: str) -> str:
    day = date.fromisoformat(iso_day)
    return f"{day.year}年{day.month}月{day.day}日（{iso_day}）"


def _clip(text: str) -> str:
    return text if len(text) <= LONG_VALUE else text[: LONG_VALUE - 1] + "…"


class _FramedPdf(FPDF):
    """An A4 document whose every page has the certificate's double frame."""

    def header(self) -> None:
        self.set_draw_color(*SEAL_RED)
        self.set_line_width(0.8)
        self.rect(10, 10, PAGE_WIDTH - 20, 277)
        self.set_line_width(0.25)
        self.rect(12.5, 12.5, PAGE_WIDTH - 25, 272)


class _Page:
    """The certificate being laid out, in millimetres."""

    def __init__(self, fonts: CjkFonts, text: str, bold_text: str) -> None:
        """``text`` is all the page prints; ``bold_text`` the labels set in bold, which are
        fixed: their face is a cut of a few hundred glyphs (with ASCII for the number)."""
        self.pdf = _FramedPdf(orientation="P", unit="mm", format="A4")
        self.pdf.set_margins(MARGIN, 20.0, MARGIN)
        self.pdf.set_auto_page_break(True, margin=16.0)
        faces = (
            ("", fonts.face(Weight.REGULAR, text)),
            ("B", fonts.cut(Weight.BOLD, printed_characters(bold_text) | ASCII)),
        )
        for style, face in faces:
            self.pdf.add_font(SANS, style, face.path, collection_font_number=face.number)
            added = self.pdf.fonts[f"{SANS}{style}"]
            assert isinstance(added, TTFFont)
            # The embedded subset keeps the face's bounding box: drawing every glyph
            # to shrink it would cost a third of the build.
            added.ttfont.recalcBBoxes = False
        self.pdf.add_page()
        self.pdf.set_text_color(*INK)

    def metadata(self, document: CertificateDocument) -> None:
        pdf = self.pdf
        pdf.set_lang("zh-CN")
        pdf.set_title(f"{TITLE} {document.registration_number}")
        pdf.set_subject(f"{document.holder.name} · {document.asset.name}")
        pdf.set_author(document.centre.name)
        pdf.set_keywords(document.registration_number)
        pdf.set_creator("dataprop")
        pdf.set_producer("dataprop")
        pdf.set_creation_date(datetime.fromisoformat(document.created_at))

    def title(self, registration_number: str) -> None:
        pdf = self.pdf
        pdf.set_y(22)
        self._font("B", 26)
        pdf.cell(0, 13, TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font("", 10, MUTED)
        pdf.cell(
            0, 6, TITLE_ENGLISH, align="C",
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip
        pdf.ln(4)
        label = NUMBER_LABEL
        self._font("B", 13)
        number_width = pdf.get_string_width(registration_number)
        self._font("", 10)
        label_width = pdf.get_string_width(label)
        pdf.set_x((PAGE_WIDTH - label_width - number_width) / 2)
        pdf.cell(label_width, 8, label)
        self._font("B", 13)
        pdf.cell(number_width, 8, registration_number, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
        self._rule()

    def heading(self, chinese: str, english: str) -> None:
        pdf = self.pdf
        pdf.ln(3)
        self._font("B", 11)
        width = pdf.get_string_width(chinese + " ")
        pdf.cell(width, 7, chinese + " ")
        self._font("", 8, MUTED)
        pdf.cell(0, 7, english, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._rule()

    def rows(self, rows: list[Row], *, size: float) -> None:
        pdf = self.pdf
        line = size * 0.5
        for chinese, english, value in rows:
            top = pdf.get_y()
            self._font("B", size * 0.9)
            width = pdf.get_string_width(chinese + " ")
            pdf.cell(width, line, chinese + " ")
            self._font("", size * 0.62, MUTED)
            pdf.cell(LABEL_WIDTH - width, line, english)
            pdf.set_xy(MARGIN + LABEL_WIDTH, top)
            self._font("", size)
            pdf.multi_cell(VALUE_WIDTH, line, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(size * 0.16)

    def verification(self, url: str, document: CertificateDocument) -> None:
        """The QR code of the verify page, the note on the attached bundle, the centre's line."""
        pdf = self.pdf
        pdf.ln(2)
        self._rule()
        top = max(pdf.get_y() + 3, pdf.page_break_trigger - QR_SIZE - 8)
        if top + QR_SIZE + 6 > pdf.page_break_trigger:
            pdf.add_page()
            top = pdf.get_y()
        _draw_qr(pdf, url, MARGIN, top)
        self._font("", 7, MUTED)
        pdf.set_xy(MARGIN, top + QR_SIZE + 0.5)
        pdf.cell(QR_SIZE, 4, QR_CAPTION, align="C")
        text_left = MARGIN + QR_SIZE + 6
        text_width = PAGE_WIDTH - MARGIN - text_left
        pdf.set_xy(text_left, top + 1)
        self._font("", 8)
        pdf.multi_cell(text_width, 4.4, BUNDLE_NOTE, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self._font("", 7, MUTED)
        pdf.multi_cell(text_width, 3.6, url, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.ln(4)
        self._font("", 10.5, SEAL_RED)
        pdf.cell(text_width, 6, document.centre.name, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self._font("", 9)
        pdf.cell(text_width, 5, _day(document.issued_on), align="R")

    def _font(self, style: str, size: float, color: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font(SANS, style, size)
        self.pdf.set_text_color(*color)

    def _rule(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*MUTED)
        pdf.set_line_width(0.2)
        y = pdf.get_y()
        pdf.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)
        pdf.set_y(y + 2)


def _draw_qr(pdf: FPDF, url: str, left: float, top: float) -> None:
    """The QR code of ``url`` as vector squares, one filled rectangle per run of dark modules."""
    code = segno.make(url, error="m", micro=False)
    matrix = code.matrix
    module = QR_SIZE / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(matrix):
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < len(cells) and cells[column]:
                column += 1
            pdf.rect(
                left + start * module, top + row * module, (column - start) * module, module, "F"
            )

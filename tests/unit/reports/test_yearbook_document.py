"""The yearbook as HTML and PDF: sections in order, the figures in tables, charts with
Chinese labels drawn from a CJK font (never the empty boxes of a font without them)."""

from __future__ import annotations

import io
import re
import warnings
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from pypdf import PdfReader

from node.domain.registration_facts import Subject
from node.domain.securities import Board
from node.domain.statistics import ListedCompanyTally, Period, RegistryTallies
from node.domain.values import DataType, IndustrySection, Ownership
from node.reports.charts import bar_chart, cjk_family, pie_chart
from node.reports.yearbook import CentreJson, Yearbook, build_yearbook
from node.reports.yearbook_document import render_html, render_pdf

LEFT, RIGHT = "\uff08", "\uff09"
"""The full-width parentheses of Chinese text."""
CENTRE = CentreJson(name="青岛示例数据资产登记评价中心", region_code="370200")
SECTION_TITLES = (
    "一、概览",
    "二、登记主体所有制",
    "三、上市与非上市",
    "四、地区分布",
    "五、省份分布",
    "六、行业分布",
    "七、数据类型",
    "八、月度登记",
    "九、上市公司数据资源入表",
    "说明",
)


def sample() -> Yearbook:
    tallies = RegistryTallies(
        registrations=4,
        registrants=3,
        by_ownership_listing={(Ownership.STATE, True): 1, (Ownership.NON_STATE, False): 3},
        by_province={"37": 3, "23": 1},
        by_section={IndustrySection.I: 3, IndustrySection.A: 1},
        by_data_type={DataType.STRUCTURED: 4},
        by_month={(2025, 3): 4},
        listed_companies=(
            ListedCompanyTally(
                "600941.SH", Board.SH_MAIN, 1, {Subject.INTANGIBLE: Decimal("1250000.50")}
            ),
        ),
        first_registered_on=date(2025, 3, 1),
    )
    return build_yearbook(
        tallies,
        Period.year(2025),
        year=2025,
        centre=CENTRE,
        generated_at=datetime(2026, 1, 5, tzinfo=UTC),
    )


def test_chart_labels_are_drawn_with_a_font_that_has_the_chinese_glyphs() -> None:
    family = cjk_family()
    [entry, *_] = [e for e in font_manager.fontManager.ttflist if e.name == family]
    face = FT2Font(entry.fname, face_index=entry.index)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of every glyph it cannot draw
        pie = pie_chart("地区分布", ["东部", "中部", "西部"], [3, 2, 0])
        bar = bar_chart("各省份登记数量", ["山东省", "黑龙江省"], [3, 1], horizontal=True)
    for svg in (pie, bar):
        assert svg.startswith("<svg") and "<text" not in svg  # text drawn as glyph paths
    drawn = set(re.findall(r'<path id="([^"]+)"', pie)) | set(
        re.findall(r'<path id="([^"]+)"', bar)
    )
    prefix = face.postscript_name
    for char in "地区分布东部中各省份登记数量山东黑龙江":
        index = face.get_char_index(ord(char))
        assert index, f"{family} has no glyph for {char}"
        assert f"{prefix}-{index:x}" in drawn, char
    assert "<!-- 西部 -->" not in pie  # a slice of zero is left out


def test_the_html_has_every_section_in_reading_order_with_its_figures() -> None:
    html = render_html(sample())
    positions = [html.index(f"<h2>{title}") for title in SECTION_TITLES]
    assert positions == sorted(positions)
    assert f"数据产权登记年报{LEFT}2025 年度{RIGHT}" in html
    assert (
        '<td>山东省</td><td>东部</td><td class="number">3</td><td class="number">75.00</td>' in html
    )
    assert "<td>黑龙江省</td><td>东部</td>" in html  # the north-east counts as east
    assert "1250000.50" in html and html.count("<svg") == 9
    assert "<script" not in html and "http" not in html.split("</style>")[0]


@pytest.mark.slow
def test_the_pdf_shows_the_chinese_text_with_an_embedded_cjk_font() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(sample())))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"青岛示例数据资产登记评价中心 数据产权登记年报{LEFT}2025 年度{RIGHT}" in text
    assert "九、上市公司数据资源入表" in text and "1250000.50" in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert any("CJK" in font for font in fonts), fonts

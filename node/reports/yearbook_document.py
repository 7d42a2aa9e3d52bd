"""The yearbook as a document: HTML with charts and a table per section, and the same as PDF.

Sections follow a registration centre's annual report: overview, holders by
ownership and listing, areas and provinces, industries, data types, months, the
listed companies' balance-sheet amounts, pledges, and how the figures are made.
The HTML is self-contained (inline SVG charts and CSS, no scripts); the PDF is
that HTML laid out by WeasyPrint, which finds the CJK font through fontconfig.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from node.domain.regions import Area
from node.domain.registration_facts import Subject
from node.domain.securities import Board
from node.domain.values import DataType, IndustrySection, Ownership
from node.reports.charts import bar_chart, pie_chart
from node.reports.yearbook import Yearbook

LISTING_LABELS = {"listed": "上市", "non-listed": "非上市"}
NOTES = (
    "登记数量按首次登记计，每项登记在其登记日期所在期间计一次；变更、转移、续证不另计。"
    " Registrations are counted once, at their registration date; changes, transfers and"
    " renewals are not new registrations.",
    "占比为百分比，按精确值四舍五入（half up）保留两位小数，各项分别舍入，合计可能为 99.99 或"
    " 100.01。 Shares are percentages rounded half up to two decimals, each on its own.",
    "地区按国家统计局划分：东部含东北三省（辽宁、吉林、黑龙江）。 Areas follow the NBS"
    " grouping, with the north-east inside the east.",
    "经登记流程办理、未记载是否上市的登记计入非上市。 Registrations issued through the"
    " workflow, whose listing is not recorded, count as non-listed.",
    "金额单位为元，精确求和。 Amounts are yuan, summed exactly.",
)


@dataclass(frozen=True)
class Table:
    """A table of a section: column headings and rows of cells."""

    headings: tuple[str, ...]
    rows: Sequence[tuple[object, ...]]


@dataclass(frozen=True)
class Section:
    """One section of the report: a heading, its charts and its tables."""

    title: str
    charts: list[Markup] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


_environment = Environment(
    loader=PackageLoader("node.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(yearbook: Yearbook) -> str:
    """The yearbook as one self-contained HTML page."""
    template = _environment.get_template("yearbook.html.j2")
    return template.render(
        title=_title(yearbook),
        yearbook=yearbook,
        sections=sections(yearbook),
        generated_at=datetime.fromisoformat(yearbook.generated_at).strftime("%Y-%m-%d %H:%M"),
    )


def render_pdf(yearbook: Yearbook) -> bytes:
    """The yearbook's HTML laid out as a PDF (A4)."""
    from weasyprint import HTML

    pdf = HTML(string=render_html(yearbook)).write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return bytes(pdf)


def _whole(amount_total: str) -> str:
    """The total's share of itself: all of it, or nothing of nothing."""
    return "0.00" if amount_total == "0.00" else "100.00"


def _title(yearbook: Yearbook) -> str:
    period = yearbook.period
    span = f"{period.year} 年度" if period.year is not None else f"截至 {period.end}"
    return f"{yearbook.centre.name} 数据产权登记年报（{span}）"


def sections(yearbook: Yearbook) -> list[Section]:
    """The report's sections in reading order."""
    listed = yearbook.listed
    found = [
        Section(
            "一、概览 Overview",
            tables=[
                Table(
                    ("指标 Figure", "数值 Value"),
                    [
                        ("登记数量 Registrations", yearbook.registrations),
                        ("登记主体 Registrants (distinct credit codes)", yearbook.registrants),
                        ("涉及省份 Provinces", len(yearbook.by_province)),
                        ("覆盖行业门类 Sections covered", yearbook.industry_sections_covered),
                        ("上市公司 Listed companies", listed.companies),
                        ("上市公司入表金额（元）Amount recognised, yuan", listed.amount_total),
                    ],
                )
            ],
        ),
        _ownership(yearbook),
        _listing(yearbook),
        _areas(yearbook),
        _provinces(yearbook),
        _industries(yearbook),
        _data_types(yearbook),
        _months(yearbook),
        _listed(yearbook),
    ]
    if yearbook.pledges is not None:
        found.append(
            Section(
                "十、质押融资 Pledges",
                tables=[
                    Table(
                        ("笔数 Count", "担保金额（元）Secured amount, yuan"),
                        [(yearbook.pledges.count, yearbook.pledges.secured_amount)],
                    )
                ],
            )
        )
    found.append(Section("说明 Notes", text=list(NOTES)))
    return found


def _ownership(yearbook: Yearbook) -> Section:
    labels = [Ownership(key).label for key in yearbook.by_ownership]
    parts = list(yearbook.by_ownership.values())
    return Section(
        "二、登记主体所有制 Ownership",
        charts=[Markup(pie_chart("登记主体所有制", labels, [p.count for p in parts]))],
        tables=[
            Table(
                ("所有制 Ownership", "登记数 Registrations", "占比 Share %"),
                [(label, p.count, p.share) for label, p in zip(labels, parts, strict=True)],
            )
        ],
    )


def _listing(yearbook: Yearbook) -> Section:
    rows = [
        (
            LISTING_LABELS[key],
            part.by_ownership[Ownership.STATE.value],
            part.by_ownership[Ownership.NON_STATE.value],
            part.count,
            part.share,
        )
        for key, part in yearbook.by_listing.items()
    ]
    return Section(
        "三、上市与非上市 Listed and non-listed holders",
        charts=[
            Markup(
                pie_chart(
                    "上市与非上市",
                    [LISTING_LABELS[key] for key in yearbook.by_listing],
                    [part.count for part in yearbook.by_listing.values()],
                )
            )
        ],
        tables=[
            Table(
                ("类别 Listing", "国有 State", "非国有 Non-state", "合计 Total", "占比 Share %"),
                rows,
            )
        ],
        text=[f"其中未记载是否上市、计入非上市的登记 {yearbook.listing_not_recorded} 项。"],
    )


def _areas(yearbook: Yearbook) -> Section:
    labels = [Area(key).label for key in yearbook.by_area]
    parts = list(yearbook.by_area.values())
    text = []
    if yearbook.area_not_assigned:
        text.append(f"另有 {yearbook.area_not_assigned} 项登记的主体不在 31 个省级行政区内。")
    return Section(
        "四、地区分布 Areas",
        charts=[Markup(pie_chart("东部、中部、西部", labels, [p.count for p in parts]))],
        tables=[
            Table(
                ("地区 Area", "登记数 Registrations", "占比 Share %"),
                [(label, p.count, p.share) for label, p in zip(labels, parts, strict=True)],
            )
        ],
        text=text,
    )


def _provinces(yearbook: Yearbook) -> Section:
    provinces = yearbook.by_province
    charts = []
    if provinces:
        charts.append(
            Markup(
                bar_chart(
                    "各省份登记数量",
                    [p.province for p in provinces],
                    [p.count for p in provinces],
                    horizontal=True,
                    value_label="登记数",
                )
            )
        )
    return Section(
        "五、省份分布 Provinces",
        charts=charts,
        tables=[
            Table(
                ("省份 Province", "地区 Area", "登记数 Registrations", "占比 Share %"),
                [
                    (p.province, "" if p.area is None else Area(p.area).label, p.count, p.share)
                    for p in provinces
                ],
            )
        ],
    )


def _industries(yearbook: Yearbook) -> Section:
    sections_ = [IndustrySection(key) for key in yearbook.by_industry_section]
    counts = list(yearbook.by_industry_section.values())
    return Section(
        "六、行业分布 Industry sections (GB/T 4754-2017)",
        charts=[
            Markup(
                bar_chart(
                    f"行业门类登记数量（覆盖 {yearbook.industry_sections_covered} 个门类）",
                    [f"{s.value} {s.label}" for s in sections_],
                    counts,
                    horizontal=True,
                    value_label="登记数",
                )
            )
        ],
        tables=[
            Table(
                ("门类 Section", "名称 Name", "登记数 Registrations"),
                [(s.value, s.label, n) for s, n in zip(sections_, counts, strict=True)],
            )
        ],
    )


def _data_types(yearbook: Yearbook) -> Section:
    labels = [DataType(key).label for key in yearbook.by_data_type]
    counts = list(yearbook.by_data_type.values())
    return Section(
        "七、数据类型 Data types",
        charts=[Markup(pie_chart("数据类型", labels, counts))],
        tables=[
            Table(
                ("类型 Type", "登记数 Registrations"),
                list(zip(labels, counts, strict=True)),
            )
        ],
    )


def _months(yearbook: Yearbook) -> Section:
    months = yearbook.by_month
    charts = []
    if months:
        charts.append(
            Markup(
                bar_chart("月度登记数量", list(months), list(months.values()), value_label="登记数")
            )
        )
    return Section(
        "八、月度登记 Registrations per month",
        charts=charts,
        tables=[Table(("月份 Month", "登记数 Registrations"), list(months.items()))],
    )


def _listed(yearbook: Yearbook) -> Section:
    listed = yearbook.listed
    boards = [Board(key) for key in listed.by_board]
    subjects = [Subject(key) for key in listed.by_subject]
    amounts = list(listed.by_subject.values())
    return Section(
        "九、上市公司数据资源入表 Listed companies' data resources on the balance sheet",
        charts=[
            Markup(
                bar_chart(
                    "各板块上市公司数量",
                    [board.label for board in boards],
                    [listed.by_board[board.value].companies for board in boards],
                    value_label="公司数",
                )
            ),
            Markup(
                pie_chart(
                    "入表金额按会计科目",
                    [subject.label for subject in subjects],
                    [float(amount.amount) for amount in amounts],
                )
            ),
        ],
        tables=[
            Table(
                ("板块 Board", "公司数 Companies", "登记数 Registrations"),
                [
                    (b.label, count.companies, count.registrations)
                    for b in boards
                    if (count := listed.by_board[b.value])
                ],
            ),
            Table(
                ("会计科目 Subject", "金额（元）Amount, yuan", "占比 Share %", "公司数 Companies"),
                [
                    (s.label, a.amount, a.share, a.companies)
                    for s, a in zip(subjects, amounts, strict=True)
                ]
                + [("合计 Total", listed.amount_total, _whole(listed.amount_total), "")],
            ),
            Table(
                ("排名 Rank", "证券代码 Code", "板块 Board", "入表金额（元）Amount, yuan"),
                [
                    (rank, c.securities_code, Board(c.board).label, c.amount)
                    for rank, c in enumerate(listed.top, 1)
                ],
            ),
            Table(
                ("集中度 Concentration", "占比 Share %"),
                [
                    ("前三家 Top 3", listed.concentration.top3_share),
                    ("前五家 Top 5", listed.concentration.top5_share),
                ],
            ),
        ],
        text=[
            "同时确认无形资产和开发支出的上市公司"
            f" {listed.companies_with_intangible_and_development} 家。"
            " Companies recognising both intangible assets and development costs."
        ],
    )

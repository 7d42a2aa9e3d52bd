"""Bar and pie charts of the yearbook, drawn with matplotlib as SVG with Chinese labels.

Labels are drawn with a CJK font from the system (Debian's ``fonts-noto-cjk``;
``scripts/dev-setup`` and ``scripts/run-tests`` install it): matplotlib's default
DejaVu Sans has no Chinese glyphs and would draw empty boxes. Text is written as
paths (``svg.fonttype: path``), so a chart looks the same in any browser and in
the PDF, whatever fonts the reader has.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from node.errors import ConfigurationError

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")
"""Fonts with simplified Chinese glyphs, in order of preference."""
CJK_FONT_PACKAGE = "fonts-noto-cjk"
COLOURS = ("#1f5fa8", "#e07b24", "#3a9a4a", "#c8403a", "#7d5ba6", "#8c6d3f", "#d46aa8", "#7f7f7f")


class ChartFontMissingError(ConfigurationError):
    """No font with Chinese glyphs is installed, so chart labels cannot be drawn."""

    code = "chart_font_missing"


@cache
def cjk_family() -> str:
    """The family name of an installed CJK font; the system's fonts are scanned again once
    when matplotlib's font cache predates the font's installation."""
    for rescan in (False, True):
        if rescan:
            for path in font_manager.findSystemFonts():
                if Path(path).suffix.lower() in (".ttc", ".otf", ".ttf") and "CJK" in path:
                    font_manager.fontManager.addfont(path)
        known = {entry.name for entry in font_manager.fontManager.ttflist}
        for family in CJK_FAMILIES:
            if family in known:
                return family
    raise ChartFontMissingError(
        f"no font with Chinese glyphs is installed (install the Debian package "
        f"{CJK_FONT_PACKAGE}): chart labels would be empty boxes"
    )


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasSVG(figure)
    return figure


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "dataprop"}):
        figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg") :]


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    horizontal: bool = False,
    value_label: str = "",
) -> str:
    """A bar chart as an SVG element; ``horizontal`` for long labels (provinces, sections)."""
    with matplotlib.rc_context({"font.family": [cjk_family()], "font.size": 9}):
        height = max(2.6, 0.28 * len(labels) + 0.9) if horizontal else 3.2
        figure = _figure(6.4, height)
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        if horizontal:
            bars = axes.barh(positions, values, color=COLOURS[0])
            axes.set_yticks(positions, labels)
            axes.invert_yaxis()
            axes.set_xlabel(value_label)
        else:
            bars = axes.bar(positions, values, color=COLOURS[0])
            axes.set_xticks(positions, labels, rotation=45 if len(labels) > 8 else 0, ha="right")
            axes.set_ylabel(value_label)
        if all(float(value).is_integer() for value in values):  # counts: whole ticks only
            value_axis = axes.xaxis if horizontal else axes.yaxis
            value_axis.set_major_locator(MaxNLocator(integer=True))
        axes.bar_label(bars, fmt="%g", padding=2, fontsize=8)
        axes.set_title(title)
        axes.spines[["top", "right"]].set_visible(False)
        return _svg(figure)


def pie_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    """A pie chart as an SVG element; slices of zero are left out, percentages on the slices."""
    shown = [(label, value) for label, value in zip(labels, values, strict=True) if value > 0]
    with matplotlib.rc_context({"font.family": [cjk_family()], "font.size": 9}):
        figure = _figure(4.6, 3.2)
        axes = figure.add_subplot()
        if shown:
            axes.pie(
                [value for _, value in shown],
                labels=[label for label, _ in shown],
                colors=COLOURS[: len(shown)],
                autopct="%.1f%%",
                startangle=90,
                counterclock=False,
                wedgeprops={"linewidth": 1, "edgecolor": "white"},
            )
            axes.set_aspect("equal")
        else:
            axes.text(0.5, 0.5, "无数据 (no data)", ha="center", va="center")
            axes.set_axis_off()
        axes.set_title(title)
        return _svg(figure)

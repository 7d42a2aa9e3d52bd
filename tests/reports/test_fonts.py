"""The faces a certificate is set in: a cut of the common characters, the full face otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from node.config import ReportSettings
from node.reports.fonts import (
    CjkFonts,
    FontCacheUnwritableError,
    FontUnavailableError,
    Weight,
    common_characters,
)


def test_a_text_within_the_cut_is_set_from_it_and_any_other_from_the_full_face(
    cjk_fonts: CjkFonts,
) -> None:
    full = cjk_fonts.full_face(Weight.REGULAR)
    assert full.path.name == "NotoSansCJK-Regular.ttc"
    with TTFont(full.path, fontNumber=full.number, lazy=True) as face:
        assert face["name"].getDebugName(1) == "Noto Sans CJK SC"

    cut = cjk_fonts.face(Weight.REGULAR, "青岛示例农业数据科技有限公司\n0x1F")
    assert cut.path.suffix == ".otf" and cut.number == 0
    assert cjk_fonts.face(Weight.REGULAR, "王堃") == full
    assert cjk_fonts.face(Weight.BOLD, "青岛").path != cut.path


@pytest.mark.usefixtures("cjk_fonts")  # the fonts are installed
def test_a_cut_holds_its_characters_and_is_made_once_per_folder(tmp_path: Path) -> None:
    font_dir = ReportSettings().font_dir
    characters = frozenset(map(ord, "数据产权登记证书 0123456789"))
    first = CjkFonts(font_dir, tmp_path, characters).face(Weight.REGULAR, "登记证书")
    with TTFont(first.path) as cut:
        assert set(cut.getBestCmap()) == characters
    made = first.path.stat().st_mtime_ns

    again = CjkFonts(font_dir, tmp_path, characters).face(Weight.REGULAR, "数据 2026")
    assert again == first and again.path.stat().st_mtime_ns == made
    other = CjkFonts(font_dir, tmp_path, characters | {ord("青")}).face(Weight.REGULAR, "青")
    assert other.path != first.path
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        (first.path.name, other.path.name)
    ), "no partial file is left behind"


def test_labels_known_in_advance_get_a_cut_of_their_own(cjk_fonts: CjkFonts) -> None:
    labels = frozenset(map(ord, "登记主体 Holder"))
    cut = cjk_fonts.cut(Weight.BOLD, labels)
    with TTFont(cut.path) as font:
        assert set(font.getBestCmap()) == labels
    assert cjk_fonts.cut(Weight.BOLD, labels) == cut
    assert cut != cjk_fonts.face(Weight.BOLD, "登记主体 Holder")


def test_without_a_cache_folder_the_full_face_is_used(cjk_fonts: CjkFonts) -> None:
    fonts = CjkFonts(ReportSettings().font_dir, None)
    assert fonts.face(Weight.BOLD, "青岛") == cjk_fonts.full_face(Weight.BOLD)
    assert fonts.cut(Weight.BOLD, frozenset(map(ord, "青岛"))) == cjk_fonts.full_face(Weight.BOLD)


def test_missing_fonts_are_a_configuration_error_that_says_what_to_install(
    tmp_path: Path,
) -> None:
    with pytest.raises(FontUnavailableError) as missing:
        CjkFonts(tmp_path, tmp_path / "cache").face(Weight.REGULAR, "青岛")
    assert missing.value.code == "font_unavailable"
    assert "fonts-noto-cjk" in str(missing.value) and "reports.font_dir" in str(missing.value)


@pytest.mark.usefixtures("cjk_fonts")
def test_an_unwritable_cache_folder_is_a_configuration_error_naming_the_setting(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    fonts = CjkFonts(ReportSettings().font_dir, blocker / "fonts", frozenset(map(ord, "青岛")))
    with pytest.raises(FontCacheUnwritableError) as refused:
        fonts.face(Weight.REGULAR, "青岛")
    assert refused.value.code == "font_cache_unwritable"
    assert "reports.font_cache_dir" in str(refused.value)


def test_the_common_characters_are_gb2312_with_ascii_and_punctuation() -> None:
    common = common_characters()
    assert 7_500 < len(common) < 8_000
    assert set(map(ord, "青岛数据产权登记证书 ABC xyz 0-9，。、（）：；《》“”…—")) <= common
    assert ord("堃") not in common and ord("䶮") not in common

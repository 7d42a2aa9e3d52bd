"""The Chinese faces certificates are set in, cut down once so that each PDF builds fast.

Debian's fonts-noto-cjk ships Noto Sans CJK as OpenType collections with CFF
outlines, about 65,000 glyphs a face. Embedding a face means subsetting it,
and fontTools spends about 0.3 s a face on every document just parsing the
whole face. So a face is cut once to the characters in common use (ASCII,
Latin-1, CJK punctuation, full-width forms and the 7,445 characters of
GB 2312) and the cut is kept in the cache folder, keyed by the font file, the
characters and the fontTools version; cutting takes a few seconds. A text the
cut covers is set from it (tens of milliseconds); a text with a rarer
character (堃, 䶮) is set from the full face: slower, and just as correct.
Text known in advance, such as a form's labels, gets a cut of exactly its
characters, which costs next to nothing to embed.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import fontTools
from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

from node.errors import ConfigurationError

SIMPLIFIED_CHINESE_FAMILY = "Noto Sans CJK SC"
CUT_VERSION = 1
"""Raise when the cut's options change, so that old cuts are rebuilt."""


class FontUnavailableError(ConfigurationError):
    """The Noto Sans CJK collections are not where the settings say."""

    code = "font_unavailable"


class Weight(StrEnum):
    """The weights a certificate uses."""

    REGULAR = "Regular"
    BOLD = "Bold"

    @property
    def file_name(self) -> str:
        """The collection of this weight in Debian's fonts-noto-cjk."""
        return f"NotoSansCJK-{self.value}.ttc"


class FontCacheUnwritableError(ConfigurationError):
    """The cut of a face cannot be written to the font cache folder."""

    code = "font_cache_unwritable"


@dataclass(frozen=True)
class FontFile:
    """A face to embed: its file and, in a collection, the face's number."""

    path: Path
    number: int = 0


def common_characters() -> frozenset[int]:
    """The code points a cut keeps: ASCII, Latin-1, CJK punctuation, full-width forms, GB 2312."""
    points = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    points |= set(range(0x2010, 0x2030)) | set(range(0x3000, 0x3040)) | set(range(0xFF01, 0xFF5F))
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue  # an unassigned position of the code table
    return frozenset(points)


def printed_characters(text: str) -> frozenset[int]:
    """The code points of ``text`` that need a glyph (line breaks and tabs need none)."""
    return frozenset(ord(char) for char in text if char.isprintable())


@dataclass(frozen=True)
class _Cut:
    file: FontFile
    covered: frozenset[int]


class CjkFonts:
    """Noto Sans CJK SC from ``font_dir``; cuts of it kept in ``cache_dir``. Thread-safe.

    :meth:`face` sets any text, from the cut of ``characters`` (default
    :func:`common_characters`) when it covers the text; :meth:`cut` gives a cut
    of characters known in advance, such as a form's labels.
    """

    def __init__(
        self, font_dir: Path, cache_dir: Path | None, characters: frozenset[int] | None = None
    ) -> None:
        self._font_dir = font_dir
        self._cache_dir = cache_dir
        self._characters = common_characters() if characters is None else characters
        self._cuts: dict[tuple[Weight, frozenset[int]], _Cut] = {}
        self._full: dict[Weight, FontFile] = {}
        self._lock = threading.Lock()

    def face(self, weight: Weight, text: str) -> FontFile:
        """The smallest file with a glyph for every character of ``text``.

        Without a cache folder, the full face.
        """
        if self._cache_dir is not None:
            cut = self._cut(weight, self._characters)
            if printed_characters(text) <= cut.covered:
                return cut.file
        return self.full_face(weight)

    def cut(self, weight: Weight, characters: frozenset[int]) -> FontFile:
        """A face cut to ``characters``, made once per cache folder (without one, the full face).

        For text known in advance: a face of a few hundred glyphs costs next to
        nothing to embed.
        """
        if self._cache_dir is None:
            return self.full_face(weight)
        return self._cut(weight, characters).file

    def full_face(self, weight: Weight) -> FontFile:
        """The Simplified Chinese face in the installed collection of ``weight``."""
        with self._lock:
            if weight not in self._full:
                self._full[weight] = _simplified_chinese_face(self._font_dir / weight.file_name)
            return self._full[weight]

    def _cut(self, weight: Weight, characters: frozenset[int]) -> _Cut:
        full = self.full_face(weight)
        with self._lock:
            if (weight, characters) not in self._cuts:
                assert self._cache_dir is not None
                key = _cut_key(full, characters)
                path = self._cache_dir / f"{full.path.stem}-SC-cut-{key}.otf"
                if not path.is_file():
                    _write_cut(full, characters, path)
                with TTFont(path, lazy=True) as cut:
                    covered = frozenset(cut.getBestCmap())
                self._cuts[weight, characters] = _Cut(FontFile(path), covered)
            return self._cuts[weight, characters]


def _simplified_chinese_face(path: Path) -> FontFile:
    if not path.is_file():
        raise FontUnavailableError(
            f"{path} is missing: install Debian's fonts-noto-cjk (scripts/dev-setup does) "
            "or set reports.font_dir to the folder of the Noto Sans CJK collections"
        )
    with TTCollection(path, lazy=True) as collection:
        for number, font in enumerate(collection.fonts):
            if font["name"].getDebugName(1) == SIMPLIFIED_CHINESE_FAMILY:
                return FontFile(path, number)
    raise FontUnavailableError(f"{path} has no {SIMPLIFIED_CHINESE_FAMILY} face")


def _cut_key(face: FontFile, characters: frozenset[int]) -> str:
    stat = face.path.stat()
    identity = f"{face.number}:{stat.st_size}:{stat.st_mtime_ns}:{fontTools.version}:{CUT_VERSION}"
    kept = ",".join(map(str, sorted(characters)))
    return hashlib.sha256(f"{identity}:{kept}".encode()).hexdigest()[:16]


def _write_cut(face: FontFile, characters: frozenset[int], path: Path) -> None:
    """Cut ``face`` to ``characters``; written aside, then renamed into place."""
    options = subset.Options(
        layout_features=[], hinting=False, notdef_outline=True, recalc_bounds=False
    )
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with TTFont(face.path, fontNumber=face.number, lazy=True, recalcTimestamp=False) as font:
            subsetter.subset(font)
            font.save(partial)
        os.replace(partial, path)
    except OSError as exc:
        raise FontCacheUnwritableError(
            f"cannot write {path} ({exc.strerror}): make reports.font_cache_dir writable"
        ) from exc

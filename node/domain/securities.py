"""Securities codes of A shares (证券代码) and the board (板块) each code belongs to.

The board follows from the exchange suffix and the code's prefix:

| board | exchange | prefixes |
|---|---|---|
| ``sh_main`` 上交所主板 | ``.SH`` | 600, 601, 603, 605 |
| ``star`` 科创板 | ``.SH`` | 688, 689 |
| ``sz_main`` 深交所主板 (incl. the former SME board 中小板) | ``.SZ`` | 000, 001, 002, 003 |
| ``chinext`` 创业板 | ``.SZ`` | 300, 301, 302 |
| ``bse`` 北交所 | ``.BJ`` | 920, and the earlier 43, 83, 87, 88 |

B shares (900 on Shanghai, 200 on Shenzhen) and funds or bonds are not accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from node.domain.errors import InvalidFieldError


class Board(StrEnum):
    """An A-share board of the three exchanges."""

    SH_MAIN = "sh_main"
    SZ_MAIN = "sz_main"
    CHINEXT = "chinext"
    STAR = "star"
    BSE = "bse"

    @property
    def label(self) -> str:
        """The Chinese term."""
        return {
            "sh_main": "沪市主板",
            "sz_main": "深市主板",
            "chinext": "创业板",
            "star": "科创板",
            "bse": "北交所",
        }[self.value]


_PREFIXES: dict[str, tuple[tuple[str, Board], ...]] = {
    "SH": tuple((p, Board.SH_MAIN) for p in ("600", "601", "603", "605"))
    + tuple((p, Board.STAR) for p in ("688", "689")),
    "SZ": tuple((p, Board.SZ_MAIN) for p in ("000", "001", "002", "003"))
    + tuple((p, Board.CHINEXT) for p in ("300", "301", "302")),
    "BJ": tuple((p, Board.BSE) for p in ("920", "43", "83", "87", "88")),
}
_FORMAT = re.compile(r"([0-9]{6})\.(SH|SZ|BJ)")


@dataclass(frozen=True)
class SecuritiesCode:
    """An A-share code with its exchange, e.g. ``600941.SH``."""

    value: str
    board: Board

    @classmethod
    def parse(cls, text: object, field: str = "securities_code") -> SecuritiesCode:
        """Read ``NNNNNN.SH|SZ|BJ`` (exchange letters case-insensitive) and find its board."""
        if not isinstance(text, str):
            raise InvalidFieldError(field, "wrong_type", "must be a string")
        value = text.strip().upper()
        match = _FORMAT.fullmatch(value)
        if match is None:
            raise InvalidFieldError(
                field,
                "securities_code_format",
                f"{text.strip()!r} must be 6 digits, a dot and SH, SZ or BJ (e.g. 600941.SH)",
            )
        digits, exchange = match[1], match[2]
        for prefix, board in _PREFIXES[exchange]:
            if digits.startswith(prefix):
                return cls(value, board)
        raise InvalidFieldError(
            field,
            "securities_code_board",
            f"{value} is on no A-share board of the {exchange} exchange",
        )

    def __str__(self) -> str:
        return self.value

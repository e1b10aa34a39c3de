"""Parsing helpers for the official guide texts (used by the knowledge tests)."""
from __future__ import annotations

import re

from knowledge.text import squash_ws

# ---- parsing the 揭阳 tables ---------------------------------------------------

_NUMBERED = re.compile(r"(?:^|(?<=[\s；;。]))\d{1,2}\s*[.．]\s*")


def split_materials(cell: str) -> list[str]:
    """'1. 甲； 2. 乙。' -> ['甲', '乙'] (list punctuation removed, text kept)."""
    cell = cell.strip()
    if not cell:
        return []
    parts = [p for p in _NUMBERED.split(cell) if p.strip()]
    return [p.strip().rstrip("；;。").strip() for p in parts]


def table_section(text: str) -> str:
    start = text.index("二、有哪些事项可以办理")
    end = text.index("三、", start)
    return text[start:end]


def parse_tab_table(text: str) -> list[dict]:
    """Guides 000 and 003: one table row per line, cells separated by tabs."""
    rows = []
    for line in table_section(text).splitlines():
        m = re.match(r"^(\d+)\t", line)
        if not m:
            continue
        cells = line.split("\t") + ["", "", "", ""]
        rows.append({"seq": int(cells[0]), "name": cells[1], "common": cells[2], "other": cells[3],
                     "deadline": cells[4]})
    return rows


def parse_cell_table(text: str) -> list[dict]:
    """Guide 002: one cell per line starting with a tab; blank line ends a row."""
    groups: list[list[str]] = []
    cells: list[str] = []
    for line in table_section(text).splitlines():
        if not line.strip() and not line.startswith("\t"):
            if cells:
                groups.append(cells)
            cells = []
        elif line.startswith("\t"):
            cells.append(line[1:])
        elif cells:
            cells[-1] += "\n" + line
    if cells:
        groups.append(cells)
    rows = []
    for g in groups:
        if g and re.fullmatch(r"\d+", g[0].strip()):
            g = g + [""] * 5
            rows.append({"seq": int(g[0]), "name": g[1], "common": g[2], "other": g[3], "deadline": g[4]})
    return rows


def same(a: str | None, b: str | None) -> bool:
    return squash_ws(a or "") == squash_ws(b or "")

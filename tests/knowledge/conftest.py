"""Fixtures for the knowledge tests: the KB and the official guide texts.

The guides live outside the repo (shared/guides next to the repo root); set
GUIDES_DIR to use another copy. Tests that read them are skipped when absent.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from knowledge import load_kb
from kb_guides import parse_cell_table, parse_tab_table

DEFAULT_GUIDES = Path(__file__).resolve().parents[2].parent / "shared" / "guides"
GUIDE_FILES = {
    "000": "000_278a0aa4d74082cc.txt",
    "001": "001_9013b51a047c512f.txt",
    "002": "002_1d53965628053d3e.txt",
    "003": "003_945e4dc038e13f77.txt",
    "004": "004_d4e02bbddebe6997.txt",
}


def guides_dir() -> Path:
    return Path(os.environ.get("GUIDES_DIR") or DEFAULT_GUIDES)


@pytest.fixture(scope="session")
def kb():
    return load_kb()


@pytest.fixture(scope="session")
def guide():
    """guide("000") -> full text of that guide (skips when the guides are absent)."""
    base = guides_dir()
    if not base.is_dir():
        pytest.skip(f"official guides not found at {base} (set GUIDES_DIR to their folder)")

    cache: dict[str, str] = {}

    def read(gid: str) -> str:
        if gid not in cache:
            path = base / GUIDE_FILES[gid]
            if not path.is_file():
                pytest.skip(f"guide {path} not found")
            cache[gid] = path.read_text(encoding="utf-8")
        return cache[gid]

    return read


@pytest.fixture(scope="session")
def tables(guide):
    return {
        "unemployment": ("000", parse_tab_table(guide("000"))),
        "talent": ("002", parse_cell_table(guide("002"))),
        "labor_rights": ("003", parse_tab_table(guide("003"))),
    }

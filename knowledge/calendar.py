"""Working-day arithmetic with Chinese public holidays and adjusted workdays.

chinese_calendar only knows the years it ships data for (1.11: 2004-2026).
Outside them we count Monday-Friday and report the result as estimated.
"""
from __future__ import annotations

import datetime as dt

try:  # pragma: no cover - both envs have it; keep the module importable anyway
    import chinese_calendar as _cc
except ImportError:  # pragma: no cover
    _cc = None


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """(is a working day, estimated) for one date."""
    if _cc is not None:
        try:
            return bool(_cc.is_workday(day)), False
        except (NotImplementedError, KeyError, ValueError):
            pass
    return day.weekday() < 5, True


def add_working_days(start: dt.date, n: int) -> tuple[dt.date, bool]:
    """The n-th working day after `start` (the start day itself is not counted).

    Returns (date, estimated); estimated is True when any day checked lies outside
    the years chinese_calendar knows, in which case only Mon-Fri were counted.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if isinstance(start, dt.datetime):
        start = start.date()
    day = start
    estimated = False
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        work, est = is_workday(day)
        estimated = estimated or est
        if work:
            counted += 1
    return day, estimated


def add_calendar_days(start: dt.date, n: int) -> dt.date:
    if isinstance(start, dt.datetime):
        start = start.date()
    return start + dt.timedelta(days=n)


def supported_years() -> tuple[int, int] | None:
    """(first, last) year with holiday data, or None without chinese_calendar."""
    if _cc is None:  # pragma: no cover
        return None
    years = sorted({d.year for d in _cc.holidays})
    return years[0], years[-1]

"""CPU seconds a process and its children used, from /proc (Linux), for CPU-per-message figures."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _children(pid: int) -> List[int]:
    out: List[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def process_cpu(pid: int) -> float:
    """utime + stime of ``pid`` (all its threads) in seconds; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def process_tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and every live descendant (Sanic workers, logmask's child)."""
    total, todo, seen = 0.0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        total += process_cpu(current)
        todo += _children(current)
    return total

"""Knowledge base for the 人社“一件事” assistant (失业 / 人才服务 / 劳动维权).

    from knowledge import load_kb, KnowledgeError
    kb = load_kb()            # cached; load_kb(path) loads another data dir (not cached)

Plain Python + YAML (PyYAML, jieba, chinese_calendar, zhconv): imported by both
the Rasa action server (py3.10) and the backend (py3.11). See knowledge/README.md.
"""
from __future__ import annotations

import threading
from pathlib import Path

from .errors import KnowledgeError, UnknownId
from .models import (Bundle, Candidate, ChecklistEntry, Completion, Deadline, FieldDef, FormSection, Item,
                     ItemDeadline, ItemMatch, LinkRule, Match, Material, Passage, Provision, SelectedItem,
                     Service, ServiceMatch, Source)

__all__ = [
    "load_kb", "KnowledgeError", "UnknownId", "Bundle", "ChecklistEntry", "Completion", "Deadline",
    "FieldDef", "FormSection", "Item", "ItemDeadline", "ItemMatch", "LinkRule", "Material", "Passage",
    "Provision", "SelectedItem", "Service", "Source", "Candidate", "Match", "ServiceMatch",
]

_default = None
_lock = threading.Lock()


def load_kb(path: str | Path | None = None):
    """Load and validate the knowledge base.

    Without `path` the packaged data (knowledge/data) is loaded once and cached.
    With `path` a fresh KnowledgeBase is built from that directory every call.
    Raises KnowledgeError (message names the file and the field) on bad data.
    """
    global _default
    from .loader import load_data

    if path is not None:
        return load_data(path)
    if _default is None:
        with _lock:
            if _default is None:
                _default = load_data(None)
    return _default

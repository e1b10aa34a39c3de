"""Form sections for a selection of items (basic info first)."""
from __future__ import annotations

from dataclasses import replace

from .models import FormSection


def form_sections(kb, item_ids) -> list[FormSection]:
    """Basic info (fields filtered by `only_for`) then the sections of the chosen
    items, in form order. Pass the expanded selection (expand_selection) to get
    the sections of linked items too."""
    chosen = list(dict.fromkeys(item_ids))
    for iid in chosen:
        kb.item(iid)
    wanted = set(chosen)
    out = []
    for sec in kb.forms:
        if sec.item_ids == ["all"]:
            fields = [f for f in sec.fields if not f.only_for or wanted & set(f.only_for)]
            out.append(replace(sec, item_ids=chosen, fields=fields))
        elif wanted & set(sec.item_ids):
            out.append(sec)
    return out

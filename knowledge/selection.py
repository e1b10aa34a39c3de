"""Linked items (北京: 失业登记 ⇒ 求职登记; 失业保险金申领 ⇒ 失业登记 + 求职登记)."""
from __future__ import annotations

from .models import SelectedItem


def _rules_for(kb, item_id: str, region: str | None):
    return [r for r in kb.link_rules if r.item_id == item_id and (region is None or r.region == region)]


def expand_selection(kb, item_ids, region: str | None = None) -> list[SelectedItem]:
    """The user's items in their order (deduplicated), then the linked items each
    one pulls in, transitively. `region` limits the rules to those documented for
    that region (None: every rule). A linked item carries the rule's region,
    guide and verbatim summary, so that it is always said as that region's rule
    (“（北京指引：失业登记和求职登记两项联办）”); when several rules pull the
    same item in, the first rule (link_rules.yml order: 北京 first) is kept."""
    out: list[SelectedItem] = []
    seen: set[str] = set()
    for iid in item_ids:
        kb.item(iid)  # raises UnknownId
        if iid not in seen:
            seen.add(iid)
            out.append(SelectedItem(item_id=iid))
    i = 0
    while i < len(out):
        current = out[i].item_id
        for rule in _rules_for(kb, current, region):
            for req in rule.requires:
                if req not in seen:
                    seen.add(req)
                    out.append(SelectedItem(item_id=req, added_by=current, reason=rule.reason,
                                            region=rule.region, source=rule.source, summary=rule.summary))
        i += 1
    return out


def closure(kb, item_id: str, region: str | None = None) -> set[str]:
    """Every item that `item_id` pulls in (not including itself)."""
    return {s.item_id for s in expand_selection(kb, [item_id], region)} - {item_id}


def required_by(kb, item_id: str, selection, region: str | None = None) -> list[str]:
    """Which items of `selection` need `item_id` (directly or transitively)."""
    kb.item(item_id)
    out = []
    for sid in selection:
        if sid != item_id and sid not in out and item_id in closure(kb, sid, region):
            out.append(sid)
    return out

"""Materials checklist for a set of items: shared materials are listed once."""
from __future__ import annotations

import hashlib

from . import phrases
from .models import ChecklistEntry


def material_key(m) -> tuple:
    """What makes two materials the same one (the checklist merges on it)."""
    return (m.name, m.note, m.quantity, m.condition, m.applicant)


def material_id(m) -> str:
    """A stable id of a material, derived from its key: ``m-`` + 12 hex digits.
    Uploaded files are linked to it (backend/app/materials)."""
    raw = "\x1f".join("" if part is None else str(part) for part in material_key(m))
    return "m-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]


def provision_for_materials(item, region: str | None):
    """The provision whose materials apply: that region's, or (region None) the
    first provision that lists any material (the bundle guide's comes first)."""
    if region is not None:
        return item.provision(region)
    for p in item.provisions:
        if p.materials:
            return p
    return None


def materials_checklist(kb, item_ids, region: str | None = None) -> list[ChecklistEntry]:
    entries: dict[tuple, dict] = {}
    order: list[tuple] = []
    seen_items: list[str] = []
    for iid in item_ids:
        item = kb.item(iid)
        if iid in seen_items:
            continue
        seen_items.append(iid)
        prov = provision_for_materials(item, region)
        if prov is None:
            continue
        for m in prov.materials:
            key = material_key(m)
            if key not in entries:
                entries[key] = {"material": m, "needed_by": [], "source": prov.source}
                order.append(key)
            if iid not in entries[key]["needed_by"]:
                entries[key]["needed_by"].append(iid)
    return [ChecklistEntry(material=entries[k]["material"], needed_by=entries[k]["needed_by"],
                           source=entries[k]["source"]) for k in order]


def items_without_materials(kb, item_ids, region: str | None = None) -> list[tuple[str, str]]:
    """(item_id, why) for items that contribute nothing to the checklist."""
    out = []
    for iid in dict.fromkeys(item_ids):
        item = kb.item(iid)
        prov = provision_for_materials(item, region)
        if prov is None and region is None:
            prov = item.provisions[0]
        if prov is None:
            why = phrases.region_lacks(region, item.name) if region else phrases.not_stated("materials")
            out.append((iid, why))
        elif not prov.materials:
            out.append((iid, prov.materials_text or phrases.not_stated("materials", str(prov.source))))
    return out

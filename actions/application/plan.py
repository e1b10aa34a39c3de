"""Which fields the conversation asks for a selection, in what order.

The field list is ``kb.form_sections(expanded items)`` from knowledge/. Some
fields are not asked in a chat:

* filled from the ID number (``auto_from: id_number``: gender, birth date);
* ``id_type``: this channel accepts 18-digit resident ID numbers only;
* ``display_only`` fields (the insurance record the office shows for
  confirmation): listed in the confirmation question instead;
* ``sms_code``: this channel cannot send verification SMS.

A field id that appears in two sections (e.g. 用人单位名称) is asked once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from knowledge.personal_data import id_birth_date, id_gender

FIXED_VALUES = {"id_type": "居民身份证"}
NOT_ASKED_TYPES = {"sms_code"}


@dataclass(frozen=True)
class PlannedField:
    field: Any          # knowledge FieldDef
    section: Any        # knowledge FormSection

    @property
    def id(self) -> str:
        return self.field.id


def is_asked(field: Any) -> bool:
    return not (
        field.auto_from == "id_number"
        or field.id in FIXED_VALUES
        or field.display_only
        or field.type in NOT_ASKED_TYPES
    )


def build_plan(kb: Any, item_ids: List[str]) -> List[PlannedField]:
    seen = set()
    plan = []
    for section in kb.form_sections(item_ids):
        for field in section.fields:
            if field.id in seen:
                continue
            seen.add(field.id)
            plan.append(PlannedField(field, section))
    return plan


def visible(field: Any, answers: Dict[str, Any]) -> bool:
    cond = field.show_if
    return cond is None or answers.get(cond.field) == cond.equals


def derived_answers(plan: List[PlannedField], answers: Dict[str, Any]) -> Dict[str, Any]:
    """Values the applicant does not type: from the ID number, or fixed for this channel."""
    out: Dict[str, Any] = {}
    ids = {p.id for p in plan}
    for fid, value in FIXED_VALUES.items():
        if fid in ids:
            out[fid] = value
    id_number = answers.get("id_number")
    if id_number:
        if "birth_date" in ids:
            out["birth_date"] = id_birth_date(id_number).isoformat()
        if "gender" in ids:
            out["gender"] = id_gender(id_number)
    return out


def next_field(plan: List[PlannedField], answers: Dict[str, Any], skipped: List[str]) -> Optional[PlannedField]:
    for planned in plan:
        field = planned.field
        if not is_asked(field) or not visible(field, answers):
            continue
        if planned.id in answers or planned.id in skipped:
            continue
        return planned
    return None


def find(plan: List[PlannedField], field_id: str) -> Optional[PlannedField]:
    return next((p for p in plan if p.id == field_id), None)


def display_only_labels(planned: PlannedField) -> List[str]:
    return [f.label for f in planned.section.fields if f.display_only]


def submitted_form(plan: List[PlannedField], answers: Dict[str, Any]) -> Dict[str, Any]:
    """The form sent to the backend: answered visible fields plus derived ones."""
    form = {**answers, **derived_answers(plan, answers)}
    by_id = {p.id: p.field for p in plan}
    return {k: v for k, v in form.items() if k in by_id and visible(by_id[k], form)}


def summary_rows(plan: List[PlannedField], answers: Dict[str, Any]) -> List[Tuple[str, str, Any, str]]:
    """(section title, label, value, field id) for every field that has a value, in form order."""
    values = {**answers, **derived_answers(plan, answers)}
    rows = []
    for planned in plan:
        field = planned.field
        if field.display_only or not visible(field, values) or planned.id not in values:
            continue
        rows.append((planned.section.title, field.label, values[planned.id], planned.id))
    return rows

"""Turning stored cases into response bodies (plain dicts matching the schemas).

Applicant-facing views (lookup) never contain worker ids; every view masks
personal data except `revealed`, which the reveal endpoint alone uses.
"""
from __future__ import annotations

from typing import Any

from backend.app import catalog
from backend.app.case import form as case_form
from backend.app.case.enums import ACTOR_LABELS, ActorType, CaseStatus
from backend.app.case.models import Case, CaseEvent, CaseItem
from backend.app.case.personal import open_form, open_personal
from backend.app.core.crypto import Cipher
from backend.app.core.timeutil import to_local


def bundle_out(bundle_id: str) -> dict[str, str]:
    return {"id": bundle_id, "name": catalog.bundle_name(bundle_id)}


def status_fields(status: CaseStatus) -> dict[str, str]:
    return {"status": status.value, "status_code": status.name}


def item_out(item: CaseItem) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "name": catalog.item_name(item.item_id),
        **status_fields(item.status),
        "expected_completion": item.expected_completion.isoformat() if item.expected_completion else None,
        "estimated": item.expected_estimated,
        "deadline_text": item.deadline_text,
        "note": item.note,
        "added_by": item.added_by,
        "reason": item.added_reason,
    }


def _last_return(case: Case, item_id: str | None) -> CaseEvent | None:
    for event in reversed(case.events):
        if event.item_id == item_id and event.to_status is CaseStatus.returned:
            return event
    return None


def item_with_return(case: Case, item: CaseItem) -> dict[str, Any]:
    out = item_out(item)
    event = _last_return(case, item.item_id) if item.status is CaseStatus.returned else None
    out["return_reason"] = event.reason if event else None
    out["resubmit"] = list(event.resubmit) if event else []
    return out


def return_info(case: Case) -> dict[str, Any] | None:
    if case.status is not CaseStatus.returned:
        return None
    event = _last_return(case, None)
    resubmit: list[str] = []
    for item in case.items:
        if item.status is CaseStatus.returned:
            item_event = _last_return(case, item.item_id)
            for entry in item_event.resubmit if item_event else []:
                if entry not in resubmit:
                    resubmit.append(entry)
    for entry in event.resubmit if event else []:
        if entry not in resubmit:
            resubmit.append(entry)
    return {
        "reason": event.reason if event else None,
        "resubmit": resubmit,
        "at": to_local(event.at).isoformat() if event else to_local(case.updated_at).isoformat(),
    }


def public_event(event: CaseEvent) -> dict[str, Any]:
    return {
        "at": to_local(event.at).isoformat(),
        "item_id": event.item_id,
        "item_name": catalog.item_name(event.item_id) if event.item_id else None,
        "from_status": event.from_status.value if event.from_status else None,
        "to_status": event.to_status.value,
        "actor": ACTOR_LABELS[ActorType(event.actor_type)],
        "reason": event.reason,
        "resubmit": list(event.resubmit or []),
    }


def staff_event(event: CaseEvent) -> dict[str, Any]:
    out = public_event(event)
    del out["actor"]
    out.update(
        id=event.id,
        kind=event.kind.value,
        actor_type=event.actor_type.value,
        actor_id=event.actor_id,
    )
    return out


def _item_ids(case: Case) -> list[str]:
    return [i.item_id for i in case.items]


def case_header(case: Case) -> dict[str, Any]:
    """The fields every view of a case starts with (see CaseHeaderOut)."""
    return {
        "case_number": case.case_number,
        "bundle": bundle_out(case.bundle_id),
        "channel": case.channel.value,
        **status_fields(case.status),
        "submitted_at": to_local(case.submitted_at).isoformat(),
        "updated_at": to_local(case.updated_at).isoformat(),
    }


def lookup_case(case: Case, cipher: Cipher) -> dict[str, Any]:
    person = open_personal(cipher, case.personal_data_enc)
    form = open_form(cipher, case.form_data_enc)
    return {
        **case_header(case),
        "applicant": person.masked(),
        "bank_cards": case_form.bank_cards_masked(_item_ids(case), form),
        "items": [item_with_return(case, i) for i in case.items],
        "returned": return_info(case),
        "timeline": [public_event(e) for e in case.events],
    }


def staff_summary(case: Case) -> dict[str, Any]:
    return {
        **case_header(case),
        "applicant_name": case.applicant_name_masked,
        "items": [
            {"item_id": i.item_id, "name": catalog.item_name(i.item_id), **status_fields(i.status)}
            for i in case.items
        ],
    }


def staff_detail(case: Case, cipher: Cipher) -> dict[str, Any]:
    person = open_personal(cipher, case.personal_data_enc)
    form = open_form(cipher, case.form_data_enc)
    return {
        **case_header(case),
        "applicant": person.masked(),
        "form": case_form.describe_form(_item_ids(case), form, masked=True),
        "items": [item_with_return(case, i) for i in case.items],
        "events": [staff_event(e) for e in case.events],
    }


def revealed(case: Case, cipher: Cipher) -> dict[str, Any]:
    person = open_personal(cipher, case.personal_data_enc)
    form = open_form(cipher, case.form_data_enc)
    return {
        "case_number": case.case_number,
        "applicant": person.full(),
        "form": case_form.describe_form(_item_ids(case), form, masked=False),
    }

"""The only module of the backend that talks to the knowledge base (`knowledge/`).

Item names, bundles, linked-item rules, deadlines and form fields all come
from there; nothing of that content is repeated in backend code. Everything
else in the backend goes through the functions below.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

# Case-number prefixes per bundle id (an identifier format of this backend,
# not knowledge content). Unknown future bundles fall back to "YJ".
CASE_NUMBER_PREFIX = {"unemployment": "SY", "talent": "RC", "labor_rights": "WQ"}
FALLBACK_PREFIX = "YJ"


class UnknownBundle(LookupError):
    pass


class UnknownItem(LookupError):
    pass


@dataclass(frozen=True)
class ExpandedItem:
    item_id: str
    added_by: str | None
    reason: str | None


@dataclass(frozen=True)
class Deadline:
    date: date | None
    text: str
    estimated: bool
    note: str


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    type: str
    required: bool
    choices: tuple[str, ...]
    section: str
    choices_open: bool = False  # choices are suggestions, any text is accepted
    depends_on: str | None = None  # choices come from choices_by[value of that field]
    choices_by: tuple[tuple[str, tuple[str, ...]], ...] = ()
    show_if: tuple[str, Any] | None = None  # (field id, value): asked only then
    auto_from: str | None = None  # filled by the identity platform or derived
    confirm_of: str | None = None  # must repeat that field's value
    display_only: bool = False  # shown for confirmation, not typed by the applicant


def _kb():
    # Imported lazily so that importing the backend never fails on a KB problem
    # before the app has a chance to report it (readiness, clear errors).
    from knowledge import load_kb

    return load_kb()


def _unknown_id_error():
    from knowledge import UnknownId

    return UnknownId


def bundle_ids() -> list[str]:
    return list(_kb().bundles)


def bundle_name(bundle_id: str) -> str:
    try:
        return _kb().bundle(bundle_id).name
    except _unknown_id_error():
        return bundle_id


def require_bundle(bundle_id: str) -> None:
    try:
        _kb().bundle(bundle_id)
    except _unknown_id_error():
        raise UnknownBundle(bundle_id) from None


def bundle_item_ids(bundle_id: str) -> list[str]:
    try:
        return list(_kb().bundle(bundle_id).item_ids)
    except _unknown_id_error():
        raise UnknownBundle(bundle_id) from None


def item_bundle_id(item_id: str) -> str:
    try:
        return _kb().item(item_id).bundle_id
    except _unknown_id_error():
        raise UnknownItem(item_id) from None


def item_name(item_id: str) -> str:
    """Display name of an item; a stored item the KB no longer knows keeps its id."""
    try:
        return _kb().item(item_id).name
    except _unknown_id_error():
        return item_id


def expand_selection(item_ids: list[str]) -> list[ExpandedItem]:
    """The selection plus the items linked to it, in the KB's order."""
    return [
        ExpandedItem(s.item_id, s.added_by, s.reason) for s in _kb().expand_selection(item_ids)
    ]


def deadline_text(item_id: str) -> str:
    """The deadline exactly as the item's primary guide writes it; empty when no guide gives one."""
    primary = _kb().item(item_id).primary
    return primary.deadline.text if primary is not None and primary.deadline is not None else ""


def expected_completion(item_id: str, submitted: date) -> Deadline:
    """Expected date from the KB; ``text`` is the guide's deadline, ``note`` the KB's
    explanation with its source (or why there is no date, e.g. an annual notice)."""
    c = _kb().expected_completion(item_id, submitted)
    return Deadline(date=c.date, text=deadline_text(item_id), estimated=bool(c.estimated), note=c.note or c.text or "")


def form_fields(item_ids: list[str]) -> list[FormField]:
    """Every field of the application form for these items, de-duplicated by id."""
    return list(_form_fields(tuple(item_ids)))


@lru_cache(maxsize=512)
def _form_fields(item_ids: tuple[str, ...]) -> tuple[FormField, ...]:
    # The KB is loaded once and immutable, so the answer per selection never changes.
    fields: dict[str, FormField] = {}
    for section in _kb().form_sections(item_ids):
        for f in section.fields:
            if f.id in fields:
                continue
            fields[f.id] = FormField(
                id=f.id,
                label=f.label or f.id,
                type=str(f.type or "text"),
                required=bool(f.required),
                choices=tuple(str(c) for c in f.choices or ()),
                section=section.id,
                choices_open=bool(f.choices_open),
                depends_on=f.depends_on,
                choices_by=tuple(
                    (str(k), tuple(str(c) for c in v)) for k, v in (f.choices_by or {}).items()
                ),
                show_if=(f.show_if.field, f.show_if.equals) if f.show_if is not None else None,
                auto_from=f.auto_from,
                confirm_of=f.confirm_of,
                display_only=bool(f.display_only),
            )
    return tuple(fields.values())


def case_number_prefix(bundle_id: str) -> str:
    return CASE_NUMBER_PREFIX.get(bundle_id, FALLBACK_PREFIX)


def check_loaded() -> str | None:
    """None when the knowledge base loads, else a short description of the problem."""
    try:
        _kb()
    except Exception as exc:  # noqa: BLE001 - reported by /ready
        return f"{type(exc).__name__}: {exc}"
    return None


@dataclass(frozen=True)
class MaterialEntry:
    id: str
    name: str
    display: str
    needed_by: tuple[str, ...]
    condition: str | None


def materials_checklist(item_ids: list[str]) -> list[MaterialEntry]:
    """The merged materials checklist of these items (a shared material once), with stable ids."""
    return list(_materials_checklist(tuple(item_ids)))


@lru_cache(maxsize=512)
def _materials_checklist(item_ids: tuple[str, ...]) -> tuple[MaterialEntry, ...]:
    from knowledge.materials import material_id

    known = [i for i in item_ids if i in _kb().items]
    return tuple(
        MaterialEntry(
            id=material_id(e.material),
            name=e.material.name,
            display=e.material.display(),
            needed_by=tuple(e.needed_by),
            condition=e.material.condition,
        )
        for e in _kb().materials_checklist(known)
    )

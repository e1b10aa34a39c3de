"""Validation and masking of the application form against the KB's field definitions.

Rules (the field definitions come from `catalog.form_fields`):

* only fields of the selected (expanded) items are accepted; others are errors;
* a required field must be present unless it is filled automatically
  (`auto_from`: identity platform or derived from the ID number - the
  applicant block carries name, ID number and phone), is `display_only`, or is
  hidden by its `show_if` condition;
* values are checked by type: id_number (GB 11643), phone (mobile), bank_card
  (16-19 digits, Luhn), date (YYYY-MM-DD), choice (from `choices`, or from
  `choices_by[<depends_on value>]`; any text when `choices_open`), bool,
  number, months (whole months), sms_code (4-8 digits), text/region;
* `confirm_of` fields must repeat the other field's value;
* sms_code values are checked and then dropped: a one-time code is never stored.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from backend.app import catalog
from backend.app.fields import no_control_chars
from knowledge.personal_data import (
    InvalidValue,
    normalize_bank_card,
    normalize_id_number,
    normalize_mobile,
)
from knowledge.personal_data import mask_bank_card, mask_id_number, mask_name, mask_phone, mask_text

MAX_TEXT = 1000
NOT_STORED_TYPES = {"sms_code"}


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, dict)) and not value


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidValue("应为文本。")
    text = str(value).strip()
    no_control_chars(text)
    if len(text) > MAX_TEXT:
        raise InvalidValue(f"内容过长，请控制在{MAX_TEXT}字以内。")
    return text


def _choices(field: catalog.FormField, form: dict[str, Any]) -> tuple[str, ...]:
    if field.depends_on and field.choices_by:
        parent = form.get(field.depends_on)
        by = dict(field.choices_by)
        if isinstance(parent, str) and parent.strip() in by:
            return by[parent.strip()]
        return tuple(dict.fromkeys(c for options in by.values() for c in options))
    return field.choices


def _normalise_value(field: catalog.FormField, value: Any, form: dict[str, Any]) -> Any:
    kind = field.type.lower()
    if kind == "bank_card":
        return normalize_bank_card(_text(value))
    if kind == "id_number":
        return normalize_id_number(_text(value))
    if kind == "phone":
        return normalize_mobile(_text(value))
    if kind == "date":
        text = _text(value)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise InvalidValue("日期格式应为YYYY-MM-DD，例如2024-03-15。")
        try:
            date.fromisoformat(text)
        except ValueError:
            raise InvalidValue("日期不存在，请核对后重新输入。") from None
        return text
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise InvalidValue("应为是或否（true/false）。")
    if kind == "months":
        if isinstance(value, int) and not isinstance(value, bool):
            months = value
        elif isinstance(value, str) and value.strip().isdigit():
            months = int(value.strip())
        else:
            raise InvalidValue("应为整数月数。")
        if not 0 <= months <= 1200:
            raise InvalidValue("月数不在合理范围内。")
        return months
    if kind == "number":
        if isinstance(value, bool):
            raise InvalidValue("应为数字。")
        if isinstance(value, (int, float)):
            return value
        text = _text(value)
        if not re.fullmatch(r"-?\d{1,12}(\.\d{1,4})?", text):
            raise InvalidValue("应为数字。")
        return text
    if kind == "sms_code":
        text = _text(value)
        if not re.fullmatch(r"\d{4,8}", text):
            raise InvalidValue("短信验证码应为4至8位数字。")
        return text
    text = _text(value)
    choices = _choices(field, form)
    if kind == "choice" and choices and not field.choices_open and text not in choices:
        raise InvalidValue("请从以下选项中选择：" + "、".join(choices))
    return text


def _is_shown(field: catalog.FormField, form: dict[str, Any]) -> bool:
    if field.show_if is None:
        return True
    other, equals = field.show_if
    return form.get(other) == equals


def _needed(field: catalog.FormField, form: dict[str, Any]) -> bool:
    # A one-time SMS code is the sending platform's own check of the phone; the
    # assistant's channels cannot send one, so it is never required here (when a
    # channel does send one, the code is checked and dropped, see NOT_STORED_TYPES).
    return (
        field.required
        and field.type not in NOT_STORED_TYPES
        and not field.auto_from
        and not field.display_only
        and _is_shown(field, form)
    )


def validate_form(
    item_ids: list[str], form: dict[str, Any], *, partial: bool = False
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return (normalised form to store, errors keyed by "form.<field_id>").

    With `partial=True` (corrections on resubmission) required fields may be absent.
    """
    fields = {f.id: f for f in catalog.form_fields(item_ids)}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in form.items():
        field = fields.get(key)
        if field is None:
            errors[f"form.{key}"] = "所选事项的申请表中没有这一项。"
            continue
        if _is_empty(value):
            continue
        try:
            cleaned[key] = _normalise_value(field, value, form)
        except InvalidValue as exc:
            errors[f"form.{key}"] = f"{field.label}：{exc}"
    for field in fields.values():
        key = f"form.{field.id}"
        if key in errors:
            continue
        if field.id not in cleaned:
            if not partial and _needed(field, cleaned):
                errors[key] = f"请填写“{field.label}”。"
            continue
        if field.confirm_of and cleaned.get(field.confirm_of) != cleaned[field.id]:
            target = fields.get(field.confirm_of)
            errors[key] = f"与“{target.label if target else field.confirm_of}”不一致，请核对。"
    stored = {k: v for k, v in cleaned.items() if fields[k].type not in NOT_STORED_TYPES}
    return stored, errors


def sensitive_kind(field_type: str) -> str | None:
    kind = field_type.lower()
    return kind if kind in ("bank_card", "id_number", "phone") else None


def mask_value(field_type: str | None, value: Any) -> Any:
    """Mask a stored answer: sensitive types by their format, any other text by
    free-text masking (an ID or card typed into a remarks field is caught too)."""
    if not isinstance(value, str):
        return value
    kind = sensitive_kind(field_type) if field_type else None
    if kind is None:
        return mask_text(value)
    return {"bank_card": mask_bank_card, "id_number": mask_id_number, "phone": mask_phone}[kind](value)


HIDDEN = "（已隐藏）"
# The applicant's name, a text field: masked views show it as 张* like the applicant block.
PERSON_NAME_FIELDS = ("name",)
# Answers that tell what the masked ID number hides: its birth date and gender
# digits (fields derived from the ID) and its region digits (the 户籍 answers).
# With them and a masked ID (first 4 + last 4) the checksum leaves a handful of
# candidates, so masked views show none of them.
ID_DERIVED_PREFIXES = ("hukou_",)


def derived_from_id_number(field: catalog.FormField | None, field_id: str) -> bool:
    if field is not None and field.auto_from == "id_number":
        return True
    return field_id.startswith(ID_DERIVED_PREFIXES)


def describe_form(item_ids: list[str], form: dict[str, Any], *, masked: bool) -> list[dict[str, Any]]:
    """Form answers as [{field_id, label, type, value}], in the KB's field order.

    Masked: personal numbers masked, answers derived from the ID number hidden."""
    fields = {f.id: f for f in catalog.form_fields(item_ids)}
    order = [fid for fid in fields if fid in form] + [fid for fid in form if fid not in fields]
    out = []
    for fid in order:
        field = fields.get(fid)
        ftype = field.type if field else None
        value = form[fid]
        out.append(
            {
                "field_id": fid,
                "label": field.label if field else fid,
                "type": ftype or "text",
                "value": (
                    HIDDEN if derived_from_id_number(field, fid)
                    else mask_name(value) if fid in PERSON_NAME_FIELDS and isinstance(value, str)
                    else mask_value(ftype, value)
                )
                if masked
                else value,
            }
        )
    return out


def bank_cards_masked(item_ids: list[str], form: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        entry
        for entry in describe_form(item_ids, form, masked=True)
        if sensitive_kind(entry["type"]) == "bank_card"
    ]

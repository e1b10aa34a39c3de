"""Test data: valid ID numbers, bank cards and request bodies.

Item ids come from the brief; names, deadlines and form fields always come
from the knowledge base, never from here.
"""
from __future__ import annotations

import itertools

from knowledge.personal_data import complete_card_number, complete_id_number

_seq = itertools.count(100)


def make_id(region: str = "445202", birth: str = "19900101", seq: str | None = None) -> str:
    seq = seq or f"{next(_seq) % 1000:03d}"
    return complete_id_number(region + birth + seq)


def make_card(prefix: str = "622202", length: int = 19) -> str:
    body = (prefix + "1234567890123"[: length - len(prefix) - 1])[: length - 1]
    return complete_card_number(body)


PHONE = "13812345678"


def applicant(id_number: str | None = None, phone: str = PHONE, name: str = "张三") -> dict:
    return {"name": name, "id_number": id_number or make_id(), "phone": phone}


def unemployment_form(card: str | None = None) -> dict:
    """A complete form for unemployment_benefit (+ its linked items)."""
    return {
        "hukou_region": "广东省揭阳市榕城区",
        "work_region": "广东省揭阳市",
        "job_title": "会计",
        "employment_form": "全职",
        "salary_type": "月薪",
        "unemployed_type": "企业解除人员",
        "service_agency": "榕城区公共就业服务中心",
        "bank_card_type": "银行储蓄卡",
        "bank_name": "中国工商银行揭阳分行",
        "bank_card_number": card or make_card(),
        "user_confirmation": True,
    }


def unemployment_body(id_number: str | None = None, phone: str = PHONE, card: str | None = None, **over) -> dict:
    body = {
        "bundle_id": "unemployment",
        "item_ids": ["unemployment_benefit"],
        "channel": "web",
        "applicant": applicant(id_number, phone),
        "form": unemployment_form(card),
    }
    body.update(over)
    return body


def talent_body(id_number: str | None = None, phone: str = PHONE, **over) -> dict:
    body = {
        "bundle_id": "talent",
        "item_ids": ["talent_recognition"],
        "channel": "wechat",
        "applicant": applicant(id_number, phone, name="李四"),
        "form": {},
    }
    body.update(over)
    return body


def labor_body(id_number: str | None = None, phone: str = "15912345678", **over) -> dict:
    body = {
        "bundle_id": "labor_rights",
        "item_ids": ["labor_inspection_complaint", "work_injury_recognition"],
        "channel": "hotline",
        "applicant": applicant(id_number, phone, name="王小明"),
        "form": {
            "employer_name": "某某制衣有限公司",
            "complaint_request": "追讨拖欠工资",
            "injury_case": "受伤",
            "injury_date": "2026-10-08",
        },
    }
    body.update(over)
    return body

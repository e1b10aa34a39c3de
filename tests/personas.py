"""Applicants for tests and benchmarks: one person's answers to every form field.

A ``Persona`` knows what it would answer for each field of knowledge/'s form
(by field id), in the words people type. ``script(kb, items)`` walks the real
application engine for those items and returns the messages in the order the
assistant asks for them, so conditional fields (户籍地与常住地不一致, 薪酬类型
after 就业形式, the pension question for older applicants) never put a script
out of step. ID and card numbers are valid (GB 11643 check character, Luhn
digit) and differ per ``seq`` so that backend lookups of two tests do not mix.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional

from knowledge.personal_data import complete_card_number, complete_id_number

# Everyday answers to the non-personal fields, by field id of knowledge/data/forms.yml.
COMMON_ANSWERS: Dict[str, str] = {
    "hukou_region": "广东省揭阳市榕城区",
    "hukou_address": "跳过",
    "residence_differs": "一致",
    "residence_region": "广东省揭阳市普宁市",
    "residence_address": "流沙东街1号",
    "work_region": "揭阳市榕城区",
    "job_title": "客服",
    "employment_form": "全职",
    "salary_type": "月薪",
    "unemployed_type": "企业解除人员",
    "special_identity": "跳过",
    "service_agency": "揭阳市榕城区人社局",
    "bank_card_type": "储蓄卡",
    "bank_name": "中国工商银行揭阳分行",
    "user_confirmation": "认可",
    "hukou_nature": "跳过",
    "qualification_name": "跳过",
    "certificate_issue_date": "跳过",
    "qualification_level": "跳过",
    "professional_title": "跳过",
    "deregistration_reason": "1",
    "old_bank_card_type": "储蓄卡",
    "old_bank_name": "中国农业银行揭阳分行",
    "new_bank_card_type": "储蓄卡",
    "new_bank_name": "中国工商银行揭阳分行",
    "months_received": "3",
    "application_date": "2024-03-15",
    "months_entitled": "12",
    # a reason containing 暂停: an answer, never the pause command
    "suspension_reason": "找到新工作了，申请暂停领取",
    "remarks": "跳过",
    "recommending_unit": "揭阳市榕城机械有限公司",
    "employer_name": "揭阳市榕城电子厂",
    "complaint_request": "拖欠工资三个月，要求支付",
    "injury_case": "受伤",
    "injury_date": "2024-05-10",
    "diagnosis_date": "2024-05-10",
    "involves_third_party": "否",
    "execution_terminated": "否",
    "__pension__": "没有",
}


@dataclass(frozen=True)
class Persona:
    name: str
    id_number: str
    phone: str
    card: str
    old_card: str
    answers: Dict[str, str] = field(default_factory=lambda: dict(COMMON_ANSWERS))

    def answer(self, field_id: str) -> str:
        personal = {
            "name": self.name,
            "id_number": self.id_number,
            "phone": self.phone,
            "bank_card_number": self.card,
            "new_bank_card_number": self.card,
            "confirm_bank_card_number": self.card,
            "old_bank_card_number": self.old_card,
        }
        if field_id in personal:
            return personal[field_id]
        if field_id in self.answers:
            return self.answers[field_id]
        raise KeyError(f"the persona has no answer for form field {field_id!r}")

    def with_answers(self, **answers: str) -> "Persona":
        return replace(self, answers={**self.answers, **answers})

    @property
    def masked_phone(self) -> str:
        from knowledge.personal_data import mask_phone

        return mask_phone(self.phone)

    @property
    def masked_id(self) -> str:
        from knowledge.personal_data import mask_id_number

        return mask_id_number(self.id_number)

    def script(self, kb: Any, items: List[str], until_summary: bool = True) -> List[str]:
        """The messages that fill the application for ``items`` (as selected; linked
        items are added as the assistant does), in the order the engine asks."""
        from actions.application.engine import Engine, new_state

        expanded = [s.item_id for s in kb.expand_selection(items)]
        state = new_state(kb.item(expanded[0]).bundle_id, expanded, "persona-script")
        engine = Engine(kb)
        engine.start(state)
        messages: List[str] = []
        for _ in range(200):
            if state["stage"] != "filling":
                break
            text = self.answer(state["pending"])
            messages.append(text)
            outcome = engine.handle(state, text)
            if outcome.done:
                break
            assert not state["failures"], (text, [r.text for r in outcome.replies])
        assert state["stage"] == "confirming" or not until_summary, state
        return messages


def make_persona(seq: int = 1, name: str = "张三", birth: str = "19900101", area: str = "445202") -> Persona:
    """A valid applicant; ``seq`` (0-999) makes the ID number, phone and cards unique."""
    return Persona(
        name=name,
        id_number=complete_id_number(f"{area}{birth}{seq % 1000:03d}"),
        phone=f"138{seq % 100000000:08d}",
        card=complete_card_number(f"621700{seq % 1000000000:09d}"),
        old_card=complete_card_number(f"622848{seq % 1000000000:09d}"),
    )


def older_persona(seq: int = 1) -> Persona:
    """Born 1970: old enough to be asked whether a pension is already paid."""
    return make_persona(seq, name="李四", birth="19700315")


def minor_persona(seq: int = 1) -> Persona:
    """Fifteen years old on today's date: below the 16-year minimum of the 湖南 rules."""
    from knowledge.personal_data import today_local

    today = today_local()
    return make_persona(seq, name="王小明", birth=f"{today.year - 15}0101")

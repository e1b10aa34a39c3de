"""The application dialogue as plain Python: state in, message in, state and replies out.

The Rasa layer (``form.py``) keeps the state in the slot ``application`` and
calls ``handle``. Stages:

    filling -> confirming -> confirmed -> (submitted | failed)
            \\-> cancelled | paused | ineligible

State is a JSON-able dict, so it survives in any tracker store. Personal data
in it is dropped as soon as the case is submitted (``forget_personal_data``).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from actions.application.answers import InvalidAnswer, bare, clean, options_for, parse_answer
from actions.application.plan import (
    PlannedField,
    build_plan,
    derived_answers,
    display_only_labels,
    find,
    is_asked,
    next_field,
    summary_rows,
)
from knowledge.personal_data import (
    age_on,
    id_birth_date,
    mask_bank_card,
    mask_id_number,
    mask_phone,
)

MAX_FAILURES = 3
LONG_CHOICE_LIST = 6      # more options than this: numbered list instead of long buttons
STRUCTURED_TYPES = ("id_number", "phone", "bank_card", "date")
CONTRIBUTION_FIELD = "user_confirmation"   # 失业保险金确认: the applicant accepts the insurance record

# Commands act only as a whole message (fillers such as 吧/了/那就 aside) or as a
# clear intent, never as part of an answer: a 停发原因 may well contain 暂停.
CANCEL_WORDS = ("取消申请", "取消办理", "不办了", "不申请了", "不想办了", "不想申请了", "放弃申请", "放弃",
                "取消", "退出申请", "退出", "算了", "不弄了", "不用办了")
PAUSE_WORDS = ("稍后再填", "以后再填", "先不填了", "待会再填", "等会再填", "下次再填", "稍后继续", "暂停",
               "暂停填写", "晚点再填", "回头再填", "先保存", "保存进度", "改天再填")
CONFIRM_WORDS = ("确认提交", "提交申请", "确认无误", "确认", "提交", "没问题", "没有问题", "无误", "信息无误", "正确",
                 "对的", "对", "是的", "是", "好的", "好", "可以", "行", "没错", "都对", "确定", "确定提交",
                 "可以提交", "嗯", "嗯嗯", "ok", "就这样")
# Words that turn a yes into "not yet": 好，我再考虑下 / 对了，材料要原件吗
HESITATION_WORDS = ("考虑", "想想", "再看", "看看", "等等", "等一下", "稍等", "先别", "不急", "别", "再说", "犹豫",
                    "不确定", "对了", "先不", "暂不", "不要", "不提交", "吗", "呢")
# Leaving out the item whose contribution record the applicant does not accept.
WITHOUT_ITEM_WORDS = ("只提交其他事项", "提交其他事项", "先提交其他事项", "不办失业保险金", "去掉失业保险金",
                      "不申领失业保险金", "其他的先提交", "只办其他的", "其他事项先提交")
CLEAR_INTENT = 0.85       # confidence at which cancel / affirm intents count without the exact words
_FILLER_HEAD = ("那就", "那我", "那", "我要", "我想", "我", "还是", "就", "先", "请", "帮我", "麻烦")
_FILLER_TAIL = ("吧", "了", "啊", "呀", "哈", "的", "啦", "哦", "呗", "一下")


def is_whole(text: str, words) -> bool:
    """The message is one of ``words``, give or take fillers ('那就取消吧', '暂停一下'),
    or each of its clauses is ('没问题，提交吧', '算了，不办了')."""
    clauses = [c for c in re.split(r"[\s，。,.!！、；;~～…]+", clean(text)) if bare(c)]
    if len(clauses) > 1 and all(_is_whole_clause(c, words) for c in clauses):
        return True
    return _is_whole_clause(text, words)


def _is_whole_clause(text: str, words) -> bool:
    raw = bare(text).lower()
    seen = set()
    todo = [raw]
    while todo:
        cur = todo.pop()
        if not cur or cur in seen:
            continue
        seen.add(cur)
        if cur in words:
            return True
        todo += [cur[len(h):] for h in _FILLER_HEAD if cur.startswith(h)]
        todo += [cur[: -len(t)] for t in _FILLER_TAIL if cur.endswith(t)]
    return False


def intent_of(intent: Optional[Dict[str, Any]]) -> Tuple[str, float]:
    if not isinstance(intent, dict):
        return "", 0.0
    return str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)


SKIP_WORDS = ("跳过", "没有", "无", "不填", "不需要", "暂无", "略过", "没")
CHANGE_WORDS = ("错", "改", "修改", "更正", "重新填", "重填", "换", "不对")

# Everyday names of fields, by field type (labels and alt_labels come from knowledge/).
TYPE_ALIASES = {
    "phone": ("手机号码", "手机号", "手机", "电话号码", "电话", "联系方式"),
    "id_number": ("身份证号码", "身份证号", "身份证", "证件号码", "证件号"),
    "bank_card": ("银行卡号", "卡号", "银行卡", "账号"),
}
FIELD_ALIASES = {
    "name": ("姓名", "名字", "名"),
    "bank_name": ("开户行", "开户银行", "银行"),
    "hukou_region": ("户籍地", "户籍", "户口所在地"),
    "hukou_address": ("户籍地址", "户籍详细地址"),
    "residence_region": ("常住地",),
    "residence_address": ("常住地址", "住址", "现住址"),
    "work_region": ("工作地区", "求职地区"),
    "job_title": ("岗位", "职位", "工作岗位"),
    "employment_form": ("就业形式",),
    "salary_type": ("薪酬类型", "薪酬", "工资类型"),
}


def idempotency_key(sender_id: str, started_at: float) -> str:
    """Derived from the conversation and the moment this application began: a retry
    or a double tap reuses it, a new application in the same chat gets a new one."""
    return hashlib.sha256(f"yjs:{sender_id}:{started_at:.6f}".encode()).hexdigest()[:40]


@dataclass
class Reply:
    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)

    def as_message(self) -> Dict[str, Any]:
        return {"text": self.text, "buttons": self.buttons}


@dataclass
class Outcome:
    state: Dict[str, Any]
    replies: List[Reply]      # notes; the next question is ``Engine.prompt(state)``
    done: bool = False        # the form loop ends (confirmed, cancelled, paused, ineligible)


def new_state(bundle_id: str, items: List[str], key: str) -> Dict[str, Any]:
    return {
        "v": 1, "bundle": bundle_id, "items": list(items), "answers": {}, "skipped": [],
        "pending": None, "stage": "filling", "failures": {},
        "key": key, "case_number": None, "asked_pension": False,
    }


class Engine:
    def __init__(self, kb: Any) -> None:
        self.kb = kb

    # ------------------------------------------------------------------ helpers
    def plan(self, state: Dict[str, Any]) -> List[PlannedField]:
        return build_plan(self.kb, state["items"])

    def _advance(self, state: Dict[str, Any]) -> None:
        """Ask the first missing field, or show the summary when none is missing.

        After a correction this returns to the summary by itself, unless the
        correction made another answer invalid (薪酬类型 after 就业形式)."""
        nxt = next_field(self.plan(state), state["answers"], state["skipped"])
        if nxt is None:
            state["pending"] = None
            state["stage"] = "confirming"
        else:
            state["pending"] = nxt.id
            state["stage"] = "filling"

    def refresh(self, state: Dict[str, Any]) -> None:
        """After the items changed: the next missing field (answers given are kept)."""
        if state.get("pending") != "__pension__" and state.get("stage") in ("filling", "confirming"):
            self._advance(state)

    def start(self, state: Dict[str, Any]) -> Outcome:
        self._advance(state)
        names = "、".join(self.kb.item(i).name for i in state["items"])
        intro = Reply(
            f"好的，开始在线申请：{names}。我会逐项询问，随时可以提问、说“修改+项目”更正，"
            "或说“取消”放弃（不会提交任何信息）。"
        )
        return Outcome(state, [intro])

    # ------------------------------------------------------------------ prompts
    def prompt(self, state: Dict[str, Any]) -> Reply:
        if state["stage"] == "confirming":
            return self.summary(state)
        if state["pending"] == "__pension__":
            return Reply(
                "请问您是否已经依法享受基本养老保险待遇（已按月领取基本养老金）？",
                [{"title": "没有", "payload": "否"}, {"title": "已经领取", "payload": "是"}],
            )
        planned = find(self.plan(state), state["pending"])
        if planned is None:
            return self.summary(state)
        return self.field_prompt(planned, state)

    def field_prompt(self, planned: PlannedField, state: Dict[str, Any]) -> Reply:
        field_def, section = planned.field, planned.section
        answers = state["answers"]
        header = f"【{section.title}】\n" if self._first_asked_in_section(planned, state) else ""
        label = field_def.label
        buttons: List[Dict[str, str]] = []
        kind = field_def.type
        if kind == "id_number":
            text = "请输入申请人的18位居民身份证号码。号码只用于本次申请，页面上只显示部分数字。"
        elif kind == "phone":
            text = f"请输入{label}（11位手机号码）。以后查询办理进度需要用到后4位。"
        elif kind == "bank_card":
            if field_def.confirm_of:
                text = f"请再输入一次卡号进行确认（{label}），两次须一致。"
            else:
                text = f"请输入{label}（16至19位数字）。"
        elif kind == "choice":
            options = options_for(field_def, answers)
            if len(options) > LONG_CHOICE_LIST:
                listing = "\n".join(f"{i}. {o}" for i, o in enumerate(options, 1))
                text = f"请选择{label}，回复序号即可：\n{listing}"
                buttons = [{"title": str(i), "payload": str(i)} for i in range(1, len(options) + 1)]
            else:
                text = f"请选择{label}："
                buttons = [{"title": o, "payload": o} for o in options]
        elif kind == "bool":
            shown = display_only_labels(planned)
            if field_def.id == "user_confirmation" and shown:
                text = (
                    "失业保险金确认：经办机构将核对您的" + "、".join(shown) + "。"
                    "您是否认可以上参保缴费信息？"
                )
                advice = self.objection_advice(planned)
                if advice:
                    text += f"（{advice}。）"
                buttons = [{"title": "认可", "payload": "是"}, {"title": "有异议", "payload": "否"}]
            elif field_def.id == "residence_differs":
                text = "您的户籍地与常住地是否不一致？"
                buttons = [{"title": "不一致", "payload": "不一致"}, {"title": "一致", "payload": "一致"}]
            else:
                text = f"{label}？"
                buttons = [{"title": "是", "payload": "是"}, {"title": "否", "payload": "否"}]
        elif kind == "date":
            text = f"请输入{label}，例如 2024-03-15。"
        elif kind in ("months", "number"):
            text = f"请输入{label}（填数字即可，例如 6）。"
        elif kind == "region":
            text = f"请输入{label}，写到区县一级即可，例如：揭阳市榕城区。"
        elif field_def.id == "name":
            text = "请问申请人的姓名是？"
        else:
            text = f"请输入{label}。"
        hint = self._user_note(field_def)
        if hint:
            text += f"\n提示：{hint}"
        if not field_def.required:
            text += "\n（选填，没有可回复“跳过”。）"
            buttons = buttons + [{"title": "跳过", "payload": "跳过"}]
        return Reply(header + text, buttons)

    @staticmethod
    def _user_note(field_def: Any) -> str:
        """Notes from the guide that help the applicant; editorial notes about the guide are not shown."""
        note = field_def.note or ""
        # only direct instructions to the applicant ("请填入本人银行账号信息"); notes about
        # the guide or its web page ("需申请人手动选择", "在搜索框中…") do not fit a chat
        return note if note.startswith("请") else ""

    def _first_asked_in_section(self, planned: PlannedField, state: Dict[str, Any]) -> bool:
        answers = state["answers"]
        for p in self.plan(state):
            if p.section.id != planned.section.id:
                continue
            if p.id == planned.id:
                return True
            if is_asked(p.field) and (p.id in answers or p.id in state["skipped"]):
                return False
        return False

    def summary(self, state: Dict[str, Any]) -> Reply:
        plan = self.plan(state)
        rows = summary_rows(plan, state["answers"])
        types = {p.id: p.field.type for p in plan}
        names = "、".join(self.kb.item(i).name for i in state["items"])
        lines = ["请核对您的申请信息（敏感信息已部分隐藏）：", f"办理事项：{names}"]
        current = None
        for n, (section_title, label, value, fid) in enumerate(rows, 1):
            if section_title != current:
                lines.append(f"【{section_title}】")
                current = section_title
            lines.append(f"{n}. {label}：{self.display_value(types.get(fid), value)}")
        not_collected = [p.field.label for p in plan if p.field.type == "sms_code"]
        if not_collected:
            lines.append("说明：本渠道不发送短信验证码，" + "、".join(not_collected) + "由经办人员审核时另行核实。")
        lines.append("信息无误请点“确认提交”；需要修改请直接说，例如“手机号写错了”或“修改第3项”。")
        return Reply(
            "\n".join(lines),
            [
                {"title": "确认提交", "payload": "确认提交"},
                {"title": "修改信息", "payload": "修改信息"},
                {"title": "取消申请", "payload": "取消申请"},
            ],
        )

    @staticmethod
    def display_value(kind: Optional[str], value: Any) -> str:
        if kind == "id_number":
            return mask_id_number(str(value))
        if kind == "phone":
            return mask_phone(str(value))
        if kind == "bank_card":
            return mask_bank_card(str(value))
        if isinstance(value, bool):
            return "是" if value else "否"
        return str(value)

    # ------------------------------------------------------------------ corrections
    def field_mentioned(self, state: Dict[str, Any], text: str) -> Optional[str]:
        """The answered field a message talks about: '修改第3项', '手机号写错了', '改一下开户行'."""
        plan = self.plan(state)
        raw = bare(text)
        m = re.search(r"第?([0-9]{1,2})(?:项|条|行)", raw) or re.fullmatch(r"(?:修改|改)([0-9]{1,2})", raw)
        if m:
            rows = summary_rows(plan, state["answers"])
            idx = int(m.group(1))
            if 1 <= idx <= len(rows):
                return rows[idx - 1][3]
        values = {**state["answers"], **derived_answers(plan, state["answers"])}
        candidates = []
        for p in plan:
            if p.id not in values and p.id not in state["skipped"]:
                continue
            names = [p.field.label, *p.field.alt_labels, *FIELD_ALIASES.get(p.id, ()), *TYPE_ALIASES.get(p.field.type, ())]
            for name in names:
                if name and bare(name) in raw:
                    candidates.append((len(bare(name)), p.id))
        if not candidates:
            return None
        candidates.sort(reverse=True)
        return candidates[0][1]

    def wants_change(self, text: str) -> bool:
        raw = bare(text)
        return any(w in raw for w in CHANGE_WORDS)

    def _inline_value(self, state: Dict[str, Any], fid: str, text: str) -> Optional[Any]:
        """'手机号改成13912345678' / '手机号写错了，是139…' carries the new value: use it when it parses."""
        planned = find(self.plan(state), fid)
        if not planned:
            return None
        m = re.search(r"(?:改成|改为|换成|应该是|应为|是)(.+)$", clean(text))
        candidates = [m.group(1)] if m else []
        if planned.field.type in STRUCTURED_TYPES:
            # the value may stand anywhere in the message: '手机号13912345678写错了'
            candidates.append(text)
        for candidate in candidates:
            try:
                return parse_answer(planned.field, candidate, state["answers"])
            except InvalidAnswer:
                continue
        return None

    def begin_change(self, state: Dict[str, Any], fid: str, text: str) -> Outcome:
        planned = find(self.plan(state), fid)
        if planned is not None and not is_asked(planned.field):
            if planned.field.auto_from == "id_number":
                note = f"“{planned.field.label}”由身份证号码自动得出；如有错误，请说“修改身份证号”。"
            else:
                note = f"“{planned.field.label}”无需填写：本渠道受理居民身份证。"
            return Outcome(state, [Reply(note)])
        value = self._inline_value(state, fid, text)
        if value is not None:
            if state["answers"].get(fid) != value:
                self._drop_dependents(state, fid)
            outcome = self._accept(state, fid, value)
            shown = self.display_value(planned.field.type, value)
            outcome.replies.insert(0, Reply(f"好的，“{planned.field.label}”已改为：{shown}。"))
            return outcome
        state["answers"].pop(fid, None)
        if fid in state["skipped"]:
            state["skipped"].remove(fid)
        self._drop_dependents(state, fid)
        state["pending"] = fid
        state["stage"] = "filling"
        label = find(self.plan(state), fid).field.label
        return Outcome(state, [Reply(f"好的，请重新填写“{label}”。")])

    def _drop_dependents(self, state: Dict[str, Any], fid: str) -> None:
        """Answers that were only valid for the old value (薪酬类型 after 就业形式, confirmation of a card)."""
        for p in self.plan(state):
            f = p.field
            if f.depends_on == fid or f.confirm_of == fid or (f.show_if and f.show_if.field == fid):
                state["answers"].pop(p.id, None)
                if p.id in state["skipped"]:
                    state["skipped"].remove(p.id)
        if fid == "id_number":
            state["asked_pension"] = False

    # ------------------------------------------------------------------ eligibility
    def _age_check(self, state: Dict[str, Any], id_number: str) -> Optional[Reply]:
        """湖南 规程: 失业登记 / 求职登记 accept 年满16周岁 ... 至依法享受基本养老保险待遇."""
        age = age_on(id_birth_date(id_number))
        for item_id in state["items"]:
            item = self.kb.item(item_id)
            for prov in item.provisions:
                elig = prov.eligibility
                if elig is None or elig.age_min is None:
                    continue
                if age < elig.age_min:
                    return Reply(
                        f"按身份证号计算，申请人今年{age}周岁。根据{prov.source}，{item.name}的受理对象为："
                        f"{elig.text}暂不符合年满{elig.age_min}周岁的条件，这次申请无法提交。"
                        "如有疑问，可拨打12333咨询。"
                    )
        return None

    def _needs_pension_question(self, state: Dict[str, Any], id_number: str) -> bool:
        # Only people of an age at which a pension is possible are asked (the earliest
        # statutory retirement age is 50); the question itself quotes the guide's condition.
        if age_on(id_birth_date(id_number)) < 50 or state.get("asked_pension"):
            return False
        return any(
            prov.eligibility and prov.eligibility.age_max_text
            for item_id in state["items"] for prov in self.kb.item(item_id).provisions
        )

    # ------------------------------------------------------------------ main step
    def _accept(self, state: Dict[str, Any], fid: str, value: Any) -> Outcome:
        state["answers"][fid] = value
        state["failures"].pop(fid, None)
        replies: List[Reply] = []
        if fid == "id_number":
            refusal = self._age_check(state, value)
            if refusal:
                state["stage"] = "ineligible"
                state["answers"].pop("id_number", None)
                return Outcome(state, [refusal], done=True)
            if self._needs_pension_question(state, value):
                state["pending"] = "__pension__"
                state["stage"] = "filling"
                return Outcome(state, [])
        self._advance(state)
        return Outcome(state, replies)

    def is_cancel(self, text: str, intent: Optional[Dict[str, Any]] = None) -> bool:
        name, confidence = intent_of(intent)
        if is_whole(text, CANCEL_WORDS):
            return True
        # a clear cancel intent on a short message that carries no digits (not an answer)
        raw = bare(text)
        return name == "cancel" and confidence >= CLEAR_INTENT and len(raw) <= 12 and not re.search(r"\d", raw)

    def handle(self, state: Dict[str, Any], text: str, intent: Optional[Dict[str, Any]] = None) -> Outcome:
        """One message of the applicant. ``intent`` is NLU's ``{"name", "confidence"}`` when known."""
        raw = bare(text)
        if self.is_cancel(text, intent):
            state["stage"] = "cancelled"
            return Outcome(state, [Reply("已取消本次申请，没有提交任何信息。您选择的事项仍然保留，需要时可以说“开始申请”。")], done=True)
        if is_whole(text, PAUSE_WORDS):
            state["stage"] = "paused"
            return Outcome(state, [Reply("好的，已为您保存填写进度（本次会话内有效）。回来后说“继续申请”即可接着填写。")], done=True)

        if state["stage"] == "confirming":
            return self._handle_confirming(state, text, intent)

        if state["pending"] == "__pension__":
            return self._handle_pension(state, text)

        # a correction of an earlier answer while filling
        mentioned = self.field_mentioned(state, text)
        if mentioned and mentioned != state["pending"] and self.wants_change(text):
            return self.begin_change(state, mentioned, text)

        planned = find(self.plan(state), state["pending"])
        if planned is None:
            self._advance(state)
            return Outcome(state, [])
        if not planned.field.required and any(raw == w for w in SKIP_WORDS):
            state["skipped"].append(planned.id)
            self._advance(state)
            return Outcome(state, [])
        if planned.id == CONTRIBUTION_FIELD and state.get("contribution_disputed"):
            chosen = self._handle_disputed_record(state, planned, text)
            if chosen is not None:
                return chosen
        try:
            value = parse_answer(planned.field, text, state["answers"])
        except InvalidAnswer as exc:
            return self._failed(state, planned, str(exc))
        if planned.id == CONTRIBUTION_FIELD and value is False:
            return self._record_disputed(state, planned)
        if planned.id == CONTRIBUTION_FIELD:
            state.pop("contribution_disputed", None)
        return self._accept(state, planned.id, value)

    # ------------------------------------------------------------------ contribution record
    def objection_advice(self, planned: PlannedField) -> str:
        """What the guide says to do about a record one does not accept, quoted from its note."""
        m = re.search(r"[（(]([^（）()]*异议[^（）()]*)[）)]", planned.field.note or "")
        return m.group(1).strip() if m else ""

    def items_needing(self, state: Dict[str, Any], planned: PlannedField) -> List[str]:
        return [i for i in state["items"] if i in (planned.section.item_ids or ())]

    def _record_disputed(self, state: Dict[str, Any], planned: PlannedField) -> Outcome:
        state["contribution_disputed"] = True
        advice = self.objection_advice(planned)
        source = planned.section.source
        needing = self.items_needing(state, planned)
        others = [i for i in state["items"] if i not in needing]
        names = "、".join(self.kb.item(i).name for i in needing) or planned.section.title
        text = "好的，您对参保缴费信息有异议。"
        if advice:
            text += f"根据{source}：“{advice}”。" if source else f"“{advice}”。"
        text += f"信息核实之前，{names}暂时无法提交。您可以："
        options = ["先说“稍后再填”保存，核实后回来说“继续申请”接着填写（已填内容都会保留）"]
        buttons = [{"title": "稍后再填", "payload": "稍后再填"}]
        if others:
            other_names = "、".join(self.kb.item(i).name for i in others)
            options.insert(0, f"不办{names}，先提交其他事项（{other_names}）")
            buttons.insert(0, {"title": "只提交其他事项", "payload": "只提交其他事项"})
        options.append("核对后如认可，回复“认可”")
        buttons += [{"title": "认可", "payload": "认可"}, {"title": "转人工", "payload": "/human_handoff"}]
        text += "\n" + "\n".join(f"{n}. {o}" for n, o in enumerate(options, 1))
        return Outcome(state, [Reply(text, buttons)])

    def _handle_disputed_record(self, state: Dict[str, Any], planned: PlannedField, text: str) -> Optional[Outcome]:
        """After 有异议: submit the other items without the one that needs the record."""
        raw = bare(text)
        if "认可" in raw and not re.search(r"不认可|有异议", raw):
            # “核对过了，认可”
            state.pop("contribution_disputed", None)
            return self._accept(state, planned.id, True)
        if not (is_whole(text, WITHOUT_ITEM_WORDS) or any(w in raw for w in WITHOUT_ITEM_WORDS)):
            return None
        needing = self.items_needing(state, planned)
        others = [i for i in state["items"] if i not in needing]
        if not others:
            return Outcome(state, [Reply("这次申请没有其他事项可以单独提交。您可以核实后回来说“继续申请”，或转人工服务（12333）。")])
        state["items"] = others
        state.pop("contribution_disputed", None)
        # answers only the left-out item used stay out of the submission (the plan no longer has them)
        self._advance(state)
        names = "、".join(self.kb.item(i).name for i in needing)
        return Outcome(state, [Reply(f"好的，本次不办理{names}，其他事项继续提交。核实后可以另行申请{names}。")])

    def _handle_pension(self, state: Dict[str, Any], text: str) -> Outcome:
        from actions.application.answers import parse_bool

        try:
            receiving = parse_bool(text, "__pension__")
        except InvalidAnswer as exc:
            return Outcome(state, [Reply(str(exc))])
        state["asked_pension"] = True
        if receiving:
            items = [self.kb.item(i) for i in state["items"]]
            for item in items:
                for prov in item.provisions:
                    if prov.eligibility and prov.eligibility.age_max_text:
                        state["stage"] = "ineligible"
                        state["answers"].pop("id_number", None)
                        return Outcome(state, [Reply(
                            f"根据{prov.source}，{item.name}的受理对象为：{prov.eligibility.text}"
                            "已依法享受基本养老保险待遇的，不在受理范围内，这次申请无法提交。如有疑问，可拨打12333咨询。"
                        )], done=True)
        self._advance(state)
        return Outcome(state, [])

    def is_confirmation(self, text: str, intent: Optional[Dict[str, Any]] = None) -> bool:
        """Only a clear yes submits: the words as a whole message, 确认提交 said outright,
        or a confident affirm intent on a short message without hesitation."""
        raw = bare(text).lower()
        if any(w in raw for w in HESITATION_WORDS) or self.wants_change(text):
            return False
        if is_whole(text, CONFIRM_WORDS):
            return True
        if "确认提交" in raw and not re.search(r"(不|别|暂|先不|没)确认提交", raw):
            return True
        name, confidence = intent_of(intent)
        return name == "affirm" and confidence >= CLEAR_INTENT and len(raw) <= 6

    def _handle_confirming(self, state: Dict[str, Any], text: str, intent: Optional[Dict[str, Any]] = None) -> Outcome:
        raw = bare(text)
        mentioned = self.field_mentioned(state, text)
        if mentioned:
            return self.begin_change(state, mentioned, text)
        if raw in ("修改信息", "修改", "我要修改", "改一下", "有错", "信息有误", "有误", "不对"):
            return Outcome(state, [Reply("请告诉我要修改哪一项，例如“手机号写错了”或“修改第3项”。")])
        if self.is_confirmation(text, intent):
            state["stage"] = "confirmed"
            return Outcome(state, [], done=True)
        return Outcome(state, [Reply("还没有提交。信息无误请回复“确认提交”，需要修改请说明要改哪一项。")])

    def _failed(self, state: Dict[str, Any], planned: PlannedField, message: str) -> Outcome:
        count = state["failures"].get(planned.id, 0) + 1
        state["failures"][planned.id] = count
        if count >= MAX_FAILURES:
            help_text = (
                f"“{planned.field.label}”已经{count}次没有填写成功。{message}\n"
                "您可以再试一次；也可以先保存，稍后再填；或者转人工服务（12333）。您已填写的内容都会保留。"
            )
            buttons = [
                {"title": "稍后再填", "payload": "稍后再填"},
                {"title": "转人工", "payload": "/human_handoff"},
            ]
            return Outcome(state, [Reply(help_text, buttons)])
        return Outcome(state, [Reply(message)])

    # ------------------------------------------------------------------ after submission
    @staticmethod
    def forget_personal_data(state: Dict[str, Any]) -> Dict[str, Any]:
        """After a successful submission nothing personal stays in the conversation."""
        return {
            **state,
            "answers": {},
            "skipped": [],
            "pending": None,
        }

"""Messages that are not the value a form waits for.

While the application form or the progress lookup waits for a value, a
message is taken as that value only if it parses as one or clearly tries to
(``attempts_value``: digits for an ID number, a short reply to a choice, any
text for a free-text field unless it is plainly something else). Everything
else is a detour decided by NLU: a question is answered, the chosen items are
listed, removed or added, and the form then asks for the same field again.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from actions.application.answers import InvalidAnswer, bare, parse_answer, parse_bool
from actions.application.engine import (
    CONTRIBUTION_FIELD,
    PAUSE_WORDS,
    WITHOUT_ITEM_WORDS,
    STRUCTURED_TYPES,
    Engine,
    Reply,
    intent_of,
    is_whole,
)
from actions.application.plan import find

# NLU confidence at which a non-answer is routed by its intent
DETOUR_CONFIDENCE = 0.6
# ... and at which a free-text message counts as something other than an answer
TEXT_DETOUR_CONFIDENCE = 0.8
SELECTION_INTENTS = ("select_items", "select_all", "remove_item", "list_selection")
QUESTION_LIKE = re.compile(
    r"[?？]|吗|什么|怎么|如何|多久|多长|多少天|哪里|哪儿|哪些|哪几|几项|能不能|可不可以|是否|要不要|需不需要|咋|来着|为啥|为什么"
)
MODIFY_WORDS = ("修改信息", "修改", "我要修改", "改一下", "有错", "信息有误", "有误", "不对")

# digits that plainly try to be a value of these field types
_TRIES = {
    # four digits or more in place of a number: a (wrong) try, answered with what the number must look like
    "id_number": re.compile(r"\d{4,}|\d{3,}[xX]"),
    "phone": re.compile(r"\d{4,}"),
    "bank_card": re.compile(r"\d{4,}"),
    "date": re.compile(r"\d|[年月日号]"),
    "months": re.compile(r"\d|[一二两三四五六七八九十]"),
    "number": re.compile(r"\d|[一二两三四五六七八九十]"),
}
SHORT_REPLY = 6          # a reply to a choice or yes/no question that is this short is an attempt


def question_like(text: str) -> bool:
    return bool(QUESTION_LIKE.search(text or ""))


def names_an_item(kb: Any, text: str) -> bool:
    try:
        return any(m.score >= 1.0 and len(m.matched) >= 3 for m in kb.resolve_items(text))
    except Exception:  # resolution is best effort
        return False


HANDOFF_WORDS = re.compile(r"人工|真人|坐席|转接|12333")


def wants_handoff(text: str, intent: Optional[Dict[str, Any]] = None) -> bool:
    """转人工 / 找个真人: the intent and the words agree (an answer such as 企业解除人员
    or the job title 客服 that NLU takes for a hand-over request is not one)."""
    name, confidence = intent_of(intent)
    return name == "human_handoff" and confidence >= DETOUR_CONFIDENCE and bool(HANDOFF_WORDS.search(text or ""))


def attempts_value(kb: Any, eng: Engine, state: Dict[str, Any], text: str,
                   intent: Optional[Dict[str, Any]] = None) -> bool:
    """True when the message should go to the engine as an answer (or a form command)."""
    raw = bare(text)
    name, confidence = intent_of(intent)
    if eng.is_cancel(text, intent) or is_whole(text, PAUSE_WORDS):
        return True
    if wants_handoff(text, intent):
        return False
    asking = question_like(text)
    if state.get("stage") == "confirming":
        if eng.field_mentioned(state, text) or raw in MODIFY_WORDS:
            return True
        if asking or (name in SELECTION_INTENTS and confidence >= DETOUR_CONFIDENCE):
            return False
        return True
    if eng.field_mentioned(state, text) and eng.wants_change(text):
        return True
    pending = state.get("pending")
    if pending == "__pension__":
        try:
            parse_bool(text, "__pension__")
            return True
        except InvalidAnswer:
            return not asking and len(raw) <= SHORT_REPLY
    planned = find(eng.plan(state), pending) if pending else None
    if planned is None:
        return True
    kind = planned.field.type
    if kind in ("text", "region"):
        # any text may be the answer; only a question or a plain selection request is not
        if asking:
            return False
        if name in SELECTION_INTENTS and confidence >= DETOUR_CONFIDENCE and names_an_item(kb, text):
            return False
        return not (name in SELECTION_INTENTS and confidence >= TEXT_DETOUR_CONFIDENCE
                    and SELECTION_WORDS.search(raw))
    try:
        parse_answer(planned.field, text, state["answers"])
        parsed = True
    except InvalidAnswer:
        parsed = False
    if kind in STRUCTURED_TYPES or kind in ("months", "number"):
        if parsed and not (asking and kind in ("months", "number")):
            return True
        tries = _TRIES.get(kind)
        return bool(tries and tries.search(raw)) and not (asking and kind in ("months", "number", "date"))
    if planned.id == CONTRIBUTION_FIELD and state.get("contribution_disputed") and (
        "认可" in raw or any(w in raw for w in WITHOUT_ITEM_WORDS)
    ):
        return True                   # an answer to the options offered after 有异议
    # choice, bool: a short reply is an attempt unless it is a question or names an item
    if parsed and not asking:
        return True
    return not asking and len(raw) <= SHORT_REPLY and not names_an_item(kb, text)


# words of a selection request (“我都勾了哪几项”, “把补贴去掉”), not of an address or a name
SELECTION_WORDS = re.compile(r"选|勾|去掉|删|加上|事项|哪几|几项|不要了|不办了")


def free_text_pending(eng: Engine, state: Dict[str, Any]) -> bool:
    """The form waits for a free-text field: whatever no detour took is its answer."""
    if state.get("stage") != "filling" or not state.get("pending") or state["pending"].startswith("__"):
        return False
    planned = find(eng.plan(state), state["pending"])
    return planned is not None and planned.field.type in ("text", "region")


# ---------------------------------------------------------------- changes of the application's items


def application_items_text(kb: Any, state: Dict[str, Any]) -> str:
    names = "\n".join(f"{n}. {kb.item(i).name}" for n, i in enumerate(state["items"], 1))
    return f"本次申请包含{len(state['items'])}项事项：\n{names}"


def change_items(kb: Any, eng: Engine, state: Dict[str, Any], intent_name: str, text: str,
                 entity_ids: List[str]) -> Tuple[Optional[Reply], Dict[str, Any]]:
    """list / remove / add items in the middle of the application; (reply, slot updates)."""
    from actions import selection as sel_mod

    if intent_name == "list_selection":
        return Reply(application_items_text(kb, state)), {}
    bundle_id = state.get("bundle")
    current = sel_mod.Selection(bundle_id, list(state["items"]), {})
    if intent_name == "remove_item":
        ids = sel_mod.named_items(kb, text, entity_ids, current.items, bundle_id)
        if not ids:
            return Reply("请问要去掉哪一项？\n" + application_items_text(kb, state)), {}
        new_sel, removed, refused, not_selected = sel_mod.remove_items(kb, current, ids)
        if not new_sel.items:
            return Reply("这是本次申请仅有的事项。如果不想办了，可以说“取消申请”。"), {}
        parts: List[str] = []
        if removed:
            parts.append(f"已从本次申请中去掉：{sel_mod.ks.names(kb, removed)}，已填写的其他内容都保留。")
        for item_id, needed_by in refused.items():
            parts.append(f"“{kb.item(item_id).name}”不能去掉：“{sel_mod.ks.names(kb, needed_by)}”需要联办这一项。")
        if not_selected:
            parts.append(f"{sel_mod.ks.names(kb, not_selected)}本来就不在本次申请中。")
        state["items"] = new_sel.items
        eng.refresh(state)
        return Reply("\n".join(parts)), {"selected_items": new_sel.items}
    # select_items / select_all: items of the same bundle join the application
    if intent_name == "select_all":
        bundle = kb.bundles.get(bundle_id)
        wanted = [i for i in (bundle.item_ids if bundle else []) if kb.items[i].kind != "single_item"]
    else:
        # by name only: a bare number in the form is an answer, not a menu number
        wanted = sel_mod.named_items(kb, text, entity_ids, None, None)
    own = [i for i in wanted if kb.item(i).bundle_id == bundle_id]
    other = [i for i in wanted if i not in own]
    if not own:
        if other:
            return Reply(
                f"{sel_mod.ks.names(kb, other)}不属于{sel_mod.ks.bundle_label(kb, bundle_id)}，不能在本次申请中一起办理；"
                "可以提交本次申请后再另行办理。"
            ), {}
        return Reply("抱歉，我没有找到您说的事项。" + application_items_text(kb, state)), {}
    new_sel, added, auto, already = sel_mod.add_items(kb, current, own)
    expanded = [s.item_id for s in kb.expand_selection(new_sel.items)]
    state["items"] = sel_mod.ks.order_items(kb, expanded)
    eng.refresh(state)
    parts = sel_mod.added_text(kb, new_sel, added, auto, already)
    if added or auto:
        parts.append("已加入本次申请，已填写的内容都保留，新事项需要的信息会接着询问。")
    return Reply("\n".join(parts)), {"selected_items": state["items"]}

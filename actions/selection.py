"""Choosing a bundle and its items across turns.

State lives in three slots that only these actions set:

* ``bundle`` - the chosen “一件事” id;
* ``selected_items`` - item ids in menu order, linked items included;
* ``selection_notes`` - ``{item_id: {"by": [ids], "reason": text}}`` for
  items added because another item needs them.

Payload ids are re-validated against the knowledge base; linked items and
their reasons come from ``kb.expand_selection`` / ``kb.required_by``; the
checklist from ``kb.materials_checklist`` and ``kb.deadlines``.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import kb_support as ks

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- pure logic


@dataclass
class Selection:
    bundle: Optional[Text]
    items: List[Text] = field(default_factory=list)
    notes: Dict[Text, Dict[Text, Any]] = field(default_factory=dict)

    def events(self) -> List[Dict[Text, Any]]:
        return [
            SlotSet("bundle", self.bundle),
            SlotSet("selected_items", list(self.items)),
            SlotSet("selection_notes", dict(self.notes) or None),
        ]


def load_selection(kb, tracker: Tracker) -> Selection:
    items = ks.selected_items(kb, tracker)
    notes = tracker.get_slot("selection_notes") or {}
    if not isinstance(notes, dict):
        notes = {}
    notes = {k: v for k, v in notes.items() if k in items and isinstance(v, dict)}
    return Selection(ks.current_bundle(kb, tracker), items, notes)


def link_reason(kb, selected: Any) -> Text:
    """The knowledge base's reason for a linked item, with its source."""
    reason = str(getattr(selected, "reason", "") or "").strip()
    source = getattr(selected, "source", None)
    if source is None:
        by = _added_by(selected)
        for rule in getattr(kb, "link_rules", []) or []:
            trigger = getattr(rule, "trigger", None) or getattr(rule, "item_id", None)
            if trigger in by and getattr(rule, "source", None) is not None:
                source = rule.source
                break
    source_str = ks.source_text(source)
    if source_str and source_str not in reason:
        reason = f"{reason}（依据：{source_str}）" if reason else f"依据：{source_str}"
    return reason


def _added_by(selected: Any) -> List[Text]:
    by = getattr(selected, "added_by", None)
    if not by:
        return []
    return list(by) if isinstance(by, (list, tuple, set)) else [by]


def add_items(kb, sel: Selection, new_ids: List[Text]) -> Tuple[Selection, List[Text], List[Text], List[Text]]:
    """Adds ``new_ids`` (all of ``sel.bundle``) and whatever they need.

    Returns (selection, added, auto_added, already_selected).
    """
    already = [i for i in new_ids if i in sel.items]
    wanted = sel.items + [i for i in new_ids if i not in sel.items]
    expanded = kb.expand_selection(wanted)
    notes = dict(sel.notes)
    result = list(wanted)
    auto: List[Text] = []
    for entry in expanded:
        item_id = entry.item_id
        if item_id not in kb.items:
            continue
        if item_id not in result:
            result.append(item_id)
        by = _added_by(entry)
        if by and item_id not in wanted:
            auto.append(item_id)
            notes[item_id] = {"by": by, "reason": link_reason(kb, entry)}
    added = [i for i in new_ids if i not in sel.items]
    return (
        Selection(sel.bundle, ks.order_items(kb, result), notes),
        added,
        ks.order_items(kb, auto),
        already,
    )


def remove_items(kb, sel: Selection, ids: List[Text]) -> Tuple[Selection, List[Text], Dict[Text, List[Text]], List[Text]]:
    """Removes ``ids`` unless an item that stays still needs them.

    Returns (selection, removed, refused {id: [ids needing it]}, not_selected).
    """
    not_selected = [i for i in ids if i not in sel.items]
    to_remove = [i for i in ids if i in sel.items]
    refused: Dict[Text, List[Text]] = {}
    while True:
        keep = [i for i in sel.items if i not in to_remove or i in refused]
        changed = False
        for item_id in to_remove:
            if item_id in refused:
                continue
            needed_by = [n for n in kb.required_by(item_id, keep) if n in keep and n != item_id]
            if needed_by:
                refused[item_id] = needed_by
                changed = True
        if not changed:
            break
    removed = [i for i in to_remove if i not in refused]
    items = [i for i in sel.items if i not in removed]
    notes = {k: v for k, v in sel.notes.items() if k in items}
    return Selection(sel.bundle, items, notes), removed, refused, not_selected


def split_by_bundle(kb, ids: List[Text], bundle_id: Optional[Text]) -> Tuple[List[Text], Dict[Text, List[Text]]]:
    """(ids of ``bundle_id``, {other bundle id: ids})."""
    own: List[Text] = []
    other: Dict[Text, List[Text]] = {}
    for item_id in ids:
        b = kb.items[item_id].bundle_id
        if bundle_id is None or b == bundle_id:
            own.append(item_id)
        else:
            other.setdefault(b, []).append(item_id)
    return own, other


# ---------------------------------------------------------------- naming items in words

# Command words around an item's name: "临时补贴那个去掉吧", "我要办失业金"
_COMMAND_WORDS = re.compile(
    r"去掉|删掉|删除|移除|拿掉|取消|不要|不办|不用|那个|这个|那项|这项|那一项|这一项|一下|帮我|麻烦|还有|加上|加选|"
    r"选择|选上|选|办理|申请|我要|我想|想要|需要|也要|要|办|吧|了|的|啊|呢|我|也|就"
)
# Parts of many item names that alone say nothing about which item is meant
_GENERIC_PARTS = ("申领", "申请", "办理", "申报", "确认", "一件事")
_ORDINAL_IN_TEXT = re.compile(r"第\s*([0-9]{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:个|项|条|号)?")
_LAST = re.compile(r"最后(?:一|1)?(?:个|项|条)")


def _common_run(a: Text, b: Text) -> Text:
    """The longest common substring of ``a`` and ``b``."""
    best = ""
    for i in range(len(a)):
        for j in range(i + len(best) + 1, len(a) + 1):
            if a[i:j] in b:
                best = a[i:j]
            else:
                break
    return best


def partial_matches(kb, text: Text, candidates: List[Text]) -> List[Text]:
    """Candidates whose name shares the longest meaningful part with the message;
    several when it is ambiguous (“登记那个去掉” with 失业登记 and 求职登记)."""
    rest = _COMMAND_WORDS.sub("", ks_bare(text))
    if len(rest) < 2:
        return []
    scores: Dict[Text, int] = {}
    for item_id in candidates:
        item = kb.items[item_id]
        for term in (item.name, *getattr(item, "aliases", ())):
            run = _common_run(rest, ks_bare(term))
            if len(run) < 2 or run in _GENERIC_PARTS:
                continue
            scores[item_id] = max(scores.get(item_id, 0), len(run))
    if not scores:
        return []
    top = max(scores.values())
    return [i for i in candidates if scores.get(i) == top]


def ordinal_matches(kb, text: Text, candidates: List[Text]) -> List[Text]:
    """“第2个” / “最后一项” among ``candidates`` as listed: a menu number shown next to
    an item first, else the position in the list."""
    if not candidates:
        return []
    raw = ks_bare(text)
    if _LAST.search(raw):
        return [candidates[-1]]
    m = _ORDINAL_IN_TEXT.search(raw)
    if not m:
        return []
    from actions.application.answers import cn_int

    n = cn_int(m.group(1))
    if n is None:
        return []
    by_menu = [i for i in candidates if ks.menu_number(kb, i) == n]
    if by_menu:
        return by_menu
    return [candidates[n - 1]] if 1 <= n <= len(candidates) else []


def ks_bare(text: Text) -> Text:
    from actions.application.answers import bare

    return bare(text)


def named_items(
    kb, text: Text, entity_ids: List[Text], candidates: Optional[List[Text]], bundle_id: Optional[Text],
    fuzzy: bool = True,
) -> List[Text]:
    """The items a message names: knowledge.resolve first (names, everyday words,
    menu numbers), then entities, then (``fuzzy``) an ordinal or a partial name that
    fits exactly one of ``candidates`` (the selection, or the bundle's items)."""
    found: List[Text] = []
    if text and not text.lstrip().startswith("/"):
        for match in ks.safe_resolve_items(kb, text, bundle_id):
            if match.item_id in kb.items and match.item_id not in found:
                found.append(match.item_id)
    if found:
        return found
    found = [i for i in entity_ids if i in kb.items]
    if found or not text or not fuzzy:
        return found
    pool = list(candidates) if candidates else (
        [i for i in kb.bundles[bundle_id].item_ids if i in kb.items] if bundle_id in kb.bundles else []
    )
    ordinal = ordinal_matches(kb, text, pool)
    if ordinal:
        return ordinal
    partial = partial_matches(kb, text, pool)
    return partial if len(partial) == 1 else []


def excluded_items(kb, text: Text, bundle_id: Optional[Text]) -> Optional[List[Text]]:
    """“除了失业金都要” / “失业金以外都选上”: the items named as exceptions, else None."""
    raw = ks_bare(text)
    m = re.search(r"除了?(.+?)(?:以外|之外|外)?(?:都|全|其他|其余|别的)", raw) or re.search(r"(.+?)(?:以外|之外)(?:都|全|其他|其余)", raw)
    if not m:
        return None
    ids = [x.item_id for x in ks.safe_resolve_items(kb, m.group(1), bundle_id) if x.item_id in kb.items]
    if not ids and bundle_id in kb.bundles:
        ids = partial_matches(kb, m.group(1), [i for i in kb.bundles[bundle_id].item_ids if i in kb.items])[:1]
    return ids


NEGATIVE = re.compile(r"^(?:那|我)?(?:不|别|先不|暂不|算了|没)")
ALL_WORDS = ("都要", "全要", "全都要", "都选", "全选", "全部", "全部选择", "全部都要", "都办", "全办", "都选上", "全部选上")


# ---------------------------------------------------------------- rendering


def bundle_buttons(kb) -> List[Dict[Text, Text]]:
    return [
        {"title": b.name, "payload": ks.payload("choose_bundle", bundle=b.id)}
        for b in kb.bundles.values()
    ]


def selection_lines(kb, sel: Selection) -> List[Text]:
    lines = []
    for item_id in sel.items:
        line = ks.numbered_name(kb, item_id)
        note = sel.notes.get(item_id)
        if note:
            by = [b for b in note.get("by", []) if b in kb.items]
            why = f"因选择“{ks.names(kb, by)}”自动加入" if by else "自动加入"
            line += f"（{why}）"
        lines.append(line)
    return lines


def selection_buttons(kb, sel: Selection) -> List[Dict[Text, Text]]:
    buttons: List[Dict[Text, Text]] = []
    if sel.items:
        buttons.append({"title": "选好了，下一步", "payload": "/done_selecting"})
    for item_id in sel.items:
        buttons.append(
            {"title": f"去掉：{ks.item_name(kb, item_id)}", "payload": ks.payload("remove_item", item=[item_id])}
        )
    bundle = kb.bundles.get(sel.bundle) if sel.bundle else None
    if bundle:
        for item_id in bundle.item_ids:
            # single items (单办事项) stay reachable by name or from the bundle menu
            if item_id in kb.items and item_id not in sel.items and getattr(kb.items[item_id], "kind", "") != "single_item":
                buttons.append(
                    {"title": f"加选：{ks.item_name(kb, item_id)}", "payload": ks.payload("select_items", item=[item_id])}
                )
    return buttons


def selection_summary(kb, sel: Selection) -> Text:
    if not sel.items:
        if sel.bundle:
            return f"您在{ks.bundle_label(kb, sel.bundle)}中还没有选择事项。请回复序号（如“1和3”）或事项名称，可以多选。"
        return "您还没有选择事项。"
    lines = selection_lines(kb, sel)
    head = f"您当前在{ks.bundle_label(kb, sel.bundle)}中选择了{len(sel.items)}项：" if sel.bundle else f"您当前选择了{len(sel.items)}项："
    return head + "\n" + "\n".join(lines) + "\n可以继续加选或去掉事项，选好后请说“好了”或点“选好了，下一步”。"


def bundle_menu_text(kb, bundle_id: Text, sel: Selection) -> Text:
    bundle = kb.bundles[bundle_id]
    lines = [f"{bundle.name}：{bundle.description}".rstrip("：")]
    lines.append(f"（依据：{ks.source_text(bundle.source)}）")
    lines.append("可以办理的事项：")
    for item_id in bundle.item_ids:
        if item_id not in kb.items:
            continue
        item = kb.items[item_id]
        mark = "【已选】" if item_id in sel.items else ""
        single = "（单办事项）" if getattr(item, "kind", "") == "single_item" else ""
        lines.append(f"{ks.numbered_name(kb, item_id)}{single}{mark}")
    lines.append("请回复序号（如“1和3”）或事项名称，可以多选；说“全都要”可选择全部事项。")
    return "\n".join(lines)


def bundle_menu_buttons(kb, bundle_id: Text, sel: Selection) -> List[Dict[Text, Text]]:
    bundle = kb.bundles[bundle_id]
    buttons = [
        {"title": ks.item_name(kb, i), "payload": ks.payload("select_items", item=[i])}
        for i in bundle.item_ids
        if i in kb.items and i not in sel.items
    ]
    buttons.append({"title": "全部选择", "payload": "/select_all"})
    if sel.items:
        buttons.append({"title": "选好了，下一步", "payload": "/done_selecting"})
    return buttons


def added_text(kb, sel: Selection, added: List[Text], auto: List[Text], already: List[Text]) -> List[Text]:
    parts: List[Text] = []
    if added:
        parts.append(f"已为您选择：{ks.names(kb, added)}。")
    if already:
        parts.append(f"{ks.names(kb, already)}已在您的选择中。")
    # one sentence per linked-item rule: items pulled in by the same item for the same reason together
    groups: Dict[Tuple[Tuple[Text, ...], Text], List[Text]] = {}
    for item_id in auto:
        note = sel.notes.get(item_id, {})
        by = tuple(b for b in note.get("by", []) if b in kb.items)
        groups.setdefault((by, note.get("reason") or ""), []).append(item_id)
    for (by, reason), ids in groups.items():
        quoted = "、".join(f"“{ks.item_name(kb, i)}”" for i in ids)
        region = next((r.region for r in kb.link_rules if r.item_id in by and getattr(r, "region", "")), "北京")
        if reason:   # the rule's own sentence names its guide and says 联办 once
            head = f"因为选择了“{ks.names(kb, by)}”，已自动加入{quoted}。" if by else f"已自动加入{quoted}。"
            parts.append(f"{head}{reason}")
        else:
            head = f"按{region}的规定，选择“{ks.names(kb, by)}”需要联办{quoted}" if by else f"按{region}的规定已联办{quoted}"
            parts.append(f"{head}，已自动加入。")
    return parts


def other_bundle_text(kb, other: Dict[Text, List[Text]]) -> Text:
    return "；".join(f"{ks.names(kb, ids)}属于{ks.bundle_label(kb, b)}" for b, ids in other.items())


# ---------------------------------------------------------------- the turn


def apply_choice(
    kb,
    tracker: Tracker,
    new_ids: List[Text],
    bundle_hint: Optional[Text] = None,
) -> Tuple[List[Text], List[Dict[Text, Text]], List[Dict[Text, Any]]]:
    """Adds items named by the user; returns (text parts, buttons, events)."""
    sel = load_selection(kb, tracker)
    parts: List[Text] = []
    pending: Optional[Dict[Text, Any]] = None

    if bundle_hint and bundle_hint != sel.bundle:
        if sel.items:
            parts.append(f"已切换到{ks.bundle_label(kb, bundle_hint)}，之前在{ks.bundle_label(kb, sel.bundle)}中的选择已清空。")
        sel = Selection(bundle_hint)

    if sel.bundle is None and new_ids:
        # no bundle yet: take the bundle of the first item named
        sel = Selection(kb.items[new_ids[0]].bundle_id)

    own, other = split_by_bundle(kb, new_ids, sel.bundle)
    if other:
        other_bundle, other_ids = next(iter(other.items()))
        if not sel.items and not own:
            # nothing chosen yet: switching loses nothing
            parts.append(f"{other_bundle_text(kb, other)}，已为您切换到{ks.bundle_label(kb, other_bundle)}。")
            sel = Selection(other_bundle)
            own, other = other_ids, {}
        else:
            pending = {"type": "switch_bundle", "bundle": other_bundle, "items": other_ids}

    if own:
        sel, added, auto, already = add_items(kb, sel, own)
        parts.extend(added_text(kb, sel, added, auto, already))

    buttons = selection_buttons(kb, sel)
    if pending:
        keep = f"切换后，当前选择（{ks.names(kb, sel.items)}）将被清空。" if sel.items else ""
        parts.append(
            f"{other_bundle_text(kb, other)}，与{ks.bundle_label(kb, sel.bundle)}不能在同一次申请中办理。"
            f"{keep}要切换到{ks.bundle_label(kb, pending['bundle'])}吗？"
        )
        buttons = [
            {"title": f"切换到{ks.bundle_label(kb, pending['bundle'])}", "payload": "/affirm"},
            {"title": "不切换，继续当前选择", "payload": "/deny"},
        ]
    else:
        parts.append(selection_summary(kb, sel))
    events = sel.events() + [SlotSet("pending_confirmation", pending), SlotSet("pending_question", None)]
    return parts, buttons, events


def checklist_text(kb, sel: Selection, region: Optional[Text]) -> Text:
    parts = [f"您在{ks.bundle_label(kb, sel.bundle)}中选择了{len(sel.items)}项：{ks.names(kb, sel.items)}。"]
    try:
        entries = kb.materials_checklist(sel.items, region=region)
    except TypeError:
        entries = kb.materials_checklist(sel.items)
    by_source: Dict[Text, List[Any]] = {}
    for entry in entries:
        by_source.setdefault(ks.source_text(entry.source), []).append(entry)
    parts.append("一、需要准备的材料（不同事项相同的材料只需提供1份）：")
    n = 0
    for source, group in by_source.items():
        if len(by_source) > 1 and source:
            parts.append(f"【{source}】")
        for entry in group:
            n += 1
            needed = [i for i in entry.needed_by if i in kb.items]
            parts.append(f"{n}. {ks.material_text(entry.material)} —— {ks.names(kb, needed)}需要")
        if len(by_source) == 1 and source:
            parts.append(f"（依据：{source}）")
    without = [i for i in sel.items if not any(i in e.needed_by for e in entries)]
    if without:
        parts.append(f"{ks.names(kb, without)}：指引未列出需要另外提交的材料。")
    if n == 0:
        parts.append("所选事项在指引中未列出需要提交的材料。")

    sources = {ks.source_text(e.source) for e in entries}
    if len(sources) > 1:
        parts.append("说明：所选事项的材料分别来自不同地区的指引，以上按各自指引列出；告诉我您在哪个地区办理，可以只按该地区的规定列出。")

    parts.append("二、办理时限：")
    deadlines = kb.deadlines(sel.items)
    seen = set()
    for d in deadlines:
        source = ks.source_text(d.source)
        note = str(getattr(d, "note", "") or "").strip()
        if d.deadline is not None:
            text = ks.deadline_text(d.deadline) + (f"（{source}）" if source else "")
            if note:
                text += f"；{note}"
        else:
            text = note or "指引未列明办理时限"
        if (d.item_id, text) in seen:
            continue
        seen.add((d.item_id, text))
        parts.append(f"· {ks.item_name(kb, d.item_id)}：{text}")
    listed = {d.item_id for d in deadlines}
    for item_id in sel.items:
        if item_id not in listed:
            parts.append(f"· {ks.item_name(kb, item_id)}：指引未列明办理时限")
    parts.append("确认无误后，请点击“开始申请”；也可以继续修改选择或咨询问题。")
    return "\n".join(parts)


class ActionChooseBundle(ks.KBAction):
    def name(self) -> Text:
        return "action_choose_bundle"

    async def respond(self, kb, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        bundle_id = ks.bundle_in_message(kb, tracker)
        current = ks.current_bundle(kb, tracker)
        items = ks.items_in_message(kb, tracker, bundle_id or current)
        if bundle_id is None and items:
            bundle_id = kb.items[items[0]].bundle_id
        if bundle_id is None:
            dispatcher.utter_message(
                text="目前可以办理三个“一件事”：" + "、".join(b.name for b in kb.bundles.values()) + "。请问您想办理哪一个？",
                buttons=bundle_buttons(kb),
            )
            return [SlotSet("pending_confirmation", None)]
        items = [i for i in items if kb.items[i].bundle_id == bundle_id]
        if items:
            parts, buttons, events = apply_choice(kb, tracker, items, bundle_hint=bundle_id)
            dispatcher.utter_message(text="\n".join(parts), buttons=buttons)
            return events
        sel = load_selection(kb, tracker)
        parts: List[Text] = []
        if bundle_id != sel.bundle:
            if sel.items:
                parts.append(f"已切换到{ks.bundle_label(kb, bundle_id)}，之前在{ks.bundle_label(kb, sel.bundle)}中的选择已清空。")
            sel = Selection(bundle_id)
        parts.append(bundle_menu_text(kb, bundle_id, sel))
        dispatcher.utter_message(text="\n".join(parts), buttons=bundle_menu_buttons(kb, bundle_id, sel))
        return sel.events() + [SlotSet("pending_confirmation", None), SlotSet("pending_question", None)]


def _pending(tracker: Tracker) -> Dict[Text, Any]:
    value = tracker.get_slot("pending_confirmation")
    return value if isinstance(value, dict) else {}


def select_all_of(
    kb, tracker: Tracker, bundle_id: Text, excluded: Optional[List[Text]] = None
) -> Tuple[List[Text], List[Dict[Text, Text]], List[Dict[Text, Any]]]:
    """Every linked item of the bundle (single items are chosen one by one), minus ``excluded``."""
    bundle = kb.bundles[bundle_id]
    excluded = [i for i in (excluded or []) if i in kb.items]
    all_ids = [i for i in bundle.item_ids if i in kb.items and getattr(kb.items[i], "kind", "bundle_item") != "single_item"]
    singles = [i for i in bundle.item_ids if i in kb.items and i not in all_ids]
    wanted = [i for i in all_ids if i not in excluded]
    base = load_selection(kb, tracker)
    if base.bundle != bundle_id:
        base = Selection(bundle_id)
    sel, added, auto, already = add_items(kb, base, wanted)
    if excluded:
        parts = [f"已选择{bundle.name}中除{ks.names(kb, excluded)}以外的事项。"]
        pulled = [i for i in excluded if i in sel.items]
        if pulled:
            parts.append(f"{ks.names(kb, pulled)}是其他所选事项需要联办的，仍然保留。")
    else:
        parts = [f"已选择{bundle.name}的全部事项。"]
    parts.extend(p for p in added_text(kb, sel, [], auto, []) if p)
    if singles:
        parts.append(f"{ks.names(kb, singles)}是单独办理的事项，未自动选上，如需办理请单独选择。")
    parts.append(selection_summary(kb, sel))
    events = sel.events() + [SlotSet("pending_confirmation", None), SlotSet("pending_question", None)]
    return parts, selection_buttons(kb, sel), events


class ActionSelectItems(ks.KBAction):
    def name(self) -> Text:
        return "action_select_items"

    async def respond(self, kb, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        current = ks.current_bundle(kb, tracker)
        bundle_hint = ks.bundle_in_message(kb, tracker) if not current else None
        text = "" if ks.is_payload(tracker) else ks.latest_text(tracker)
        pending = _pending(tracker)
        excluded = excluded_items(kb, text, current or bundle_hint) if text else None
        if excluded is not None and (current or bundle_hint):
            parts, buttons, events = select_all_of(kb, tracker, current or bundle_hint, excluded)
            dispatcher.utter_message(text="\n".join(parts), buttons=buttons)
            return events
        entity_ids = ks.valid_item_ids(kb, ks.entity_values(tracker, "item"), resolve=not ks.is_payload(tracker))
        if ks.is_payload(tracker):
            items = entity_ids
        else:
            items = named_items(kb, text, entity_ids, None, current or bundle_hint)
        if not items and pending.get("type") in ("select_suggested", "switch_bundle"):
            # “行，就它了” / “嗯，办这个” / “要的”: the answer to the suggestion just made
            # (“不切换” / “先不选” decline it)
            from actions.confirmation import ActionConfirmPending, ActionDeclinePending

            answer = ActionDeclinePending() if NEGATIVE.search(ks_bare(text)) else ActionConfirmPending()
            return list(await answer.run(dispatcher, tracker, domain) or [])
        if not items and text and (current or bundle_hint) and is_all_words(text):
            parts, buttons, events = select_all_of(kb, tracker, current or bundle_hint)
            dispatcher.utter_message(text="\n".join(parts), buttons=buttons)
            return events
        if not items:
            sel = load_selection(kb, tracker)
            if current:
                dispatcher.utter_message(
                    text="抱歉，我没有找到您说的事项。" + bundle_menu_text(kb, current, sel),
                    buttons=bundle_menu_buttons(kb, current, sel),
                )
            else:
                dispatcher.utter_message(
                    text="抱歉，我没有找到您说的事项。请先选择要办理的“一件事”：", buttons=bundle_buttons(kb)
                )
            return []
        if len(items) == 1 and text and not current and not pending and names_only(kb, text):
            # “工伤保险待遇先行支付” typed outside the menu: what it is, and the offer to choose it
            # (好的 / 选择办理 accepts); inside the menu a name alone chooses
            from actions.answers.action import ActionAnswerQuestion

            return list(await ActionAnswerQuestion().run(dispatcher, tracker, domain) or [])
        parts, buttons, events = apply_choice(kb, tracker, items, bundle_hint=bundle_hint)
        dispatcher.utter_message(text="\n".join(parts), buttons=buttons)
        return events


def names_only(kb, text: Text) -> bool:
    from knowledge.understand import analyze

    return analyze(kb, text).names_only


def is_all_words(text: Text) -> bool:
    from actions.application.engine import is_whole

    return is_whole(text, ALL_WORDS)


class ActionSelectAll(ks.KBAction):
    def name(self) -> Text:
        return "action_select_all"

    async def respond(self, kb, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        bundle_id = ks.bundle_in_message(kb, tracker) or ks.current_bundle(kb, tracker)
        pending = _pending(tracker)
        if pending.get("type") == "select_suggested" and not ks.bundle_in_message(kb, tracker):
            # “都要” right after a suggestion: the suggested items
            from actions.confirmation import ActionConfirmPending

            return list(await ActionConfirmPending().run(dispatcher, tracker, domain) or [])
        if bundle_id is None:
            dispatcher.utter_message(text="请先选择要办理的“一件事”，再说“全都要”：", buttons=bundle_buttons(kb))
            return []
        text = "" if ks.is_payload(tracker) else ks.latest_text(tracker)
        excluded = excluded_items(kb, text, bundle_id) if text else None
        parts, buttons, events = select_all_of(kb, tracker, bundle_id, excluded)
        dispatcher.utter_message(text="\n".join(parts), buttons=buttons)
        return events


class ActionRemoveItem(ks.KBAction):
    def name(self) -> Text:
        return "action_remove_item"

    async def respond(self, kb, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        sel = load_selection(kb, tracker)
        if not sel.items:
            dispatcher.utter_message(text="您还没有选择任何事项，无需去掉。", buttons=bundle_buttons(kb) if not sel.bundle else bundle_menu_buttons(kb, sel.bundle, sel))
            return []
        if ks.is_payload(tracker):
            ids = ks.valid_item_ids(kb, ks.entity_values(tracker, "item"), resolve=False)
        else:
            entity_ids = ks.valid_item_ids(kb, ks.entity_values(tracker, "item"))
            ids = named_items(kb, ks.latest_text(tracker), entity_ids, sel.items, sel.bundle)
        if not ids:
            dispatcher.utter_message(
                text="请问要去掉哪一项？\n" + "\n".join(selection_lines(kb, sel)),
                buttons=[{"title": f"去掉：{ks.item_name(kb, i)}", "payload": ks.payload("remove_item", item=[i])} for i in sel.items],
            )
            return []
        new_sel, removed, refused, not_selected = remove_items(kb, sel, ids)
        parts: List[Text] = []
        if removed:
            parts.append(f"已去掉：{ks.names(kb, removed)}。")
        for item_id, needed_by in refused.items():
            reasons = [sel.notes.get(item_id, {}).get("reason")] if sel.notes.get(item_id, {}).get("reason") else []
            why = "；".join(r for r in reasons if r)
            parts.append(
                f"“{ks.item_name(kb, item_id)}”暂时不能去掉：您选择的“{ks.names(kb, needed_by)}”需要联办这一项"
                + (f"（{why}）" if why else "")
                + f"。如确实不需要，请先去掉“{ks.names(kb, needed_by)}”。"
            )
        if not_selected:
            parts.append(f"{ks.names(kb, not_selected)}本来就不在您的选择中。")
        kept_auto = [i for i, note in new_sel.notes.items() if set(note.get("by", [])) & set(removed)]
        if kept_auto:
            parts.append(f"{ks.names(kb, kept_auto)}是之前联办自动加入的，仍为您保留；如不需要，可以继续去掉。")
            for i in kept_auto:
                new_sel.notes[i] = {**new_sel.notes[i], "by": [b for b in new_sel.notes[i].get("by", []) if b in new_sel.items]}
                if not new_sel.notes[i]["by"]:
                    new_sel.notes.pop(i)
        parts.append(selection_summary(kb, new_sel))
        dispatcher.utter_message(text="\n".join(parts), buttons=selection_buttons(kb, new_sel))
        return new_sel.events() + [SlotSet("pending_confirmation", None), SlotSet("pending_question", None)]


class ActionListSelection(ks.KBAction):
    def name(self) -> Text:
        return "action_list_selection"

    async def respond(self, kb, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        sel = load_selection(kb, tracker)
        if not sel.bundle:
            dispatcher.utter_message(text="您还没有选择事项。请问想办理哪个“一件事”？", buttons=bundle_buttons(kb))
            return [SlotSet("pending_confirmation", None)]
        if not sel.items:
            dispatcher.utter_message(text=bundle_menu_text(kb, sel.bundle, sel), buttons=bundle_menu_buttons(kb, sel.bundle, sel))
            return [SlotSet("pending_confirmation", None)]
        dispatcher.utter_message(text=selection_summary(kb, sel), buttons=selection_buttons(kb, sel))
        return [SlotSet("pending_confirmation", None)]


class ActionDoneSelecting(ks.KBAction):
    def name(self) -> Text:
        return "action_done_selecting"

    async def respond(self, kb, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        sel = load_selection(kb, tracker)
        if not sel.items:
            if sel.bundle:
                dispatcher.utter_message(
                    text="您还没有选择事项。" + bundle_menu_text(kb, sel.bundle, sel),
                    buttons=bundle_menu_buttons(kb, sel.bundle, sel),
                )
            else:
                dispatcher.utter_message(text="您还没有选择事项。请问想办理哪个“一件事”？", buttons=bundle_buttons(kb))
            return [SlotSet("pending_confirmation", None)]
        region = ks.region_of_turn(kb, tracker)
        dispatcher.utter_message(
            text=checklist_text(kb, sel, region),
            buttons=[
                {"title": "开始申请", "payload": "/start_application"},
                {"title": "修改选择", "payload": "/list_selection"},
                {"title": "转人工服务", "payload": "/human_handoff"},
            ],
        )
        return [SlotSet("pending_confirmation", {"type": "start_application"}), SlotSet("pending_question", None)]

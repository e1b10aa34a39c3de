"""Every aspect asked, for every target named, in one reply grouped by target.

    compose(kb, ask) -> Reply | None

``None`` means the knowledge base has nothing to say to these words; the
caller decides what to do then (ask which item, clarify, hand over).
"""
from __future__ import annotations

from dataclasses import replace

from typing import Dict, List, Optional, Text

from actions import kb_support as ks
from actions.answers import facts, topics
from actions.answers.ask import Ask
from actions.answers.render import Reply
from actions.answers.search import POLICY_MIN_SCORE, answer_from_search
from actions.answers.targets import Target, targets_of

#: Aspects answered per item or service.
TARGET_ASPECTS = ("policy", "eligibility", "materials", "deadline", "amount", "channel", "form", "linked")

#: Search topics for a question about an aspect that names no target.
SEARCH_TOPICS = {
    "materials": ("materials",), "deadline": ("deadline",), "eligibility": ("eligibility",),
    "channel": ("channels", "channel", "apply"), "form": ("form",), "linked": ("link",),
    "policy": (), "amount": (),
}

#: How a button asks one aspect of one target, as a full question.
QUESTION_FORMS = {
    "materials": "{name}需要什么材料",
    "deadline": "{name}多久能办好",
    "channel": "{name}在哪里办",
    "eligibility": "哪些人可以办{name}",
}


def question_button(target_name: Text, aspect: Text, payload: Text) -> Dict[Text, Text]:
    return {"title": QUESTION_FORMS[aspect].format(name=target_name), "payload": payload}


def aspect_buttons(kb, target: Target, aspects=("materials", "deadline", "channel")) -> List[Dict[Text, Text]]:
    key = "item" if target.kind == "item" else "service"
    return [
        question_button(target.name, a, ks.payload("ask_question", **{key: [target.id], "aspect": [a]}))
        for a in aspects
    ]


def compose(kb, ask: Ask) -> Optional[Reply]:
    aspects = list(ask.aspects)
    parts: List[Text] = []
    buttons: List[Dict[Text, Text]] = []

    # answers that are not about one target
    if ask.common_once:   # “共性材料要不要每个事项都交一份”: one copy for all items of a bundle
        r = topics.common_once(kb, _bundles_meant(kb, ask))
        if r is not None:
            parts.append(r.text)
            if not ask.named:
                aspects = [a for a in aspects if a not in ("materials", "rules", "form")]
    if "howto" in aspects and not ask.named:
        r = topics.howto(kb, ask)
        if r is not None:
            parts.append(r.text)
            buttons += r.buttons
    if "service_311" in aspects:
        parts.append(topics.service_311(kb, ask).text)
    if "deregistration" in aspects:
        r = topics.deregistration(kb, ask)
        parts.append(r.text)
        buttons += r.buttons
    if "difference" in aspects:
        text = topics.differences(kb, ask).text
        if text:
            parts.append(text)
    if "overview" in aspects:
        bundle_ids = ([b for b in ask.bundles if b in kb.bundles] if len(ask.bundles) > 1 and not ask.payload
                      else [b for b in [ask.bundle or ask.current_bundle] if b])
        if bundle_ids:
            for bundle_id in bundle_ids:   # “人才服务和劳动维权分别包括哪些事项”: each one
                r = topics.bundle_overview(kb, bundle_id)
                parts.append(r.text)
                buttons += r.buttons
        elif not ask.named:
            parts.append("我可以办理的“一件事”有：" + "、".join(b.name for b in kb.bundles.values())
                         + "。您想了解哪一个？")
            buttons += [{"title": b.name, "payload": ks.payload("ask_question", bundle=b.id, aspect=["overview"])}
                        for b in kb.bundles.values()]

    # the targets: named in the message, else the selection (for item facts)
    item_ids, origin = ask.target_items()
    wanted = [a for a in aspects if a in TARGET_ASPECTS]
    handled_elsewhere = bool(parts)
    if not ask.named and not wanted and handled_elsewhere:
        item_ids = []
    targets = targets_of(kb, item_ids, ask.services)
    lead = None
    if (not targets and wanted and ask.situation_items and not ask.payload
            and (not ask.bundle or "一件事" not in ask.text)):
        # “厂里拖了我三个月工资，去哪投诉，要准备啥”: the question is about what the situation needs
        targets = targets_of(kb, situation_targets(kb, ask.situation_items), [])
        lead = "根据您说的情况，通常办理" + "、".join(f"“{t.name}”" for t in targets) + "。"
    if "service_311" in aspects:
        targets = [t for t in targets if t.id != "service_311"]

    if ask.without and targets and "rules" not in aspects:
        parts.append(unstated_rule(targets))
    if ask.in_person and targets:
        parts.append("、".join(f"“{t.name}”" for t in targets) + "的办事指引未写明是否必须本人到场、能否由他人代办；"
                     f"可以先选择下面的线上渠道，或拨打人社服务热线{ks.HOTLINE}确认。")
    if "rules" in aspects:
        blocks = [(t, facts.rules_block(kb, t, ask)) for t in targets]
        blocks = [(t, b) for t, b in blocks if b]
        if blocks:
            for t, (title, lines) in blocks:
                if ask.region and not t.in_region(ask.region):
                    # “户口在榕城区…社区能不能不经过他同意就登记”: 揭阳's guide says nothing of it
                    lines = [f"· {ask.region}的指引未写明此类要求，以下为其他地区指引的规定，供参考："] + lines
                parts.append(f"“{t.name}”{title}：\n" + "\n".join(lines))
        elif targets:
            # “社区能不能要求我…”: its guides set no such rule; what they do list is its materials
            parts.append(unstated_rule(targets))
            if not wanted:
                wanted = ["materials"]
        else:
            r = topics.general_rules(kb, ask)
            parts.append(r.text)
            buttons += r.buttons

    if not targets and "linked" in wanted and not ask.payload:
        parts.append(topics.all_link_rules(kb).text)
        wanted = [a for a in wanted if a != "linked"]
        if not wanted:
            return Reply("\n\n".join(parts), _dedupe(buttons))

    if not targets:
        if not wanted:
            if parts:
                return Reply("\n\n".join(parts), _dedupe(buttons))
            if ask.situation_items and ask.question and not ask.payload:
                return topics.situation_suggestions(kb, ask.situation_items)   # “失业了能领点啥”
            return None
        bundle_id = ask.bundle if not ask.payload or ask.bundle else None
        bundle_id = bundle_id or (ask.current_bundle if not ask.payload else None)
        if bundle_id and "form" in wanted:   # “北京失业一件事申请表户口性质那栏咋填”: the online form
            r = topics.bundle_forms(kb, bundle_id, ask.region, ask.text)
            if r is not None:
                return Reply("\n\n".join(parts + [r.text]), _dedupe(buttons))
        if bundle_id and ("form" in wanted or "channel" in wanted) and "申请表" in ask.text:
            r = topics.bundle_form_unstated(kb, bundle_id)   # “劳动维权一件事申请表在哪下载”
            if r is not None:
                return Reply("\n\n".join(parts + [r.text]), _dedupe(buttons))
        if bundle_id and set(wanted) <= {"materials", "deadline", "policy", "overview"}:
            if "materials" in wanted:
                r = topics.bundle_materials(kb, bundle_id)
                guide_region = getattr(kb.bundles[bundle_id].source, "region", None)
                if ask.region and guide_region and ask.region != guide_region:
                    parts.append(f"{ask.region}的指引没有{kb.bundles[bundle_id].name}的材料表，以下为{guide_region}的规定，供参考：")
                parts.append(r.text)
                buttons += r.buttons
            if "deadline" in wanted:
                parts.append(topics.bundle_deadlines(kb, bundle_id).text)
            if "policy" in wanted and not parts:
                r = topics.bundle_overview(kb, bundle_id)
                parts.append(r.text)
                buttons += r.buttons
            return Reply("\n\n".join(parts), _dedupe(buttons))
        if parts:   # a how-to or service answer already covers the words
            return Reply("\n\n".join(parts), _dedupe(buttons))
        if wanted == ["channel"]:   # “在哪点进去” with nothing named: the platform's way in
            r = topics.howto(kb, replace(ask, howto_topic=ask.howto_topic or "apply"))
            if r is not None:
                return Reply(r.text, _dedupe(buttons + r.buttons))
        topics_ = tuple(t for a in wanted for t in SEARCH_TOPICS.get(a, ()))
        found = answer_from_search(kb, ask.text, topics_) if ask.text else None
        if found:
            parts.append(found)
            return Reply("\n\n".join(parts), _dedupe(buttons))
        if parts:
            return Reply("\n\n".join(parts), _dedupe(buttons))
        return which_target(kb, ask, wanted)

    if "difference" in aspects and ask.services and not ask.items and "policy" not in wanted:
        wanted.insert(0, "policy")   # 湖南 services compared: what each of them is
    if not wanted and "difference" in aspects and len(targets) > 1 and ask.named:
        wanted = ["policy"]   # “A和B有什么不一样”: what each of them is, beside where the guides differ
    if not wanted:
        if parts:
            return Reply("\n\n".join(_unique(parts)), _dedupe(buttons))
        wanted = ["policy"]
    if "howto" in aspects and ask.named and "channel" not in wanted:
        wanted.append("channel")

    # several items' materials from the selection: one merged checklist
    if wanted == ["materials"] and origin == "selection" and len(targets) > 1 and not ask.services:
        r = topics.checklist(kb, item_ids, ask.region, origin)
        return Reply("\n\n".join(parts + [r.text]), _dedupe(buttons + r.buttons))

    if "linked" in wanted and "materials" not in wanted and _required_as_material(kb, targets):
        wanted.append("materials")   # “困难认定需要就业创业证，是不是要先办创业证”: the papers say so
    several_aspects = len(wanted) > 1
    linked_asked = "linked" in wanted
    link = facts.linked_line(kb, [t.id for t in targets if t.kind == "item"], ask.region)
    show_link = bool(link) and (linked_asked or "materials" in wanted)
    ruled = {r.item_id for r in kb.link_rules}
    link_after = next((t.id for t in targets if t.id in ruled), None)
    for target in targets:
        asked = list(wanted)
        if "linked" in asked and (link or len(wanted) > 1):
            asked.remove("linked")   # said once for the whole reply, below
            if not asked:
                continue
        if target.kind == "service" and ask.apply and "policy" not in asked:
            asked.insert(0, "policy")   # how a 湖南 service works is its description
        blocks = [facts.ITEM_BLOCKS[a](kb, target, ask) for a in asked]
        several_aspects = len(asked) > 1
        if several_aspects:
            section = [f"【{target.name}】"]
            for title, lines in blocks:
                section.append(f"{title}：" if title else "")
                # a note said once per target (“（…）”, “湖南的指引中没有…”), not once per aspect
                section.extend(x for x in lines if x != section[0]
                               and not ((x.startswith("（") or "的指引中没有" in x) and x in section))
            parts.append("\n".join(x for x in section if x))
        else:
            title, lines = blocks[0]
            head = (f"“{target.name}”{title}：" if title.startswith("需要") else f"“{target.name}”的{title}：") if title else ""
            parts.append("\n".join(([head] if head else []) + lines))
        if show_link and target.id == link_after:   # the rule stays in the part of the item it is about
            parts[-1] += "\n" + link
            show_link = False

    if show_link:
        parts.append(link)
    if lead:
        parts.insert(0, lead)

    pending = None
    if len(targets) == 1 and targets[0].kind == "item" and targets[0].id not in ask.selected:
        item = kb.items[targets[0].id]
        buttons.append({"title": f"选择办理：{item.name}", "payload": ks.payload("select_items", item=[item.id])})
        # the offer is a real question: 好的 / 行，就它了 accepts it (actions/confirmation.py)
        parts.append(f"需要为您选上“{item.name}”吗？")
        pending = {"type": "select_suggested", "bundle": item.bundle_id, "items": [item.id]}
    if wanted == ["policy"] and len(targets) == 1:
        buttons = aspect_buttons(kb, targets[0]) + buttons
    return Reply("\n\n".join(_unique(parts)), _dedupe(buttons), pending)


def _bundles_meant(kb, ask: Ask) -> List[Text]:
    """The bundles a question is about: named, else those of the items named, else the
    current one, else every bundle."""
    named = [b for b in ([ask.bundle] if ask.bundle else []) + list(ask.bundles) if b in kb.bundles]
    named += [kb.items[i].bundle_id for i in ask.items if i in kb.items and kb.items[i].bundle_id in kb.bundles]
    if not named and ask.current_bundle in kb.bundles:
        named = [ask.current_bundle]
    return list(dict.fromkeys(named)) or list(kb.bundles)


def _required_as_material(kb, targets) -> bool:
    """Does one named item list another named item (its certificate) among its materials?"""
    from knowledge.text import normalize
    from knowledge.vocab import item_terms

    items = [t for t in targets if t.kind == "item"]
    for t in items:
        papers = normalize(" ".join(str(getattr(m, "name", m)) for p in t.provisions
                                    for m in getattr(p, "materials", ()) or ()))
        for other in items:
            # the other item's certificate (就业创业证), not a form that shares words (就业失业求职登记表)
            if other.id != t.id and any(len(n) >= 3 and n.endswith("证") and normalize(n) in papers
                                        for n in item_terms(kb.items[other.id])):
                return True
    return False


def unstated_rule(targets) -> Text:
    """The guides of these targets say nothing about the rule asked (“没有毕业证能评职称吗”)."""
    return ("、".join(f"“{t.name}”" for t in targets)
            + f"的办事指引未写明经办机构在这方面的要求，具体请咨询人社服务热线{ks.HOTLINE}或办理地经办机构。")


#: At most this many items are answered for a situation that names none.
SITUATION_TARGETS = 2


def situation_targets(kb, item_ids: List[Text]) -> List[Text]:
    """The items a told situation usually needs, of the first one's bundle, in the bundle's order."""
    bundle_id = kb.items[item_ids[0]].bundle_id   # the most specific situation's bundle and item first
    return [i for i in item_ids if kb.items[i].bundle_id == bundle_id][:SITUATION_TARGETS]


def which_target(kb, ask: Ask, wanted: List[Text]) -> Reply:
    """An aspect without an item: ask which one, with the aspect kept in the buttons."""
    aspect = wanted[0]
    bundle_id = ask.bundle or ask.current_bundle
    if bundle_id:
        bundle = kb.bundles[bundle_id]
        buttons = [
            {"title": ks.item_name(kb, i), "payload": ks.payload("ask_question", item=[i], aspect=wanted)}
            for i in bundle.item_ids if i in kb.items
        ]
        return Reply(f"请问您想了解{bundle.name}中哪个事项？", buttons)
    buttons = [
        {"title": b.name, "payload": ks.payload("ask_question", bundle=b.id, aspect=wanted)}
        for b in kb.bundles.values()
    ]
    what = {"materials": "材料", "deadline": "办理时限", "channel": "办理地点", "eligibility": "办理条件",
            "form": "填写内容", "linked": "联办规定"}.get(aspect, "规定")
    return Reply(f"请问您想了解哪个事项的{what}？可以直接说事项名称，比如“失业登记”。", buttons)


def search_reply(kb, ask: Ask, min_score: float = POLICY_MIN_SCORE) -> Optional[Reply]:
    found = answer_from_search(kb, ask.text, min_score=min_score) if ask.text else None
    return Reply(found) if found else None


def _unique(parts: List[Text]) -> List[Text]:
    return list(dict.fromkeys(p for p in parts if p))


def _dedupe(buttons: List[Dict[Text, Text]]) -> List[Dict[Text, Text]]:
    seen, out = set(), []
    for b in buttons:
        if b["title"] not in seen:
            seen.add(b["title"])
            out.append(b)
    return out

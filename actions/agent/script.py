"""An answer as a script for the 12333 agent on a call.

    answer_script(kb, tracker, reply) -> {"kind": "answer", "say": [...], "ask_next": ..., "facts": [...],
                                          "differences": [...]}

``say``: short sentences to read aloud (no citations, no brackets with web
addresses); ``facts``: each fact with its item, aspect, region, guide and
table row (the guide's section, e.g. 二、办理材料表第1行) for the agent to check;
``differences``: where the regions' guides differ, each region's value;
``ask_next``: what the agent asks the caller next. The facts are the ones the
citizen's answer states (the same render helpers over the same provisions);
aspects without per-provision facts (policy, how-to, rules …) are read from the
answer's own text.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from actions import kb_support as ks
from actions.answers import facts as fact_blocks
from actions.answers.ask import Ask, from_tracker
from actions.answers.render import (
    Reply, cite, common_materials, deadline_text, join_materials, not_stated, other_materials_text, s,
)
from actions.answers.targets import Target, targets_of

#: aspects stated per provision, with their label as spoken
ASPECT_LABELS = {"materials": "需要的材料", "deadline": "办理时限", "channel": "办理渠道", "eligibility": "受理条件"}
MAX_SAY = 6
_URL = re.compile(r"[（(]?(?:网址：)?https?://[^\s）)；;，,]+[）)]?")
_CITATION = re.compile(r"（依据：[^）]*）")


def provision_value(aspect: Text, provision: Any) -> Text:
    if aspect == "materials":
        common = common_materials(provision)
        other = other_materials_text(provision)
        return f"共性材料：{join_materials(common)}；其他材料：{other}" if common else other
    if aspect == "deadline":
        return deadline_text(provision)
    if aspect == "channel":
        return fact_blocks.channel_text(provision)
    if aspect == "eligibility":
        elig = getattr(provision, "eligibility", None)
        return s(getattr(elig, "text", None)) or not_stated("受理条件")
    raise KeyError(aspect)


def spoken(text: Text) -> Text:
    """A sentence that reads well aloud: no citations, no web addresses, one full stop."""
    text = _CITATION.sub("", _URL.sub("", text)).strip().rstrip("。；;，, ")
    return text + "。" if text else ""


def fact_row(kb, target: Target, aspect: Text, provision: Any) -> Dict[Text, Any]:
    source = getattr(provision, "source", None)
    return {
        "item": target.name,
        "item_id": target.id,
        "aspect": ASPECT_LABELS[aspect],
        "region": provision.region,
        "guide": cite(source),
        "row": s(getattr(source, "section", None)),
        "text": provision_value(aspect, provision),
    }


def _aspects(ask: Ask) -> List[Text]:
    return [a for a in ask.aspects if a in ASPECT_LABELS]


def answer_script(kb, tracker: Any, reply: Reply) -> Dict[Text, Any]:
    ask = from_tracker(kb, tracker)
    item_ids, _origin = ask.target_items()
    targets = targets_of(kb, item_ids, ask.services)
    aspects = _aspects(ask)
    say: List[Text] = []
    facts: List[Dict[Text, Any]] = []
    differences: List[Dict[Text, Any]] = []
    for target in targets if aspects else []:
        provisions, _before, _after = fact_blocks.scoped(target, ask)
        for aspect in aspects:
            rows = [fact_row(kb, target, aspect, p) for p in provisions]
            facts += rows
            values = list(dict.fromkeys(r["text"] for r in rows))
            label = ASPECT_LABELS[aspect]
            if len(values) == 1:
                where = f"按{rows[0]['region']}的指引，" if rows else ""
                say.append(spoken(f"{where}{target.name}{label}是：{values[0]}"))
            elif values:
                differences.append({"item": target.name, "aspect": label,
                                    "by_region": [{"region": r["region"], "text": r["text"]} for r in rows]})
                say.append(f"{target.name}的{label}，各地规定不同。")
                say += [spoken(f"{r['region']}：{r['text']}") for r in rows]
            if aspect == "deadline" and target.kind == "item":
                line = fact_blocks.completion_line(kb, target.id, provisions)
                if line:
                    say.append(spoken(line))
    if not say:   # how-to steps, rules, policy … : the answer's own sentences
        say = [spoken(line.lstrip("·• ")) for line in reply.text.splitlines() if line.strip()]
        say = [x for x in say if x][:MAX_SAY]
        facts = [{"item": "", "aspect": "", "region": "", "guide": "", "row": "", "text": line.strip()}
                 for line in reply.text.splitlines() if "依据：" in line]
    return {
        "kind": "answer",
        "say": say[: MAX_SAY * 3],
        "ask_next": next_question(kb, tracker, ask, targets, differences),
        "facts": facts,
        "differences": differences,
    }


def next_question(kb, tracker: Any, ask: Ask, targets: List[Target], differences: List[Dict[Text, Any]]) -> Text:
    """What the agent asks the caller next, in the order a call goes."""
    if differences and not ask.region:
        regions = "、".join(dict.fromkeys(r["region"] for d in differences for r in d["by_region"]))
        return f"请向来电人确认办理地（{regions}），再按当地规定答复。"
    state = tracker.get_slot("application")
    if isinstance(state, dict) and state.get("stage") in ("filling", "confirming", "paused"):
        return "请向来电人确认是否继续填写申请。"
    unselected = [t for t in targets if t.kind == "item" and t.id not in ask.selected]
    if unselected:
        return f"请问来电人是否要办理“{unselected[0].name}”？需要的话可为其选上并代为申请。"
    if ask.selected:
        return f"请问来电人是否现在办理已选的{ks.names(kb, ask.selected)}？可以说“开始申请”代为填写。"
    return "请问来电人还有其他问题吗？"


def notice_script(text: Text, ask_next: Optional[Text] = None) -> Dict[Text, Any]:
    """Any other reply in the agent register: its sentences to read, and what to ask next."""
    say = [spoken(line.lstrip("·• ")) for line in text.splitlines() if line.strip()]
    return {"kind": "notice", "say": [x for x in say if x][:MAX_SAY], "ask_next": ask_next,
            "facts": [], "differences": []}


def attach_agent_script(kb, dispatcher: Any, tracker: Any, reply: Reply) -> None:
    """In the agent register only: the answer's script as a custom payload after its text."""
    from actions.agent.register import is_agent

    if not is_agent(tracker):
        return
    try:
        script = answer_script(kb, tracker, reply)
    except Exception:   # the citizen-worded answer above still stands
        logging.getLogger(__name__).exception("agent script failed")
        script = notice_script(reply.text)
    dispatcher.utter_message(json_message={"agent": script})

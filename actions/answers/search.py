"""Passage search, for questions the structured answers do not cover."""
from __future__ import annotations

import logging
import os
from typing import Any, Iterable, List, Optional, Text

from actions.answers.render import cite, s

logger = logging.getLogger(__name__)

# kb.search scores are in [0, 1]; unrelated questions score below 0.2
# (knowledge/README.md). A question whose act is known to be a question gets
# a lower bar than one the classifier was unsure about.
SEARCH_MIN_SCORE = float(os.environ.get("KB_SEARCH_MIN_SCORE", "0.2"))
POLICY_MIN_SCORE = float(os.environ.get("KB_POLICY_MIN_SCORE", "0.12"))
MAX_PASSAGE_CHARS = 400


def search_passages(kb, text: Text, topics: Iterable[Text] = (), k: int = 5,
                    min_score: Optional[float] = None) -> List[Any]:
    if not text:
        return []
    try:
        passages = kb.search(text, k=k)
    except Exception:
        logger.exception("kb.search failed")
        return []
    bar = SEARCH_MIN_SCORE if min_score is None else min_score
    good = [p for p in passages if p.score >= bar]
    topics = set(topics)
    if topics:
        preferred = [p for p in good if getattr(p, "topic", "") in topics]
        if preferred:
            return preferred
    return good


def passage_body(passage: Any) -> Text:
    """Title (with its region when the title does not name it) and text, no citation."""
    text = s(passage.text)
    if len(text) > MAX_PASSAGE_CHARS:
        cut = text[:MAX_PASSAGE_CHARS]
        stop = max(cut.rfind("。"), cut.rfind("；"))
        text = (cut[: stop + 1] if stop > MAX_PASSAGE_CHARS // 2 else cut.rstrip()) + "……"
    title = s(getattr(passage, "title", ""))
    region = s(getattr(passage, "region", None)) or s(getattr(passage.source, "region", None))
    if title and region and region not in title:
        title = f"{region}：{title}"
    head = f"【{title}】\n" if title and title not in text[:40] else ""
    return f"{head}{text}"


def passage_text(passage: Any) -> Text:
    return f"{passage_body(passage)}\n（依据：{cite(passage.source)}）"


def passages_text(passages: List[Any]) -> Text:
    """Several passages; consecutive ones from the same guide share one citation."""
    out: List[Text] = []
    group: List[Any] = []
    for p in passages + [None]:
        if group and (p is None or getattr(p.source, "guide_id", p.source) != getattr(group[-1].source, "guide_id", group[-1].source)):
            sources = list(dict.fromkeys(cite(g.source) for g in group))
            out.append("\n".join(passage_body(g) for g in group) + f"\n（依据：{'；'.join(sources)}）")
            group = []
        if p is not None:
            group.append(p)
    return "\n\n".join(out)


def answer_from_passages(passages: List[Any]) -> Text:
    best = passages[0]
    parts = [passage_text(best)]
    for other in passages[1:2]:
        if (other.score >= best.score * 0.9 and other.source != best.source and other.text != best.text
                and not mostly_same(other.text, best.text)):
            parts.append(passage_text(other))
    return "\n\n".join(parts)


def mostly_same(a: Text, b: Text) -> bool:
    """Do two passages share half of their sentences (揭阳's three bundles' steps differ in one line)?"""
    import re

    def sentences(t: Text) -> set:
        return {x.strip() for x in re.split(r"[\n。]", s(t)) if len(x.strip()) >= 6}
    sa, sb = sentences(a), sentences(b)
    return bool(sa and sb) and len(sa & sb) * 2 >= min(len(sa), len(sb))


def answer_from_search(kb, text: Text, topics: Iterable[Text] = (), min_score: Optional[float] = None) -> Optional[Text]:
    passages = search_passages(kb, text, topics, min_score=min_score)
    return answer_from_passages(passages) if passages else None

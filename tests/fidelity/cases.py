"""The question set of the fidelity test, generated from knowledge/.

Each case is (text, items, services, aspects, region): the question a citizen
types and what it asks about (the reading an answer must follow). Nothing is
typed by hand except the sentence frames:

* every item × {materials, deadline, eligibility, channel};
* every bundle overview (“<bundle>需要什么材料”: the items of its table);
* every 湖南 service × {materials, deadline} (services that are items are
  asked with 湖南 in the question), and “<service>是什么” for the others;
* region-scoped variants: every region × every item × {materials, deadline}
  (“我是揭阳的，失业登记需要什么材料”), including items that region's guides
  lack (“揭阳求职登记…”), and 湖南 service names with the region
  (“湖南办就业登记要什么材料”);
* combined questions: materials + deadline of one item, one aspect of two
  neighbouring table rows (“工伤认定申请和工伤保险待遇先行支付申请分别需要什么材料”),
  traditional characters;
* every 湖南 service with cases × deregistration (“哪些情形会注销失业登记”:
  all 10 cases) and with 不得/严禁 rules × rules.
"""
from __future__ import annotations

from typing import Iterator, NamedTuple, Optional, Tuple

FRAMES = {
    "materials": "{name}需要什么材料",
    "deadline": "{name}多久能办好",
    "eligibility": "{name}需要什么条件",
    "channel": "{name}在哪里办理",
}
REGION_FRAMES = {
    "materials": ("我是{region}的，{name}需要什么材料", "{region}办{name}要什么材料"),
    "deadline": ("我在{region}，{name}多久能办好", "{region}{name}要多长时间"),
}


class Case(NamedTuple):
    text: str
    items: Tuple[str, ...]
    services: Tuple[str, ...]
    aspects: Tuple[str, ...]
    region: Optional[str]

    @property
    def id(self) -> str:
        what = ",".join(self.items + self.services) or "-"
        return f"{what}|{'+'.join(self.aspects)}|{self.region or '-'}|{self.text}"


def item_cases(kb) -> Iterator[Case]:
    for item in kb.items.values():
        for aspect, frame in FRAMES.items():
            yield Case(frame.format(name=item.name), (item.id,), (), (aspect,), None)


def bundle_cases(kb) -> Iterator[Case]:
    for b in kb.bundles.values():
        # the bundle's table (the bundle guide's rows); single items of other guides are asked one by one
        table = tuple(i for i in b.item_ids if kb.item(i).kind == "bundle_item")
        yield Case(f"{b.name}需要什么材料", table, (), ("overview", "materials"), None)


def service_cases(kb) -> Iterator[Case]:
    for s in kb.services.values():
        region = s.source.region
        for aspect in ("materials", "deadline"):
            if s.item_id is not None:
                text = REGION_FRAMES[aspect][1].format(region=region, name=s.name)
                yield Case(text, (s.item_id,), (s.id,), (aspect,), region)
            else:
                yield Case(FRAMES[aspect].format(name=s.name), (), (s.id,), (aspect,), None)
                yield Case(REGION_FRAMES[aspect][1].format(region=region, name=s.name), (), (s.id,), (aspect,),
                           region)
        if s.item_id is None:
            # what it is: its own text, no other service's appended
            yield Case(f"{s.name}是什么", (), (s.id,), ("policy",), None)


def region_cases(kb) -> Iterator[Case]:
    for region in kb.regions:
        for item in kb.items.values():
            for aspect, frames in REGION_FRAMES.items():
                yield Case(frames[0].format(region=region, name=item.name), (item.id,), (), (aspect,), region)


def rule_cases(kb) -> Iterator[Case]:
    """湖南's cases of 注销 (all of them) and the 不得 rules of a registration."""
    for s in kb.services.values():
        items = (s.item_id,) if s.item_id else ()
        if s.cases:
            yield Case(f"哪些情形会{s.name}", items, (s.id,), ("deregistration",), None)
        if any(r.kind == "prohibition" for r in s.requirements):
            yield Case(f"办理{s.name}时，经办机构不得要求什么", items, (s.id,), ("rules",), None)


def combined_cases(kb) -> Iterator[Case]:
    """Several aspects of one item, the same aspect of two neighbouring rows, and
    traditional characters: every part must be answered for its own item."""
    import zhconv

    for item in kb.items.values():
        yield Case(f"{item.name}要什么材料，多久能办好", (item.id,), (), ("materials", "deadline"), None)
        yield Case(zhconv.convert(FRAMES["materials"].format(name=item.name), "zh-hant"), (item.id,), (),
                   ("materials",), None)
    for b in kb.bundles.values():
        rows = [i for i in b.item_ids if kb.item(i).kind == "bundle_item"]
        for a, c in zip(rows, rows[1:]):
            names = (kb.item(a).name, kb.item(c).name)
            yield Case("{}和{}分别需要什么材料".format(*names), (a, c), (), ("materials",), None)
            yield Case("{}和{}各要多久".format(*names), (a, c), (), ("deadline",), None)


def all_cases(kb) -> list[Case]:
    seen = set()
    out = []
    for gen in (item_cases, bundle_cases, service_cases, region_cases, rule_cases, combined_cases):
        for c in gen(kb):
            if c.text not in seen:
                seen.add(c.text)
                out.append(c)
    return out


__all__ = ["Case", "all_cases", "item_cases", "bundle_cases", "service_cases", "region_cases"]

"""What a question can be about: an item of a bundle, or a 湖南 service that is no item.

Both are read through the same shape (``provisions``: one per region's guide),
so every fact block works for either.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, List, Optional, Text, Tuple


@dataclass(frozen=True)
class Target:
    kind: Text          # "item" | "service"
    id: Text
    name: Text
    provisions: Tuple[Any, ...]

    def in_region(self, region: Optional[Text]) -> List[Any]:
        return [p for p in self.provisions if p.region == region]

    @property
    def regions(self) -> List[Text]:
        return list(dict.fromkeys(p.region for p in self.provisions))


def item_target(kb, item_id: Text) -> Target:
    item = kb.items[item_id]
    return Target("item", item.id, item.name, tuple(item.provisions))


def service_provision(service: Any) -> Any:
    """A 湖南 service read like an item's provision."""
    source = service.source
    materials = tuple(getattr(service, "materials", ()) or ())
    return SimpleNamespace(
        region=getattr(source, "region", "") or "",
        source=source,
        materials=materials,
        materials_status="listed" if materials else "not_stated",
        materials_text=getattr(service, "materials_text", None),
        external_system=getattr(service, "external_system", None),
        deadline=getattr(service, "deadline", None),
        deadline_note=None,
        eligibility=getattr(service, "eligibility", None),
        agency=getattr(service, "agency", None),
        agency_label=getattr(service, "agency_label", None),
        channels=tuple(getattr(service, "channels", ()) or ()),
        channels_text=getattr(service, "channels_text", None),
        requirements=tuple(getattr(service, "requirements", ()) or ()),
        cases=tuple(getattr(service, "cases", ()) or ()),
        note=None,
        service_id=service.id,
    )


def service_target(kb, service_id: Text) -> Target:
    service = kb.services[service_id]
    return Target("service", service.id, service.name, (service_provision(service),))


def targets_of(kb, item_ids: List[Text], service_ids: List[Text]) -> List[Target]:
    out = [item_target(kb, i) for i in item_ids if i in kb.items]
    out += [service_target(kb, s) for s in service_ids if s in getattr(kb, "services", {})]
    return out

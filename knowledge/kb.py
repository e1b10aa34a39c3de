"""The KnowledgeBase object returned by load_kb()."""
from __future__ import annotations

import datetime as dt

from . import deadlines as _deadlines
from . import forms as _forms
from . import materials as _materials
from . import selection as _selection
from .errors import UnknownId
from .models import Passage


class KnowledgeBase:
    def __init__(self, *, bundles, items, services, link_rules, forms, howto_raw, differences,
                 lexicon, guides, data_dir, contrasts=()):
        self.bundles = bundles            # dict[str, Bundle], insertion-ordered
        self.items = items                # dict[str, Item]
        self.services = services          # dict[str, Service] (湖南)
        self._link_rules = link_rules
        self.forms = forms                # list[FormSection] (all sections)
        self.differences = differences    # list[Difference]
        self.lexicon = lexicon            # dict (language data, not facts)
        self.guides = guides              # dict[guide id, raw guide metadata]
        self.data_dir = data_dir
        self.contrasts = contrasts        # tuple of word groups that tell names apart (resolve)
        self.howto = [
            Passage(id=h["id"], title=h["title"], text="\n".join(h["steps"]), source=src, item_id=None,
                    topic=h["topic"], region=h["region"], bundle_id=h.get("bundle_id"))
            for h, src in howto_raw
        ]
        self._howto_raw = howto_raw
        self._resolver = None
        self._index = None

    # -- lookups ---------------------------------------------------------------
    def item(self, item_id: str):
        try:
            return self.items[item_id]
        except (KeyError, TypeError):
            raise UnknownId(f"unknown item id {item_id!r}") from None

    def bundle(self, bundle_id: str):
        try:
            return self.bundles[bundle_id]
        except (KeyError, TypeError):
            raise UnknownId(f"unknown bundle id {bundle_id!r}") from None

    def service(self, service_id: str):
        try:
            return self.services[service_id]
        except (KeyError, TypeError):
            raise UnknownId(f"unknown service id {service_id!r}") from None

    def bundle_of(self, item_id: str):
        return self.bundle(self.item(item_id).bundle_id)

    # -- regions -------------------------------------------------------------------
    @property
    def regions(self) -> list:
        """Regions with a guide, in the order their facts appear (揭阳, 北京, 湖南)."""
        seen = [g["region"] for g in self.guides.values()]
        return list(dict.fromkeys(seen))

    def item_in_region(self, item_id: str, region: str) -> bool:
        """Does that region's guide have this item? (揭阳 has no 求职登记 row.)"""
        return self.item(item_id).provision(region) is not None

    def items_in_region(self, region: str) -> list:
        return [iid for iid, it in self.items.items() if it.provision(region) is not None]

    def provision(self, item_id: str, region: str):
        """The item's provision of that region, or None when that guide lacks it."""
        return self.item(item_id).provision(region)

    def service_in_region(self, service_id: str, region: str) -> bool:
        return self.service(service_id).source.region == region

    def service_of(self, item_id: str):
        """The 湖南 service an item's 湖南 provision comes from, or None."""
        for p in self.item(item_id).provisions:
            if p.service_id:
                return self.services[p.service_id]
        return None

    def rules_for(self, item_id: str, region: str | None = None) -> list:
        """Link rules of this item (what selecting it pulls in), each with its region."""
        self.item(item_id)
        return [r for r in self._link_rules if r.item_id == item_id and (region is None or r.region == region)]

    @property
    def link_rules(self):
        return list(self._link_rules)

    # -- selection ---------------------------------------------------------------
    def expand_selection(self, item_ids, region: str | None = None):
        return _selection.expand_selection(self, item_ids, region)

    def required_by(self, item_id: str, selection, region: str | None = None):
        return _selection.required_by(self, item_id, selection, region)

    # -- materials / deadlines / forms ------------------------------------------
    def materials_checklist(self, item_ids, region: str | None = None):
        return _materials.materials_checklist(self, item_ids, region)

    def deadlines(self, item_ids):
        return _deadlines.deadlines(self, item_ids)

    def expected_completion(self, item_id: str, submitted: dt.date):
        return _deadlines.expected_completion(self, item_id, submitted)

    def form_sections(self, item_ids):
        return _forms.form_sections(self, item_ids)

    # -- language ------------------------------------------------------------------
    @property
    def resolver(self):
        if self._resolver is None:
            from .resolve import Resolver

            self._resolver = Resolver(self)
        return self._resolver

    def resolve(self, text: str, bundle_id: str | None = None, region: str | None = None):
        """Items and 湖南 services named in `text` ([Match], text order, with ambiguity)."""
        return self.resolver.resolve(text, bundle_id, region)

    def resolve_items(self, text: str, bundle_id: str | None = None, region: str | None = None):
        return self.resolver.resolve_items(text, bundle_id, region)

    def resolve_services(self, text: str, region: str | None = None):
        return self.resolver.resolve_services(text, region)

    def regions_in(self, text: str) -> list:
        """Regions with a guide named in `text` (揭阳/揭阳市, 北京, 湖南/湖南省), text order."""
        return self.resolver.regions_in(text)

    def resolve_bundle(self, text: str):
        return self.resolver.resolve_bundle(text)

    @property
    def index(self):
        if self._index is None:
            from .search import SearchIndex

            self._index = SearchIndex(self)
        return self._index

    @property
    def passages(self):
        return self.index.passages

    def passage(self, passage_id: str):
        return self.index.passage(passage_id)

    def search(self, question: str, k: int = 5):
        return self.index.search(question, k)

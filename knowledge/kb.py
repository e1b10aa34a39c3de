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
                 lexicon, guides, data_dir):
        self.bundles = bundles            # dict[str, Bundle], insertion-ordered
        self.items = items                # dict[str, Item]
        self.services = services          # dict[str, Service] (湖南)
        self._link_rules = link_rules
        self.forms = forms                # list[FormSection] (all sections)
        self.differences = differences    # list[Difference]
        self.lexicon = lexicon            # dict (language data, not facts)
        self.guides = guides              # dict[guide id, raw guide metadata]
        self.data_dir = data_dir
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

    def resolve_items(self, text: str, bundle_id: str | None = None):
        return self.resolver.resolve_items(text, bundle_id)

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

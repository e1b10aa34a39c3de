"""Schema of the YAML files in knowledge/data and a small validator.

Every error is raised as KnowledgeError(file, field_path, message), e.g.
``items/talent.yml: items[3].provisions[0].deadline.kind: 'weeks' is not one of ...``.
Unknown keys are errors too (they are usually typos).
"""
from __future__ import annotations

import re
from typing import Any

from .errors import KnowledgeError
from .models import DEADLINE_KINDS, FIELD_TYPES, MATERIAL_STATUSES, REGIONS

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
PASSAGE_ID_RE = re.compile(r"^[a-z][a-z0-9_.]*$")
GUIDE_ID_RE = re.compile(r"^\d{3}$")


class Node:
    def __init__(self, required: bool = True, nullable: bool = False):
        self.required = required
        self.nullable = nullable

    def check(self, value: Any, file: str, path: str) -> None:
        if value is None:
            if not self.nullable:
                raise KnowledgeError(file, path, "must not be empty")
            return
        self._check(value, file, path)

    def _check(self, value, file, path):  # pragma: no cover - abstract
        raise NotImplementedError


class Str(Node):
    def __init__(self, required=True, nullable=False, choices=None, pattern=None, nonempty=True):
        super().__init__(required, nullable)
        self.choices = choices
        self.pattern = pattern
        self.nonempty = nonempty

    def _check(self, value, file, path):
        if not isinstance(value, str):
            raise KnowledgeError(file, path, f"expected text, got {type(value).__name__} {value!r}")
        if self.nonempty and not value.strip():
            raise KnowledgeError(file, path, "must not be empty")
        if self.choices is not None and value not in self.choices:
            raise KnowledgeError(file, path, f"{value!r} is not one of {list(self.choices)}")
        if self.pattern is not None and not self.pattern.match(value):
            raise KnowledgeError(file, path, f"{value!r} does not match {self.pattern.pattern}")


class Int(Node):
    def __init__(self, required=True, nullable=False, minimum=None):
        super().__init__(required, nullable)
        self.minimum = minimum

    def _check(self, value, file, path):
        if isinstance(value, bool) or not isinstance(value, int):
            raise KnowledgeError(file, path, f"expected an integer, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise KnowledgeError(file, path, f"must be >= {self.minimum}, got {value}")


class Bool(Node):
    def _check(self, value, file, path):
        if not isinstance(value, bool):
            raise KnowledgeError(file, path, f"expected true/false, got {value!r}")


class Any_(Node):
    def _check(self, value, file, path):
        return None


class List(Node):
    def __init__(self, of: Node, required=True, nullable=False, min_len=0):
        super().__init__(required, nullable)
        self.of = of
        self.min_len = min_len

    def _check(self, value, file, path):
        if not isinstance(value, list):
            raise KnowledgeError(file, path, f"expected a list, got {type(value).__name__}")
        if len(value) < self.min_len:
            raise KnowledgeError(file, path, f"needs at least {self.min_len} entries")
        for i, v in enumerate(value):
            self.of.check(v, file, f"{path}[{i}]")


class Map(Node):
    def __init__(self, fields: dict, required=True, nullable=False):
        super().__init__(required, nullable)
        self.fields = fields

    def _check(self, value, file, path):
        if not isinstance(value, dict):
            raise KnowledgeError(file, path, f"expected a mapping, got {type(value).__name__}")
        prefix = f"{path}." if path else ""
        for key in value:
            if key not in self.fields:
                raise KnowledgeError(file, f"{prefix}{key}",
                                     f"unknown field (allowed: {', '.join(self.fields)})")
        for key, node in self.fields.items():
            if key not in value:
                if node.required:
                    raise KnowledgeError(file, f"{prefix}{key}", "missing required field")
                continue
            node.check(value[key], file, f"{prefix}{key}")


class Dict(Node):
    def __init__(self, value: Node, required=True, nullable=False):
        super().__init__(required, nullable)
        self.value = value

    def _check(self, value, file, path):
        if not isinstance(value, dict):
            raise KnowledgeError(file, path, f"expected a mapping, got {type(value).__name__}")
        for k, v in value.items():
            if not isinstance(k, str):
                raise KnowledgeError(file, f"{path}.{k}", "keys must be text")
            self.value.check(v, file, f"{path}.{k}")


def opt(node: Node) -> Node:
    node.required = False
    node.nullable = True
    return node


SOURCE_REF = Map({"guide": Str(pattern=GUIDE_ID_RE), "section": Str()})

CHANNEL = Map({
    "kind": Str(choices=("online", "offline")),
    "name": Str(),
    "url": opt(Str()),
    "source_section": opt(Str()),
})

MATERIAL = Map({
    "text": Str(),
    "name": opt(Str()),
    "note": opt(Str()),
    "quantity": opt(Str()),
    "condition": opt(Str()),
    "applicant": opt(Str()),
    "parts": opt(List(Str())),
})

PHASE = Map({
    "text": Str(), "label": Str(), "kind": Str(choices=DEADLINE_KINDS),
    "days": opt(Int(minimum=0)), "starts": opt(Str()),
    "extension_text": opt(Str()), "extension_days": opt(Int(minimum=1)),
    "max_days": opt(Int(minimum=1)),
})

DEADLINE = Map({
    "text": Str(),
    "kind": Str(choices=DEADLINE_KINDS),
    "days": opt(Int(minimum=0)),
    "extension_text": opt(Str()),
    "extension_days": opt(Int(minimum=1)),
    "max_days": opt(Int(minimum=1)),
    "phases": opt(List(PHASE)),
    "condition": opt(Str()),
    "starts": opt(Str()),
})

EXTERNAL = Map({"name": opt(Str()), "url": Str(pattern=re.compile(r"^https?://")),
                "instruction": opt(Str()), "note": opt(Str())})

ELIGIBILITY = Map({
    "text": Str(),
    "age_min": opt(Int(minimum=0)),
    "age_min_inclusive": opt(Bool()),
    "age_max_text": opt(Str()),
    "conditions": opt(List(Str())),
    "who": opt(Str()),
})

REQUIREMENT = Map({
    "number": Str(nonempty=False),
    "kind": Str(choices=("general", "prohibition", "verification", "process", "rule")),
    "text": Str(),
    "cases": opt(List(Int(minimum=1))),
})

PROVISION = Map({
    "region": Str(choices=REGIONS),
    "source": opt(SOURCE_REF),
    "from_service": opt(Str(pattern=ID_RE)),
    "guide_name": opt(Str()),
    "materials_status": opt(Str(choices=MATERIAL_STATUSES)),
    "materials_text": opt(Str()),
    "materials": opt(List(MATERIAL)),
    "common_materials": opt(Bool()),
    "deadline": opt(DEADLINE),
    "deadline_note": opt(Str()),
    "external_system": opt(EXTERNAL),
    "channels": opt(List(CHANNEL)),
    "eligibility": opt(ELIGIBILITY),
    "agency": opt(Str()),
    "note": opt(Str()),
    "source_note": opt(Str()),       # how the data was read from the guide; never shown to users
})

ITEM = Map({
    "id": Str(pattern=ID_RE),
    "name": Str(),
    "seq": opt(Int(minimum=1)),
    "kind": Str(choices=("bundle_item", "single_item")),
    "aliases": List(Str(), min_len=1),
    "patterns": opt(List(Str())),
    "provisions": List(PROVISION, min_len=1),
})

ITEMS_FILE = Map({"bundle": Str(pattern=ID_RE), "items": List(ITEM, min_len=1)})

SOURCES_FILE = Map({"guides": List(Map({
    "id": Str(pattern=GUIDE_ID_RE),
    "file": Str(),
    "title": Str(),
    "issuer": Str(),
    "issuer_short": Str(),
    "region": Str(choices=REGIONS),
    "date": opt(Str(pattern=re.compile(r"^\d{4}-\d{2}-\d{2}$"))),
    "note": opt(Str()),
    "channels": opt(List(CHANNEL)),
}), min_len=1)})

BUNDLES_FILE = Map({"bundles": List(Map({
    "id": Str(pattern=ID_RE),
    "name": Str(),
    "short_name": Str(),
    "aliases": opt(List(Str())),
    "issuer": Str(),
    "region": Str(choices=REGIONS),
    "source": SOURCE_REF,
    "description": Str(),
    "summary": Str(),
    "common_materials": Map({
        "source": SOURCE_REF,
        "rows_with_text": List(Int(minimum=1), min_len=1),
        "text": Str(),
        "materials": List(MATERIAL, min_len=1),
        "source_note": opt(Str()),   # never shown to users
    }),
}), min_len=1)})

SERVICES_FILE = Map({"services": List(Map({
    "id": Str(pattern=ID_RE),
    "number": Str(),
    "name": Str(),
    "aliases": opt(List(Str())),
    "item_id": opt(Str(pattern=ID_RE)),
    "source": SOURCE_REF,
    "agency_label": opt(Str(choices=("受理机构", "经办机构", "服务机构"))),
    "agency": opt(Str()),
    "target_label": opt(Str(choices=("受理对象", "服务对象"))),
    "eligibility": opt(ELIGIBILITY),
    "channels_text": opt(Str()),
    "channels": opt(List(CHANNEL)),
    "materials_text": opt(Str()),
    "materials": opt(List(MATERIAL)),
    "deadline": opt(DEADLINE),
    "content": opt(Str()),
    "schedule": opt(Str()),
    "requirements": opt(List(REQUIREMENT)),
    "cases": opt(List(Map({"number": Int(minimum=1), "text": Str()}))),
    "quotas": opt(Map({"period": Str(), "entries": List(Map({"what": Str(), "times": Int(minimum=1)}))})),
    "external_system": opt(EXTERNAL),
}), min_len=1)})

LINK_RULES_FILE = Map({"link_rules": List(Map({
    "item_id": Str(pattern=ID_RE),
    "requires": List(Str(pattern=ID_RE), min_len=1),
    "region": Str(choices=REGIONS),
    "source": SOURCE_REF,
    "quote": Str(),
    "summary": Str(),
    "reason": Str(),
}))})

FIELD = Map({
    "id": Str(pattern=ID_RE),
    "label": Str(),
    "type": Str(choices=FIELD_TYPES),
    "required": Bool(),
    "choices": opt(List(Str())),
    "choices_open": opt(Bool()),
    "choices_from_cases": opt(Str(pattern=ID_RE)),
    "choices_source": opt(SOURCE_REF),
    "depends_on": opt(Str(pattern=ID_RE)),
    "choices_by": opt(Dict(List(Str(), min_len=1))),
    "show_if": opt(Map({"field": Str(pattern=ID_RE), "equals": Any_()})),
    "auto_from": opt(Str()),
    "confirm_of": opt(Str(pattern=ID_RE)),
    "display_only": opt(Bool()),
    "only_for": opt(List(Str(pattern=ID_RE))),
    "alt_labels": opt(List(Str())),
    "note": opt(Str()),
    "source": opt(SOURCE_REF),
})

FORMS_FILE = Map({"sections": List(Map({
    "id": Str(pattern=ID_RE),
    "title": Str(),
    "item_ids": Any_(),          # "all" or a list of item ids (checked by the loader)
    "derived": opt(Bool()),
    "source": SOURCE_REF,
    "note": opt(Str()),
    "fields": List(FIELD, min_len=1),
}), min_len=1)})

HOWTO_FILE = Map({"howto": List(Map({
    "id": Str(pattern=PASSAGE_ID_RE),
    "region": Str(choices=REGIONS),
    "bundle_id": opt(Str(pattern=ID_RE)),
    "topic": Str(),
    "title": Str(),
    "source": SOURCE_REF,
    "also_in": opt(List(Str(pattern=GUIDE_ID_RE))),
    "steps": List(Str(), min_len=1),
    "statuses": opt(List(Str())),
}), min_len=1)})

DIFFERENCES_FILE = Map({"differences": List(Map({
    "id": Str(pattern=ID_RE),
    "title": Str(),
    "topic": Str(),
    "items": List(Str(pattern=ID_RE)),
    "text": Str(),
    "variants": List(Map({"source": SOURCE_REF, "quote": Str(), "statuses": opt(List(Str()))}), min_len=2),
}))})

LEXICON_FILE = Map({
    "stopwords": List(Str()),
    "topic_targets": Dict(List(Str())),
    "topics": Dict(List(Str())),
    "synonyms": Dict(List(Str())),
    "distractors": List(Str()),
    "aspects": Dict(List(Str())),
    "aspect_patterns": Dict(List(Str())),
    "fallback_patterns": Dict(List(Str())),
    "places": Dict(List(Str())),
    "aspect_anchors": Dict(Map({"anchors": List(Str()), "otherwise": Str()})),
    "rule_topics": List(Str()),
    "procedure_topics": Dict(List(Str())),
    "dialect": Dict(Str()),
    "all_bundles": List(Str()),
    "in_person": List(Str()),
    "common_once": List(Str()),
    "where_to_look": List(Str()),
    "name_fillers": List(Str()),
    "howto_topics": Dict(List(Str())),
    "weak_cues": List(Str()),
    "question_markers": List(Str()),
    "act_cues": Dict(List(Str())),
    "situations": Dict(List(Str())),
})

CONTRASTS_FILE = Map({"contrasts": List(List(Str(), min_len=2), min_len=1)})

FILE_SCHEMAS = {
    "sources.yml": SOURCES_FILE,
    "bundles.yml": BUNDLES_FILE,
    "services.yml": SERVICES_FILE,
    "link_rules.yml": LINK_RULES_FILE,
    "forms.yml": FORMS_FILE,
    "howto.yml": HOWTO_FILE,
    "differences.yml": DIFFERENCES_FILE,
    "lexicon.yml": LEXICON_FILE,
    "contrasts.yml": CONTRASTS_FILE,
}


def validate(data: Any, schema: Node, file: str) -> None:
    schema.check(data, file, "")

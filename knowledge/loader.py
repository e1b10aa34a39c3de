"""Read knowledge/data/*.yml, validate (schema.py + cross references), build the KB."""
from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from . import schema
from .phrases import not_stated
from .errors import KnowledgeError
from .models import (Bundle, Case, Channel, Deadline, Difference, Eligibility, ExternalSystem,
                     FieldDef, FormSection, Item, LinkRule, Material, Phase, Provision, Quota,
                     Requirement, Service, ShowIf, Source)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping names the same key twice (YAML would silently keep the last one)."""


class _Loader(_BaseLoader):
    """Safe loader that rejects duplicate keys in any mapping."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # unhashable key: the base constructor reports it
                    continue
                if first is not None:
                    raise DuplicateKeyError(
                        "while constructing a mapping", node.start_mark,
                        f"duplicate key {key!r} (first at line {first.line + 1})", key_node.start_mark)
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _read(path: Path) -> Any:
    name = _display(path)
    if not path.is_file():
        raise KnowledgeError(name, "(file)", "file not found")
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(yaml)"
        raise KnowledgeError(name, where, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None


class _Ctx:
    """Holds the raw documents and builds model objects, raising KnowledgeError."""

    def __init__(self, data_dir: Path):
        self.dir = data_dir
        self.guides: dict[str, dict] = {}
        self.guide_channels: dict[str, tuple] = {}

    def file(self, rel: str) -> tuple[str, Any]:
        path = self.dir / rel
        name = _display(path)
        doc = _read(path)
        node = schema.FILE_SCHEMAS.get(rel, schema.ITEMS_FILE if rel.startswith("items/") else None)
        if node is None:  # pragma: no cover - programming error
            raise KnowledgeError(name, "(file)", "no schema for this file")
        if doc is None:
            raise KnowledgeError(name, "(top level)", "file is empty")
        if not isinstance(doc, dict):
            raise KnowledgeError(name, "(top level)", "expected a mapping")
        schema.validate(doc, node, name)
        return name, doc

    # -- sources ---------------------------------------------------------
    def source(self, ref: dict, file: str, path: str) -> Source:
        gid = ref["guide"]
        g = self.guides.get(gid)
        if g is None:
            raise KnowledgeError(file, f"{path}.guide", f"unknown guide {gid!r} (known: {sorted(self.guides)})")
        return Source(guide=g["file"], title=g["title"], region=g["region"], issuer=g["issuer"],
                      date=g.get("date"), section=ref["section"], guide_id=gid,
                      issuer_short=g["issuer_short"])

    # -- small builders --------------------------------------------------
    @staticmethod
    def material(d: dict, kind: str) -> Material:
        return Material(name=d.get("name") or d["text"], note=d.get("note"), quantity=d.get("quantity"),
                        kind=kind, text=d["text"], condition=d.get("condition"),
                        applicant=d.get("applicant"), parts=tuple(d.get("parts") or ()))

    @staticmethod
    def deadline(d: dict | None, file: str, path: str) -> Deadline | None:
        if d is None:
            return None
        _check_deadline(d, file, path)
        phases = tuple(Phase(text=p["text"], label=p["label"], kind=p["kind"], days=p.get("days"),
                             starts=p.get("starts"), extension_text=p.get("extension_text"),
                             extension_days=p.get("extension_days"), max_days=p.get("max_days"))
                       for p in d.get("phases") or ())
        for i, p in enumerate(d.get("phases") or ()):
            _check_deadline(p, file, f"{path}.phases[{i}]", whole=d["text"])
            if p["text"] not in d["text"]:
                raise KnowledgeError(file, f"{path}.phases[{i}].text", "must be a part of the deadline text")
        return Deadline(text=d["text"], kind=d["kind"], days=d.get("days"),
                        extension_text=d.get("extension_text"), extension_days=d.get("extension_days"),
                        max_days=d.get("max_days"), phases=phases, condition=d.get("condition"),
                        starts=d.get("starts"))

    @staticmethod
    def channels(lst) -> tuple:
        return tuple(Channel(kind=c["kind"], name=c["name"], url=c.get("url")) for c in lst or ())

    @staticmethod
    def eligibility(d: dict | None) -> Eligibility | None:
        if d is None:
            return None
        return Eligibility(text=d["text"], age_min=d.get("age_min"),
                           age_min_inclusive=d.get("age_min_inclusive"),
                           age_max_text=d.get("age_max_text"), conditions=tuple(d.get("conditions") or ()),
                           who=d.get("who"))

    @staticmethod
    def external(d: dict | None) -> ExternalSystem | None:
        if d is None:
            return None
        return ExternalSystem(name=d.get("name"), url=d["url"], instruction=d.get("instruction"),
                              note=d.get("note"))


def _check_deadline(d: dict, file: str, path: str, whole: str | None = None) -> None:
    kind = d["kind"]
    if kind in ("working_days", "calendar_days"):
        if d.get("days") is None:
            raise KnowledgeError(file, f"{path}.days", f"required when kind is {kind}")
        if str(d["days"]) not in d["text"]:
            raise KnowledgeError(file, f"{path}.days", f"{d['days']} does not appear in text {d['text']!r}")
    elif d.get("days") is not None:
        raise KnowledgeError(file, f"{path}.days", f"must be empty when kind is {kind}")
    if d.get("extension_days") is not None and not d.get("extension_text"):
        raise KnowledgeError(file, f"{path}.extension_text", "required when extension_days is set")
    if d.get("extension_text") and d["extension_text"] not in (whole or d["text"]):
        raise KnowledgeError(file, f"{path}.extension_text", "must be a part of text")


def load_data(data_dir: Path | str | None = None):
    """Load and validate every file; return a KnowledgeBase."""
    from .kb import KnowledgeBase

    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    if not data_dir.is_dir():
        raise KnowledgeError(_display(data_dir), "(directory)", "knowledge data directory not found")
    ctx = _Ctx(data_dir)

    # sources ------------------------------------------------------------
    f, doc = ctx.file("sources.yml")
    for i, g in enumerate(doc["guides"]):
        if g["id"] in ctx.guides:
            raise KnowledgeError(f, f"guides[{i}].id", f"duplicate guide id {g['id']!r}")
        ctx.guides[g["id"]] = g
        ctx.guide_channels[g["id"]] = ctx.channels(g.get("channels"))
    guide_meta = {g["id"]: g for g in doc["guides"]}

    # services (湖南) -----------------------------------------------------
    f, doc = ctx.file("services.yml")
    services: dict[str, Service] = {}
    service_raw: dict[str, dict] = {}
    for i, s in enumerate(doc["services"]):
        p = f"services[{i}]"
        if s["id"] in services:
            raise KnowledgeError(f, f"{p}.id", f"duplicate service id {s['id']!r}")
        quotas = s.get("quotas") or {}
        services[s["id"]] = Service(
            id=s["id"], number=s["number"], name=s["name"], source=ctx.source(s["source"], f, f"{p}.source"),
            aliases=tuple(s.get("aliases") or ()),
            item_id=s.get("item_id"), agency_label=s.get("agency_label"), agency=s.get("agency"),
            target_label=s.get("target_label"), eligibility=ctx.eligibility(s.get("eligibility")),
            channels=ctx.channels(s.get("channels")), channels_text=s.get("channels_text"),
            materials=tuple(ctx.material(m, "other") for m in s.get("materials") or ()),
            materials_text=s.get("materials_text"),
            deadline=ctx.deadline(s.get("deadline"), f, f"{p}.deadline"),
            content=s.get("content"), schedule=s.get("schedule"),
            requirements=tuple(Requirement(text=r["text"], kind=r["kind"], number=r["number"],
                                           cases=tuple(r.get("cases") or ())) for r in s.get("requirements") or ()),
            cases=tuple(Case(number=c["number"], text=c["text"]) for c in s.get("cases") or ()),
            quotas=tuple(Quota(what=q["what"], times=q["times"]) for q in quotas.get("entries") or ()),
            quota_period=quotas.get("period"), external_system=ctx.external(s.get("external_system")),
        )
        service_raw[s["id"]] = (f, p)
        if s.get("aliases") and s.get("item_id"):
            raise KnowledgeError(f, f"{p}.aliases", "a service that is an item is named by the item's aliases")
        for j, c in enumerate(s.get("cases") or ()):
            if c["number"] != j + 1:
                raise KnowledgeError(f, f"{p}.cases[{j}].number", f"expected {j + 1}, got {c['number']}")

    # bundles --------------------------------------------------------------
    f, doc = ctx.file("bundles.yml")
    bundle_raw: dict[str, dict] = {}
    bundle_file = f
    for i, b in enumerate(doc["bundles"]):
        if b["id"] in bundle_raw:
            raise KnowledgeError(f, f"bundles[{i}].id", f"duplicate bundle id {b['id']!r}")
        b = dict(b)
        b["_path"] = f"bundles[{i}]"
        bundle_raw[b["id"]] = b

    # items ----------------------------------------------------------------
    items: dict[str, Item] = {}
    bundle_items: dict[str, list] = {bid: [] for bid in bundle_raw}
    alias_owner: dict[str, tuple[str, str, str]] = {}
    item_files = {}
    items_dir = data_dir / "items"
    if not items_dir.is_dir():
        raise KnowledgeError(_display(items_dir), "(directory)", "items directory not found")
    for path in sorted(items_dir.glob("*.yml")):
        f, doc = ctx.file(f"items/{path.name}")
        bid = doc["bundle"]
        if bid not in bundle_raw:
            raise KnowledgeError(f, "bundle", f"unknown bundle {bid!r} (known: {list(bundle_raw)})")
        if bid in item_files:
            raise KnowledgeError(f, "bundle", f"bundle {bid!r} already defined in {item_files[bid]}")
        item_files[bid] = f
        braw = bundle_raw[bid]
        bundle_guide = braw["source"]["guide"]
        common = tuple(ctx.material(m, "common") for m in braw["common_materials"]["materials"])
        seqs = []
        for i, it in enumerate(doc["items"]):
            p = f"items[{i}]"
            iid = it["id"]
            if iid in items:
                raise KnowledgeError(f, f"{p}.id", f"duplicate item id {iid!r}")
            if it["kind"] == "bundle_item" and it.get("seq") is None:
                raise KnowledgeError(f, f"{p}.seq", "bundle items need the row number of the guide table")
            if it.get("seq") is not None:
                seqs.append((it["seq"], p))
            for j, a in enumerate(it["aliases"]):
                key = _alias_key(a)
                other = alias_owner.get(key)
                if other and other[0] != iid:
                    raise KnowledgeError(f, f"{p}.aliases[{j}]",
                                         f"alias {a!r} is also an alias of {other[0]!r} ({other[1]}); "
                                         "aliases must not be ambiguous across items")
                alias_owner[key] = (iid, f, a)
            provisions = []
            regions_seen = set()
            for k, pr in enumerate(it["provisions"]):
                pp = f"{p}.provisions[{k}]"
                provisions.append(_build_provision(ctx, pr, f, pp, iid, services, common, bundle_guide))
                if pr["region"] in regions_seen:
                    raise KnowledgeError(f, f"{pp}.region", f"second provision for region {pr['region']}")
                regions_seen.add(pr["region"])
            provisions = tuple(provisions)
            primary = _primary(provisions, bundle_guide)
            items[iid] = Item(id=iid, name=it["name"], bundle_id=bid, seq=it.get("seq"),
                              aliases=tuple(it["aliases"]), kind=it["kind"], provisions=provisions,
                              primary=primary, patterns=tuple(it.get("patterns") or ()))
            bundle_items[bid].append(iid)
            for j, pat in enumerate(it.get("patterns") or ()):
                try:
                    re.compile(pat)
                except re.error as exc:
                    raise KnowledgeError(f, f"{p}.patterns[{j}]", f"invalid regular expression: {exc}") from None
        expected = list(range(1, len(seqs) + 1))
        if [s for s, _ in seqs] != expected:
            raise KnowledgeError(f, "items[].seq", f"row numbers must be 1..{len(seqs)} in order, got {[s for s, _ in seqs]}")

    # kb.items follows the bundle order of bundles.yml, then menu order
    items = {iid: items[iid] for bid in bundle_raw for iid in bundle_items[bid]}

    for sid, s in services.items():
        if s.item_id is not None and s.item_id not in items:
            sf, sp = service_raw[sid]
            raise KnowledgeError(sf, f"{sp}.item_id", f"unknown item {s.item_id!r}")
        for j, a in enumerate(s.aliases):
            k = _alias_key(a)
            other = alias_owner.get(k)
            if other and other[0] != sid:
                sf, sp = service_raw[sid]
                raise KnowledgeError(sf, f"{sp}.aliases[{j}]",
                                     f"alias {a!r} is also an alias of {other[0]!r} ({other[1]}); "
                                     "aliases must not be ambiguous across items and services")
            alias_owner[k] = (sid, service_raw[sid][0], a)

    bundles: dict[str, Bundle] = {}
    for bid, b in bundle_raw.items():
        p = b["_path"]
        if not bundle_items[bid]:
            raise KnowledgeError(bundle_file, f"{p}.id", f"bundle {bid!r} has no items file in items/")
        cm = b["common_materials"]
        bundles[bid] = Bundle(
            id=bid, name=b["name"], short_name=b["short_name"], description=b["description"],
            summary=b["summary"], issuer=b["issuer"], region=b["region"],
            source=ctx.source(b["source"], bundle_file, f"{p}.source"),
            item_ids=tuple(bundle_items[bid]),
            common_materials=tuple(ctx.material(m, "common") for m in cm["materials"]),
            common_materials_source=ctx.source(cm["source"], bundle_file, f"{p}.common_materials.source"),
            common_materials_text=cm["text"], common_materials_rows=tuple(cm["rows_with_text"]),
            aliases=tuple(b.get("aliases") or ()))

    # link rules -------------------------------------------------------------
    f, doc = ctx.file("link_rules.yml")
    link_rules = []
    for i, r in enumerate(doc["link_rules"]):
        p = f"link_rules[{i}]"
        for key, ids in (("item_id", [r["item_id"]]), ("requires", r["requires"])):
            for iid in ids:
                if iid not in items:
                    raise KnowledgeError(f, f"{p}.{key}", f"unknown item {iid!r}")
        src = ctx.source(r["source"], f, f"{p}.source")
        if src.region != r["region"]:
            raise KnowledgeError(f, f"{p}.region", f"{r['region']} does not match the guide's region {src.region}")
        if r["summary"] not in r["quote"]:
            raise KnowledgeError(f, f"{p}.summary", "must be a part of the quote")
        link_rules.append(LinkRule(item_id=r["item_id"], requires=list(r["requires"]), reason=r["reason"],
                                   source=src, region=r["region"], quote=r["quote"], summary=r["summary"]))

    # forms --------------------------------------------------------------------
    f, doc = ctx.file("forms.yml")
    forms = _build_forms(ctx, doc, f, items, services)

    # how-to ---------------------------------------------------------------------
    f, doc = ctx.file("howto.yml")
    howto_raw = []
    seen = set()
    for i, h in enumerate(doc["howto"]):
        p = f"howto[{i}]"
        if h["id"] in seen:
            raise KnowledgeError(f, f"{p}.id", f"duplicate id {h['id']!r}")
        seen.add(h["id"])
        if h.get("bundle_id") is not None and h["bundle_id"] not in bundles:
            raise KnowledgeError(f, f"{p}.bundle_id", f"unknown bundle {h['bundle_id']!r}")
        src = ctx.source(h["source"], f, f"{p}.source")
        for j, g in enumerate(h.get("also_in") or ()):
            if g not in ctx.guides:
                raise KnowledgeError(f, f"{p}.also_in[{j}]", f"unknown guide {g!r}")
        howto_raw.append((h, src))

    # differences ---------------------------------------------------------------
    f, doc = ctx.file("differences.yml")
    differences = []
    for i, d in enumerate(doc["differences"]):
        p = f"differences[{i}]"
        for j, iid in enumerate(d["items"]):
            if iid not in items:
                raise KnowledgeError(f, f"{p}.items[{j}]", f"unknown item {iid!r}")
        differences.append(Difference(
            id=d["id"], title=d["title"], topic=d["topic"], text=d["text"],
            sources=tuple(ctx.source(v["source"], f, f"{p}.variants[{j}].source")
                          for j, v in enumerate(d["variants"])),
            quotes=tuple(v["quote"] for v in d["variants"]), item_ids=tuple(d["items"])))

    # lexicon ---------------------------------------------------------------------
    f, lexicon = ctx.file("lexicon.yml")
    f, doc = ctx.file("contrasts.yml")
    contrasts = tuple(tuple(pair) for pair in doc["contrasts"])

    return KnowledgeBase(bundles=bundles, items=items, services=services, link_rules=link_rules,
                         forms=forms, howto_raw=howto_raw, differences=differences, lexicon=lexicon,
                         guides=guide_meta, data_dir=data_dir, contrasts=contrasts)


_ALIAS_PUNCT = re.compile(r"[\s“”\"'《》()（）、，,。.·\-—]+")


def _alias_key(alias: str) -> str:
    # cheap key (no zhconv at load time): aliases are written in simplified Chinese
    return _ALIAS_PUNCT.sub("", unicodedata.normalize("NFKC", alias)).lower()


def _primary(provisions: tuple, bundle_guide: str) -> Provision | None:
    for p in provisions:
        if p.source.guide_id == bundle_guide and p.deadline is not None:
            return p
    for p in provisions:
        if p.deadline is not None:
            return p
    return None


def _build_provision(ctx: _Ctx, pr: dict, f: str, pp: str, iid: str, services: dict,
                     common: tuple, bundle_guide: str) -> Provision:
    sid = pr.get("from_service")
    if sid is not None:
        allowed = {"region", "from_service"}
        extra = set(pr) - allowed
        if extra:
            raise KnowledgeError(f, f"{pp}.{sorted(extra)[0]}", "not allowed with from_service (edit services.yml)")
        s = services.get(sid)
        if s is None:
            raise KnowledgeError(f, f"{pp}.from_service", f"unknown service {sid!r}")
        if s.item_id != iid:
            raise KnowledgeError(f, f"{pp}.from_service",
                                 f"service {sid!r} has item_id {s.item_id!r}, not {iid!r}")
        if s.source.region != pr["region"]:
            raise KnowledgeError(f, f"{pp}.region", f"service {sid!r} is from {s.source.region}")
        return Provision(region=pr["region"], source=s.source, materials=s.materials, deadline=s.deadline,
                         external_system=s.external_system, channels=s.channels, eligibility=s.eligibility,
                         agency=s.agency, agency_label=s.agency_label, requirements=s.requirements,
                         cases=s.cases, materials_status="listed" if s.materials else "not_stated",
                         materials_text=s.materials_text, channels_text=s.channels_text,
                         guide_name=s.name, service_id=sid)
    if pr.get("source") is None:
        raise KnowledgeError(f, f"{pp}.source", "missing required field (or use from_service)")
    src = ctx.source(pr["source"], f, f"{pp}.source")
    if src.region != pr["region"]:
        raise KnowledgeError(f, f"{pp}.region", f"{pr['region']} does not match the guide's region {src.region}")
    status = pr.get("materials_status") or "listed"
    other = tuple(ctx.material(m, "other") for m in pr.get("materials") or ())
    if status == "listed" and not other:
        raise KnowledgeError(f, f"{pp}.materials", "materials_status is 'listed' but no materials are given")
    if status != "listed" and other:
        raise KnowledgeError(f, f"{pp}.materials", f"materials_status is {status!r} but materials are given")
    if status == "external_system" and not pr.get("external_system"):
        raise KnowledgeError(f, f"{pp}.external_system", "required when materials_status is 'external_system'")
    use_common = pr.get("common_materials")
    if use_common is None:
        use_common = src.guide_id == bundle_guide
    if use_common and src.guide_id != bundle_guide:
        raise KnowledgeError(f, f"{pp}.common_materials", "common materials only apply to the bundle guide's provisions")
    materials = (common if use_common else ()) + other
    channels = ctx.channels(pr.get("channels")) or ctx.guide_channels.get(src.guide_id, ())
    deadline_note = pr.get("deadline_note")
    if pr.get("deadline") is None and deadline_note is None:
        deadline_note = not_stated("deadline")
    return Provision(region=pr["region"], source=src, materials=materials,
                     deadline=ctx.deadline(pr.get("deadline"), f, f"{pp}.deadline"),
                     external_system=ctx.external(pr.get("external_system")), channels=channels,
                     eligibility=ctx.eligibility(pr.get("eligibility")), agency=pr.get("agency"),
                     materials_status=status, materials_text=pr.get("materials_text"),
                     guide_name=pr.get("guide_name"), note=pr.get("note"), deadline_note=deadline_note,
                     source_note=pr.get("source_note"))


def _build_forms(ctx: _Ctx, doc: dict, f: str, items: dict, services: dict) -> list:
    sections = []
    seen = set()
    for i, s in enumerate(doc["sections"]):
        p = f"sections[{i}]"
        if s["id"] in seen:
            raise KnowledgeError(f, f"{p}.id", f"duplicate section id {s['id']!r}")
        seen.add(s["id"])
        ids = s["item_ids"]
        if ids == "all":
            item_ids = ["all"]
        elif isinstance(ids, list) and ids:
            for j, iid in enumerate(ids):
                if iid not in items:
                    raise KnowledgeError(f, f"{p}.item_ids[{j}]", f"unknown item {iid!r}")
            item_ids = list(ids)
        else:
            raise KnowledgeError(f, f"{p}.item_ids", "expected 'all' or a non-empty list of item ids")
        derived = bool(s.get("derived"))
        if derived and not s.get("note"):
            raise KnowledgeError(f, f"{p}.note", "derived sections must say what they are derived from")
        sec_src = ctx.source(s["source"], f, f"{p}.source")
        field_ids = [fd["id"] for fd in s["fields"]]
        fields = []
        for j, fd in enumerate(s["fields"]):
            fp = f"{p}.fields[{j}]"
            if field_ids.count(fd["id"]) > 1:
                raise KnowledgeError(f, f"{fp}.id", f"duplicate field id {fd['id']!r} in section")
            choices = tuple(fd.get("choices") or ())
            if fd.get("choices_from_cases"):
                svc = services.get(fd["choices_from_cases"])
                if svc is None or not svc.cases:
                    raise KnowledgeError(f, f"{fp}.choices_from_cases", f"no service with cases {fd['choices_from_cases']!r}")
                choices = tuple(c.text for c in svc.cases)
            choices_by = {k: tuple(v) for k, v in (fd.get("choices_by") or {}).items()}
            if fd["type"] == "choice" and not choices and not choices_by:
                raise KnowledgeError(f, f"{fp}.choices", "a choice field needs choices or choices_by")
            if choices_by:
                dep = fd.get("depends_on")
                if dep not in field_ids:
                    raise KnowledgeError(f, f"{fp}.depends_on", f"must name a field of this section, got {dep!r}")
                dep_choices = next(x.get("choices") for x in s["fields"] if x["id"] == dep)
                if set(choices_by) != set(dep_choices or ()):
                    raise KnowledgeError(f, f"{fp}.choices_by", f"keys must be the choices of {dep!r}: {dep_choices}")
            show_if = None
            if fd.get("show_if"):
                if fd["show_if"]["field"] not in field_ids:
                    raise KnowledgeError(f, f"{fp}.show_if.field", f"unknown field {fd['show_if']['field']!r}")
                show_if = ShowIf(field=fd["show_if"]["field"], equals=fd["show_if"]["equals"])
            if fd.get("confirm_of") and fd["confirm_of"] not in field_ids:
                raise KnowledgeError(f, f"{fp}.confirm_of", f"unknown field {fd['confirm_of']!r}")
            if fd.get("auto_from") and fd["auto_from"].isascii() and fd["auto_from"] not in field_ids:
                raise KnowledgeError(f, f"{fp}.auto_from", f"unknown field {fd['auto_from']!r}")
            for k, iid in enumerate(fd.get("only_for") or ()):
                if iid not in items:
                    raise KnowledgeError(f, f"{fp}.only_for[{k}]", f"unknown item {iid!r}")
            fsrc = ctx.source(fd["source"], f, f"{fp}.source") if fd.get("source") else sec_src
            csrc = ctx.source(fd["choices_source"], f, f"{fp}.choices_source") if fd.get("choices_source") else None
            fields.append(FieldDef(
                id=fd["id"], label=fd["label"], type=fd["type"], required=fd["required"], choices=choices,
                choices_open=bool(fd.get("choices_open")), depends_on=fd.get("depends_on"),
                choices_by=choices_by, show_if=show_if, auto_from=fd.get("auto_from"),
                confirm_of=fd.get("confirm_of"), display_only=bool(fd.get("display_only")),
                only_for=tuple(fd.get("only_for") or ()), alt_labels=tuple(fd.get("alt_labels") or ()),
                note=fd.get("note"), source=fsrc, choices_source=csrc, derived=derived))
        sections.append(FormSection(id=s["id"], title=s["title"], item_ids=item_ids, fields=fields,
                                    source=sec_src, derived=derived, note=s.get("note")))
    if not sections or sections[0].item_ids != ["all"]:
        raise KnowledgeError(f, "sections[0].item_ids", "the first section must be the basic info section for 'all' items")
    return sections

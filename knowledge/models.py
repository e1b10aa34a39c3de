"""Frozen dataclasses for the knowledge base (no pydantic: shared by two envs)."""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Optional

REGIONS = ("揭阳", "北京", "湖南")
DEADLINE_KINDS = ("working_days", "calendar_days", "immediate", "annual_notice", "none")
MATERIAL_STATUSES = ("listed", "none_required", "not_stated", "external_system", "provided_by_authority")
FIELD_TYPES = ("text", "id_number", "phone", "bank_card", "choice", "date", "region",
               "bool", "number", "months", "sms_code")


@dataclass(frozen=True)
class Source:
    guide: str                 # file name in shared/guides, e.g. 000_278a0aa4d74082cc.txt
    title: str                 # 失业“一件事”办事指引
    region: str
    issuer: str
    date: Optional[str]        # ISO date or None when the guide gives none
    section: str = ""
    guide_id: str = ""         # "000"
    issuer_short: str = ""

    def __str__(self) -> str:
        return f"{self.issuer_short or self.issuer}《{self.title}》"

    @property
    def citation(self) -> str:
        """Citation with section, e.g. 揭阳市人社局《失业“一件事”办事指引》二、办理材料表第1行."""
        return f"{self}{self.section}" if self.section else str(self)


@dataclass(frozen=True)
class Material:
    name: str
    note: Optional[str] = None
    quantity: Optional[str] = None
    kind: str = "other"                # 'common' | 'other'
    text: str = ""                     # verbatim guide text of this entry
    condition: Optional[str] = None    # e.g. 法院裁定终结执行的
    applicant: Optional[str] = None    # 用人单位 / 劳动者 (湖南 就业登记)
    parts: tuple = ()                  # documents named inside one numbered entry

    def display(self) -> str:
        s = self.name
        if self.quantity:
            s += f"（{self.quantity}）"
        if self.note:
            s += f"（{self.note}）"
        if self.condition and self.condition not in s:
            s = f"{self.condition}：{s}"
        return s


@dataclass(frozen=True)
class Phase:
    text: str
    label: str
    kind: str
    days: Optional[int] = None
    starts: Optional[str] = None
    extension_text: Optional[str] = None
    extension_days: Optional[int] = None
    max_days: Optional[int] = None


@dataclass(frozen=True)
class Deadline:
    text: str                          # verbatim, e.g. "21 个工作日"
    kind: str                          # one of DEADLINE_KINDS
    days: Optional[int] = None
    extension_text: Optional[str] = None
    extension_days: Optional[int] = None
    max_days: Optional[int] = None     # days including the extension
    phases: tuple = ()                 # tuple[Phase, ...]
    condition: Optional[str] = None    # 个人申报材料齐全
    starts: Optional[str] = None       # 自受理之日起


@dataclass(frozen=True)
class ExternalSystem:
    name: Optional[str]
    url: str
    instruction: Optional[str] = None
    note: Optional[str] = None


@dataclass(frozen=True)
class Channel:
    kind: str                          # 'online' | 'offline'
    name: str
    url: Optional[str] = None


@dataclass(frozen=True)
class Eligibility:
    text: str
    age_min: Optional[int] = None
    age_min_inclusive: Optional[bool] = None
    age_max_text: Optional[str] = None
    conditions: tuple = ()
    who: Optional[str] = None


@dataclass(frozen=True)
class Requirement:
    text: str
    kind: str                          # general | prohibition | verification | process | rule
    number: str = ""
    cases: tuple = ()


@dataclass(frozen=True)
class Case:
    number: int
    text: str


@dataclass(frozen=True)
class Provision:
    region: str
    source: Source
    materials: tuple = ()              # tuple[Material]: common first, then other
    deadline: Optional[Deadline] = None
    external_system: Optional[ExternalSystem] = None
    channels: tuple = ()               # tuple[Channel]
    eligibility: Optional[Eligibility] = None
    agency: Optional[str] = None
    agency_label: Optional[str] = None
    requirements: tuple = ()           # tuple[Requirement]
    cases: tuple = ()                  # tuple[Case] (湖南 deregistration)
    materials_status: str = "listed"
    materials_text: Optional[str] = None   # verbatim cell / line
    channels_text: Optional[str] = None
    guide_name: Optional[str] = None   # the item's name as written in that guide
    note: Optional[str] = None
    deadline_note: Optional[str] = None
    service_id: Optional[str] = None   # 湖南 service this provision comes from
    source_note: Optional[str] = None  # how the data was read from the guide; never shown to users

    @property
    def common_materials(self) -> tuple:
        return tuple(m for m in self.materials if m.kind == "common")

    @property
    def other_materials(self) -> tuple:
        return tuple(m for m in self.materials if m.kind == "other")


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    bundle_id: str
    seq: Optional[int]
    aliases: tuple
    kind: str                          # 'bundle_item' | 'single_item'
    provisions: tuple                  # tuple[Provision]
    primary: Optional[Provision]
    patterns: tuple = ()               # regexes for colloquial phrasings (resolve)

    def provision(self, region: str) -> Optional[Provision]:
        for p in self.provisions:
            if p.region == region:
                return p
        return None

    @property
    def regions(self) -> tuple:
        return tuple(p.region for p in self.provisions)


@dataclass(frozen=True)
class Bundle:
    id: str
    name: str
    short_name: str
    description: str
    summary: str
    issuer: str
    region: str
    source: Source
    item_ids: tuple
    common_materials: tuple            # tuple[Material]
    common_materials_source: Source
    common_materials_text: str
    common_materials_rows: tuple
    aliases: tuple = ()

    @property
    def common_once_rule(self) -> str:
        """The summary's clause on the shared papers, verbatim (不同事项的共性材料只需提供1份), or ""."""
        return next((c for c in re.split(r"[，。；]", self.summary or "") if "共性材料" in c), "")


@dataclass(frozen=True)
class LinkRule:
    item_id: str
    requires: list
    reason: str
    source: Source
    region: str = ""
    quote: str = ""
    summary: str = ""                  # verbatim part of quote: 失业登记和求职登记两项联办


@dataclass(frozen=True)
class SelectedItem:
    item_id: str
    added_by: Optional[str] = None
    reason: Optional[str] = None
    region: Optional[str] = None       # where the link rule that added it is documented (北京)
    source: Optional[Source] = None    # that rule's guide
    summary: Optional[str] = None      # the rule, verbatim and short (see LinkRule.summary)

    @property
    def linked(self) -> bool:
        return self.added_by is not None


@dataclass(frozen=True)
class Candidate:
    """Something a user's words may mean: an item or a 湖南 service."""
    kind: str                          # 'item' | 'service'
    id: str
    name: str


@dataclass(frozen=True)
class Match:
    """Words of a message that name an item or a 湖南 service (see resolve.py)."""
    kind: str                          # 'item' | 'service'
    id: str
    score: float                       # 1.0 exact, 0.95 pattern, < 0.9 fuzzy
    matched: str
    start: int = -1
    ambiguous_with: tuple = ()         # tuple[Candidate]: as close as this one; ask the user
    name: str = ""                     # the item's / service's name

    @property
    def ambiguous(self) -> bool:
        return bool(self.ambiguous_with)

    @property
    def candidates(self) -> tuple:
        """This match first, then the others the words may mean (one button each)."""
        return (Candidate(self.kind, self.id, self.name),) + tuple(self.ambiguous_with)


@dataclass(frozen=True)
class ItemMatch:
    item_id: str
    score: float
    matched: str
    start: int = -1                    # position in the normalised text
    ambiguous_with: tuple = ()         # tuple[Candidate]: other items/services the words may mean

    @property
    def ambiguous(self) -> bool:
        return bool(self.ambiguous_with)


@dataclass(frozen=True)
class ServiceMatch:
    service_id: str
    score: float
    matched: str
    start: int = -1
    item_id: Optional[str] = None      # set when the words named the item this service is
    ambiguous_with: tuple = ()         # tuple[Candidate]

    @property
    def ambiguous(self) -> bool:
        return bool(self.ambiguous_with)


@dataclass(frozen=True)
class ChecklistEntry:
    material: Material
    needed_by: list
    source: Source


@dataclass(frozen=True)
class ItemDeadline:
    item_id: str
    deadline: Optional[Deadline]
    source: Optional[Source]
    note: str


@dataclass(frozen=True)
class Completion:
    date: Optional[_dt.date]
    text: str
    estimated: bool
    note: str


@dataclass(frozen=True)
class ShowIf:
    field: str
    equals: object


@dataclass(frozen=True)
class FieldDef:
    id: str
    label: str
    type: str
    required: bool
    choices: tuple = ()
    choices_open: bool = False
    depends_on: Optional[str] = None
    choices_by: dict = field(default_factory=dict, hash=False, compare=False)
    show_if: Optional[ShowIf] = None
    auto_from: Optional[str] = None
    confirm_of: Optional[str] = None
    display_only: bool = False
    only_for: tuple = ()
    alt_labels: tuple = ()
    note: Optional[str] = None
    source: Optional[Source] = None
    choices_source: Optional[Source] = None
    derived: bool = False


@dataclass(frozen=True)
class FormSection:
    id: str
    title: str
    item_ids: list
    fields: list
    source: Optional[Source] = None
    derived: bool = False
    note: Optional[str] = None


@dataclass(frozen=True)
class Quota:
    what: str
    times: int


@dataclass(frozen=True)
class Service:
    """A procedure of 湖南省《基层公共就业服务经办规程》."""
    id: str
    number: str
    name: str
    source: Source
    aliases: tuple = ()
    item_id: Optional[str] = None
    agency_label: Optional[str] = None
    agency: Optional[str] = None
    target_label: Optional[str] = None
    eligibility: Optional[Eligibility] = None
    channels: tuple = ()
    channels_text: Optional[str] = None
    materials: tuple = ()
    materials_text: Optional[str] = None
    deadline: Optional[Deadline] = None
    content: Optional[str] = None
    schedule: Optional[str] = None
    requirements: tuple = ()
    cases: tuple = ()
    quotas: tuple = ()
    quota_period: Optional[str] = None
    external_system: Optional[ExternalSystem] = None


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    text: str
    source: Source
    score: float = 0.0
    item_id: Optional[str] = None
    topic: str = ""
    region: Optional[str] = None
    bundle_id: Optional[str] = None


@dataclass(frozen=True)
class Difference:
    id: str
    title: str
    topic: str
    text: str
    sources: tuple                     # tuple[Source]
    quotes: tuple                      # tuple[str]
    item_ids: tuple = ()

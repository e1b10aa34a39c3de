"""Enumerations of the case feature. Enum *values* are what the API shows;
the database stores the member *names* (ASCII, stable)."""
from __future__ import annotations

from enum import Enum


class CaseStatus(str, Enum):
    pending = "待办"
    in_progress = "办理中"
    completed = "已办结"
    returned = "已退回"

    @classmethod
    def parse(cls, value: "str | CaseStatus") -> "CaseStatus":
        """Accept the Chinese value (待办) or the code (pending)."""
        if isinstance(value, CaseStatus):
            return value
        text = str(value).strip()
        for member in cls:
            if text in (member.value, member.name):
                return member
        raise ValueError(f"unknown status {value!r}")


class Channel(str, Enum):
    web = "web"
    wechat = "wechat"
    hotline = "hotline"


class ActorType(str, Enum):
    applicant = "applicant"
    system = "system"
    worker = "worker"
    agent = "agent"


ACTOR_LABELS = {
    ActorType.applicant: "申请人",
    ActorType.system: "系统",
    ActorType.worker: "工作人员",
    ActorType.agent: "12333坐席",
}


class EventKind(str, Enum):
    created = "created"
    transition = "transition"
    resubmitted = "resubmitted"

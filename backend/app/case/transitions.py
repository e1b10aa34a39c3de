"""The status machine of cases and their items, and the events it writes.

Both a case and each of its items follow the same machine:

    待办 pending ──► 办理中 in_progress ──► 已办结 completed
        │                  │
        └──────► 已退回 returned ◄──┘
                      │
                      └──► 待办 pending   (only by the applicant's resubmission)

How the case status follows its items (and the other way round):

* Case-level transition (no item_id) cascades to the items:
  - case 待办 → 办理中: every 待办 item becomes 办理中;
  - case 办理中 → 已办结: every 办理中 item becomes 已办结; refused (409) while an
    item is still 待办 or 已退回;
  - case 待办/办理中 → 已退回: every item not yet 已办结 becomes 已退回 with the
    same reason and resubmit list.
* Item-level transition, then the case follows:
  - an item becomes 已退回 → the case becomes 已退回 (if it is not already);
  - an item becomes 办理中 while the case is 待办 → the case becomes 办理中;
  - every item 已办结 → the case becomes 已办结.
* Resubmission (applicant): case 已退回 → 待办 and every 已退回 item → 待办;
  other items keep their status.

Every status change, of the case or of an item, appends one CaseEvent.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from backend.app import catalog
from backend.app.case.enums import ActorType, CaseStatus, EventKind
from backend.app.case.models import Case, CaseEvent, CaseItem
from backend.app.core.timeutil import utcnow

S = CaseStatus

ALLOWED: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.pending: frozenset({S.in_progress, S.returned}),
    S.in_progress: frozenset({S.completed, S.returned}),
    S.returned: frozenset({S.pending}),
    S.completed: frozenset(),
}
# Staff may move things forward or return them; 待办 is reached only by resubmission.
STAFF_TARGETS = frozenset({S.in_progress, S.completed, S.returned})


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: str | None = None


SYSTEM = Actor(ActorType.system, None)


class IllegalTransition(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_allowed(current: CaseStatus, target: CaseStatus) -> bool:
    return target in ALLOWED[current]


def _append(
    case: Case,
    *,
    kind: EventKind,
    actor: Actor,
    from_status: CaseStatus | None,
    to_status: CaseStatus,
    item_id: str | None = None,
    reason: str | None = None,
    resubmit: Iterable[str] = (),
) -> CaseEvent:
    event = CaseEvent(
        kind=kind,
        actor_type=actor.type,
        actor_id=actor.id,
        at=utcnow(),
        from_status=from_status,
        to_status=to_status,
        item_id=item_id,
        reason=reason,
        resubmit=list(resubmit),
    )
    case.events.append(event)
    return event


def record_creation(case: Case, actor: Actor) -> None:
    _append(case, kind=EventKind.created, actor=actor, from_status=None, to_status=case.status)


def _set_case(case: Case, target: CaseStatus, actor: Actor, reason=None, resubmit=(), kind=EventKind.transition):
    previous = case.status
    case.status = target
    case.updated_at = utcnow()
    _append(case, kind=kind, actor=actor, from_status=previous, to_status=target, reason=reason, resubmit=resubmit)


def _set_item(item: CaseItem, target: CaseStatus, actor: Actor, reason=None, resubmit=(), kind=EventKind.transition):
    previous = item.status
    item.status = target
    item.updated_at = utcnow()
    _append(
        item.case,
        kind=kind,
        actor=actor,
        from_status=previous,
        to_status=target,
        item_id=item.item_id,
        reason=reason,
        resubmit=resubmit,
    )


def _refuse(current: CaseStatus, target: CaseStatus, what: str) -> IllegalTransition:
    if current == target:
        return IllegalTransition(f"{what}已是“{target.value}”状态，无需变更。")
    if target is S.pending:
        return IllegalTransition("“待办”状态只能由申请人补正材料、重新提交后产生。")
    return IllegalTransition(f"{what}当前为“{current.value}”，不能变更为“{target.value}”。")


def transition_case(
    case: Case, target: CaseStatus, actor: Actor, reason: str | None, resubmit: list[str]
) -> None:
    if target not in STAFF_TARGETS or not is_allowed(case.status, target):
        raise _refuse(case.status, target, "案件")
    if target is S.completed:
        blocking = [i for i in case.items if i.status in (S.pending, S.returned)]
        if blocking:
            names = "、".join(catalog.item_name(i.item_id) for i in blocking)
            raise IllegalTransition(f"以下事项尚未办理完毕，不能办结整个案件：{names}。请先办理这些事项。")
    _set_case(case, target, actor, reason, resubmit)
    for item in case.items:
        if target is S.in_progress and item.status is S.pending:
            _set_item(item, S.in_progress, actor, reason)
        elif target is S.completed and item.status is S.in_progress:
            _set_item(item, S.completed, actor, reason)
        elif target is S.returned and item.status in (S.pending, S.in_progress):
            _set_item(item, S.returned, actor, reason, resubmit)


def transition_item(
    case: Case,
    item_id: str,
    target: CaseStatus,
    actor: Actor,
    reason: str | None,
    resubmit: list[str],
) -> None:
    item = case.item(item_id)
    if item is None:
        raise LookupError(item_id)
    what = f"事项“{catalog.item_name(item_id)}”"
    if target not in STAFF_TARGETS or not is_allowed(item.status, target):
        raise _refuse(item.status, target, what)
    _set_item(item, target, actor, reason, resubmit)
    # The case follows its items.
    if target is S.returned and case.status is not S.returned:
        _set_case(case, S.returned, actor, reason, resubmit)
    elif target is S.in_progress and case.status is S.pending:
        _set_case(case, S.in_progress, actor, reason)
    elif all(i.status is S.completed for i in case.items) and is_allowed(case.status, S.completed):
        _set_case(case, S.completed, actor, reason)


def resubmit(case: Case, actor: Actor, note: str | None) -> None:
    if case.status is not S.returned:
        raise IllegalTransition(
            f"案件当前为“{case.status.value}”，只有“已退回”的案件才需要补正后重新提交。"
        )
    _set_case(case, S.pending, actor, note, kind=EventKind.resubmitted)
    for item in case.items:
        if item.status is S.returned:
            _set_item(item, S.pending, actor, note, kind=EventKind.resubmitted)

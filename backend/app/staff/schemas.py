"""Bodies of the staff endpoints."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.app.case.enums import ActorType, CaseStatus
from backend.app.case.schemas import CaseHeaderOut
from backend.app.lookup.schemas import LookupItem, MaskedApplicant, MaskedFormValue
from backend.app.fields import FreeText, Identifier, RequestModel
from knowledge.personal_data import mask_text


class StaffItemStatus(BaseModel):
    item_id: str
    name: str
    status: CaseStatus
    status_code: str


class StaffCaseSummary(CaseHeaderOut):
    applicant_name: str = Field(examples=["张*"], description="脱敏姓名")
    items: list[StaffItemStatus]


class StaffCaseList(BaseModel):
    total: int
    page: int
    page_size: int
    cases: list[StaffCaseSummary]


class StaffEvent(BaseModel):
    id: int
    at: datetime
    kind: str = Field(description="created / transition / resubmitted")
    item_id: str | None
    item_name: str | None
    from_status: CaseStatus | None
    to_status: CaseStatus
    actor_type: ActorType
    actor_id: str | None
    reason: str | None
    resubmit: list[str]


class StaffCaseDetail(CaseHeaderOut):
    applicant: MaskedApplicant
    form: list[MaskedFormValue] = Field(description="申请表（银行卡号、证件号、手机号已脱敏）")
    items: list[LookupItem]
    events: list[StaffEvent]


class RevealRequest(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "核对银行卡开户信息"}]})

    reason: FreeText(200, 2) = Field(description="查看完整个人信息的事由（记入审计）")

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        value = mask_text(value.strip())
        if len(value) < 2:
            raise ValueError("请填写查看完整信息的事由。")
        return value


class FullApplicant(BaseModel):
    name: str
    id_number: str
    phone: str


class RevealResponse(BaseModel):
    case_number: str
    applicant: FullApplicant
    form: list[MaskedFormValue] = Field(description="申请表完整内容（未脱敏）")
    revealed_at: datetime
    audit_id: int


class TransitionRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"to_status": "办理中"},
                {
                    "to_status": "已退回",
                    "reason": "身份证复印件不清晰",
                    "resubmit": ["清晰的身份证正反面复印件"],
                },
                {"to_status": "completed", "item_id": "job_seeker_registration"},
            ]
        },
    )

    to_status: CaseStatus = Field(description="目标状态：办理中 / 已办结 / 已退回（也接受 in_progress / completed / returned）")
    reason: FreeText(500) | None = Field(default=None, description="原因；退回时必填")
    resubmit: list[FreeText(200)] = Field(
        default_factory=list,
        max_length=30,
        description="需补正的材料或信息；退回时必填")
    item_id: Identifier | None = Field(default=None, description="只变更某个事项时填写；为空表示整个案件")

    @field_validator("to_status", mode="before")
    @classmethod
    def _status(cls, value):
        if isinstance(value, str):
            try:
                return CaseStatus.parse(value)
            except ValueError:
                raise ValueError("目标状态应为 办理中 / 已办结 / 已退回 之一。") from None
        return value

    @field_validator("reason")
    @classmethod
    def _clean_reason(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = mask_text(value.strip())
        return value or None

    @field_validator("resubmit")
    @classmethod
    def _clean_list(cls, value: list[str]) -> list[str]:
        cleaned = []
        for entry in value:
            entry = mask_text(entry.strip())
            if entry and entry not in cleaned:
                cleaned.append(entry)
        return cleaned


class SignInRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"username": "zhangsan", "password": "…"}]}
    )

    username: FreeText(64, 1) = Field(description="用户名（由 create-staff --username 创建）")
    password: str = Field(min_length=1, max_length=256, description="密码")


class StaffWhoAmI(BaseModel):
    staff_id: str = Field(examples=["account-3"])
    username: str | None = Field(description="用户名；用令牌访问时为 null")
    name: str = Field(examples=["张三"])
    role: str = Field(examples=["worker"], description="worker 办事员 / agent 12333坐席（只读）")
    role_label: str = Field(examples=["办事员"])
    signed_in_at: datetime | None = None
    expires_at: datetime | None = Field(default=None, description="会话最迟结束时间（登录后固定时长）")
    idle_expires_at: datetime | None = Field(default=None, description="若此前一直未操作，会话在此时结束")


class SignInResponse(StaffWhoAmI):
    token: str = Field(description="会话令牌，只返回这一次（网页服务器将其存入 HttpOnly Cookie）")


class CatalogItem(BaseModel):
    id: str
    name: str


class CatalogBundle(BaseModel):
    id: str
    name: str
    items: list[CatalogItem]


class StaffCatalog(BaseModel):
    bundles: list[CatalogBundle] = Field(description="“一件事”及其事项（来自知识库），供工作台筛选")

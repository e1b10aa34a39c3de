"""Request and response bodies of the case endpoints (submission, resubmission)
and the pieces shared with lookup and staff views."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from backend.app.case.enums import CaseStatus, Channel
from backend.app.fields import MAX_FORM_KEYS, FormValue, FreeText, Identifier, RequestModel
from knowledge.personal_data import normalize_id_number, normalize_mobile, normalize_phone_last4

_NAME_BAD = re.compile(r"[\d\x00-\x1f<>{}\[\]@#$%^&*=+|\\/~`]")

EXAMPLE_CREATE = {
    "bundle_id": "unemployment",
    "item_ids": ["unemployment_benefit"],
    "channel": "web",
    "applicant": {"name": "张三", "id_number": "44520019900101123X", "phone": "13812345678"},
    "form": {},
}


class ApplicantIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50, description="申请人姓名")
    id_number: str = Field(max_length=40, description="18位居民身份证号码（GB 11643），末位X大小写均可")
    phone: str = Field(max_length=20, description="11位手机号码，1[3-9]开头")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("请填写申请人姓名。")
        if _NAME_BAD.search(value):
            raise ValueError("姓名中不能包含数字或特殊符号，请核对后重新输入。")
        return value

    @field_validator("id_number")
    @classmethod
    def _id(cls, value: str) -> str:
        return normalize_id_number(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalize_mobile(value)


class SubmittingAgent(RequestModel):
    """The 12333 agent who submits on a caller's behalf (channel hotline only)."""

    staff_id: Identifier = Field(description="坐席的工作人员编号")
    name: str = Field(min_length=1, max_length=64, description="坐席姓名")


class CaseCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_CREATE]})

    bundle_id: Identifier = Field(description="“一件事”编号：unemployment / talent / labor_rights")
    item_ids: list[Identifier] = Field(min_length=1, max_length=50, description="所选事项编号；关联事项由系统自动补充")
    channel: Channel = Field(description="受理渠道：web / wechat / hotline")
    applicant: ApplicantIn
    form: dict[Annotated[str, StringConstraints(max_length=64)], FormValue] = Field(
        default_factory=dict,
        max_length=MAX_FORM_KEYS,
        description="申请表字段：{字段编号: 值}，值为文本、数字或 true/false；字段定义见知识库 form_sections",
    )
    agent: SubmittingAgent | None = Field(
        default=None, description="代为申请的12333坐席（仅 channel=hotline）；记入案件与创建事件"
    )

    @field_validator("agent")
    @classmethod
    def _agent_on_hotline(cls, value, info):
        if value is not None and info.data.get("channel") not in (None, Channel.hotline):
            raise ValueError("只有12333热线渠道的申请可以记录代办坐席。")
        return value


class BundleOut(BaseModel):
    id: str = Field(examples=["unemployment"])
    name: str = Field(examples=["失业“一件事”"])


class CaseHeaderOut(BaseModel):
    """What every view of a case starts with (lookup, staff list, staff detail)."""

    case_number: str = Field(examples=["SY20261122-7K3F9Q"])
    bundle: BundleOut
    channel: Channel
    status: CaseStatus = Field(description="待办 / 办理中 / 已办结 / 已退回")
    status_code: str = Field(description="pending / in_progress / completed / returned")
    submitted_at: datetime
    updated_at: datetime


class CaseItemOut(BaseModel):
    item_id: str = Field(examples=["unemployment_registration"])
    name: str = Field(examples=["失业登记"])
    status: CaseStatus = Field(description="待办 / 办理中 / 已办结 / 已退回")
    status_code: str = Field(description="pending / in_progress / completed / returned")
    expected_completion: date | None = Field(
        description="预计办结日期（按工作日及法定节假日计算）；无固定时限时为 null"
    )
    estimated: bool = Field(description="预计日期是否为估算")
    deadline_text: str = Field(description="办理时限，照录事项主要依据指引的原文；指引未规定时为空")
    note: str = Field(description="补充说明：预计日期的依据和算法，或没有预计日期的原因")
    added_by: str | None = Field(description="因哪个事项被自动关联加入；用户自选时为 null")
    reason: str | None = Field(description="自动关联的原因")


class AddedItemOut(BaseModel):
    item_id: str
    name: str
    added_by: str | None
    reason: str | None


class CaseCreated(BaseModel):
    case_number: str = Field(examples=["SY20261122-7K3F9Q"])
    status: CaseStatus
    status_code: str
    bundle: BundleOut
    channel: Channel
    submitted_at: datetime = Field(description="提交时间（北京时间，ISO 8601）")
    items: list[CaseItemOut]
    added_items: list[AddedItemOut] = Field(description="系统按关联规则自动加入的事项")
    lookup_hint: str


class ResubmitRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id_number": "44520019900101123X",
                    "phone_last4": "5678",
                    "form": {},
                    "materials_note": "已补充上传学历证书扫描件",
                }
            ]
        },
    )

    id_number: str = Field(max_length=40)
    phone_last4: str = Field(max_length=8)
    form: dict[Annotated[str, StringConstraints(max_length=64)], FormValue] | None = Field(
        default=None, max_length=MAX_FORM_KEYS, description="需要更正的申请表字段（只传修改的字段）"
    )
    materials_note: FreeText(500) | None = Field(default=None, description="补正材料说明")

    @field_validator("id_number")
    @classmethod
    def _id(cls, value: str) -> str:
        return normalize_id_number(value)

    @field_validator("phone_last4")
    @classmethod
    def _last4(cls, value: str) -> str:
        return normalize_phone_last4(value)


class ResubmitResponse(BaseModel):
    case_number: str
    status: CaseStatus
    status_code: str
    resubmitted_at: datetime
    items: list[CaseItemOut]
    message: str

"""Bodies of POST /api/v1/lookup."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.app.case.enums import CaseStatus
from backend.app.fields import RequestModel
from backend.app.case.schemas import CaseHeaderOut, CaseItemOut


class LookupRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"id_number": "44520019900101123X", "phone_last4": "5678"}]},
    )

    # Checked by the lookup service (not here) so that malformed attempts are
    # audited and rate-limited like every other attempt.
    id_number: str = Field(max_length=40, description="18位居民身份证号码")
    phone_last4: str = Field(max_length=8, description="提交申请时预留手机号的后4位")


class MaskedApplicant(BaseModel):
    name: str = Field(examples=["张*"])
    id_number: str = Field(examples=["4452**********123X"])
    phone: str = Field(examples=["138****5678"])


class MaskedFormValue(BaseModel):
    field_id: str
    label: str
    type: str
    value: object = Field(examples=["6222 **** **** 1234"])


class LookupItem(CaseItemOut):
    return_reason: str | None = Field(description="退回原因（事项为已退回时）")
    resubmit: list[str] = Field(description="需要补正的材料或信息（事项为已退回时）")


class ReturnInfo(BaseModel):
    reason: str | None
    resubmit: list[str]
    at: datetime


class TimelineEvent(BaseModel):
    at: datetime
    item_id: str | None = Field(description="事项编号；整个案件的变化为 null")
    item_name: str | None
    from_status: CaseStatus | None
    to_status: CaseStatus
    actor: str = Field(description="申请人 / 系统 / 工作人员 / 12333坐席（不含工作人员编号）")
    reason: str | None
    resubmit: list[str]


class UploadGrant(BaseModel):
    upload_token: str = Field(description="材料上传凭证（只对本案件有效，案件为待办或已退回时可用）")
    expires_at: datetime


class LookupCase(CaseHeaderOut):
    applicant: MaskedApplicant
    bank_cards: list[MaskedFormValue]
    items: list[LookupItem]
    returned: ReturnInfo | None = Field(description="案件为已退回时：退回原因和需补正内容")
    timeline: list[TimelineEvent]
    upload: UploadGrant | None = Field(default=None, description="案件为待办或已退回时：上传材料的凭证")


class LookupResponse(BaseModel):
    cases: list[LookupCase] = Field(
        description="该身份证号码且手机号后4位一致的全部案件（最新在前）；无结果与验证信息不符时同为空列表"
    )

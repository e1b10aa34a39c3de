"""Request bodies of the agent console's endpoints (call notes, handoffs, caller lookup)."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from backend.app.fields import FreeText, RequestModel
from knowledge.personal_data import mask_text

ConversationId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:\-]{1,128}$")]
CaseNumberText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9\-]{1,40}$")]
ItemId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]


def _masked(value: str) -> str:
    return mask_text(value.strip())


class CallNoteIn(RequestModel):
    conversation_id: ConversationId = Field(description="通话所在会话编号（hotline-…）")
    text: FreeText(4000, 1) = Field(description="通话小结（保存前对身份证号码、手机号、银行卡号脱敏）")
    case_numbers: list[CaseNumberText] = Field(default_factory=list, max_length=20)
    item_ids: list[ItemId] = Field(default_factory=list, max_length=50)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        value = _masked(value)
        if not value:
            raise ValueError("小结不能为空。")
        return value


class HandoffIn(RequestModel):
    conversation_id: ConversationId
    channel: Annotated[str, StringConstraints(pattern=r"^(web|wechat|hotline)$")] = "web"
    context: dict[str, Any] = Field(default_factory=dict, description="已选事项、填表进度、最后的问题、最近对话（均已脱敏）")


class MessageIn(RequestModel):
    text: FreeText(1000, 1)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        value = _masked(value)
        if not value:
            raise ValueError("请输入内容后再发送。")
        return value


class CallerLookupIn(RequestModel):
    id_number: str = Field(max_length=40, description="来电人身份证号码")
    phone_last4: str = Field(max_length=8, description="来电人口述的手机号后4位（第二验证因素）")


class OpenCaseIn(RequestModel):
    reason: FreeText(200, 2) = Field(description="查看案件完整信息的事由（记入审计）")

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        value = _masked(value)
        if len(value) < 2:
            raise ValueError("请填写查看完整信息的事由。")
        return value

"""The request body parsing shared by the JSON input channels (bot/edge.py `read_message_body`),
and that the REST and hotline channels both answer through it."""
from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from bot.channels.hotline import HotlineInput
from bot.edge import (
    MAX_BODY_BYTES,
    MAX_SENDER_CHARS,
    NOT_TEXT,
    GuardedRestInput,
    Refused,
    read_message_body,
)

BAD_JSON = [b"", None, b"{not json", b"{'sender': 'a'}", b"\xff\xfe", b"[" * 5000 + b"]" * 5000, b'{"sender": "a",}']
NOT_OBJECT = [b"[]", b'[{"sender": "a", "message": "hi"}]', b'"text"', b"null", b"12", b"true"]
BAD_SENDERS = [None, "", "   ", 5, ["a"], {"id": "a"}, "a\u0000b", "a\nb", "a\x7fb", "\ud800", "a" * (MAX_SENDER_CHARS + 1)]


def body(**fields) -> bytes:
    return json.dumps(fields, ensure_ascii=True).encode()


def refusal(raw, **kwargs) -> Refused:
    with pytest.raises(Refused) as caught:
        read_message_body(raw, **kwargs)
    return caught.value


def test_a_good_body_gives_the_object_and_its_sender():
    data, sender = read_message_body(body(sender="user-1", message="你好", metadata={"x": 1}))
    assert sender == "user-1"
    assert data == {"sender": "user-1", "message": "你好", "metadata": {"x": 1}}
    # the message is the caller's to check: a missing or odd one passes here
    assert read_message_body(body(sender="a"))[0] == {"sender": "a"}
    assert read_message_body(body(sender="a" * MAX_SENDER_CHARS, message=5))[1] == "a" * MAX_SENDER_CHARS


@pytest.mark.parametrize("raw", BAD_JSON)
def test_bad_json_is_400_bad_json(raw):
    refused = refusal(raw)
    assert (refused.status, refused.code) == (400, "BAD_JSON")
    assert refused.message == "消息格式不正确（需要JSON），请检查后重试。"


@pytest.mark.parametrize("raw", NOT_OBJECT)
def test_json_that_is_not_an_object_is_400_bad_request(raw):
    refused = refusal(raw)
    assert (refused.status, refused.code) == (400, "BAD_REQUEST")
    assert refused.message == "消息格式不正确：需要包含 sender 和 message 的JSON对象。"


def test_a_body_over_the_limit_is_413_before_it_is_parsed():
    filler = "x" * (MAX_BODY_BYTES - len(body(sender="a", message="")))
    at_limit = body(sender="a", message=filler)
    assert len(at_limit) == MAX_BODY_BYTES
    assert read_message_body(at_limit)[1] == "a"
    over = body(sender="a", message=filler + "x")
    refused = refusal(over)
    assert (refused.status, refused.code, refused.message) == (413, "TOO_LARGE", "提交的内容过大，请精简后分几次发送。")
    assert refusal(b"{" * (MAX_BODY_BYTES + 1)).status == 413  # not even valid JSON: the size comes first


@pytest.mark.parametrize("sender", BAD_SENDERS, ids=repr)
def test_a_missing_or_invalid_sender_is_400_bad_sender(sender):
    refused = refusal(body(sender=sender, message="hi"))
    assert (refused.status, refused.code) == (400, "BAD_SENDER")
    assert refused.message == f"缺少有效的会话标识 sender（1至{MAX_SENDER_CHARS}个字符的文本）。"


def test_no_sender_at_all_is_400_bad_sender():
    assert refusal(body(message="hi")).code == "BAD_SENDER"


def test_a_channels_own_sender_rule_and_message():
    rule = {"sender_rule": lambda s: s.startswith("hotline-"), "bad_sender_text": "坐席会话标识应以 hotline- 开头。"}
    assert read_message_body(body(sender="hotline-7", message="hi"), **rule)[1] == "hotline-7"
    for sender in ("user-7", "Hotline-7", None, "hotline-\u0000"):
        refused = refusal(body(sender=sender, message="hi"), **rule)
        assert (refused.status, refused.code, refused.message) == (400, "BAD_SENDER", "坐席会话标识应以 hotline- 开头。")
    # the rule never widens the common checks, and the other refusals keep their own messages
    assert refusal(b"[]", **rule).code == "BAD_REQUEST"
    assert refusal(b"x" * (MAX_BODY_BYTES + 1), **rule).code == "TOO_LARGE"


def test_a_refusal_answers_as_the_error_json():
    answer = refusal(b"[]").response()
    assert answer.status == 400
    assert answer.content_type == "application/json"
    assert json.loads(answer.body) == {"error": {"code": "BAD_REQUEST", "message": "消息格式不正确：需要包含 sender 和 message 的JSON对象。"}}
    assert "需要包含".encode() in answer.body  # Chinese as it is, not \u escapes


# ---------------------------------------------------------------- both channels through the helper

AGENT = {"X-Staff-Id": "staff-3", "X-Staff-Name": quote("王坐席")}


def post(channel, raw, *, ip="127.0.0.1", headers=None, answer=True):
    """Calls the channel's POST /webhook handler; returns (status, decoded body, messages that reached Rasa)."""
    reached = []

    async def on_new_message(message):
        reached.append(message)
        if answer:
            await message.output_channel.send_text_message(message.sender_id, "好的")

    bp = channel.blueprint(on_new_message)
    receive = next(r.handler for r in bp._future_routes if r.uri == "/webhook" and "POST" in r.methods)
    request = SimpleNamespace(body=raw, ip=ip, headers={**AGENT, **(headers or {})})
    result = asyncio.run(receive(request))
    return result.status, json.loads(result.body), reached


@pytest.mark.parametrize("raw", BAD_JSON[:3] + NOT_OBJECT[:2] + [b"x" * (MAX_BODY_BYTES + 1), body(message="hi"),
                                                                     body(sender="a\u0000b", message="hi")])
def test_rest_and_hotline_refuse_a_bad_body_alike(raw):
    rest = post(GuardedRestInput(), raw)
    hotline = post(HotlineInput(), raw)
    assert rest[0] in (400, 413) and not rest[2] and not hotline[2]
    if rest[1]["error"]["code"] == "BAD_SENDER":  # the hotline names its own rule
        assert hotline[:2] == (400, {"error": {"code": "BAD_SENDER", "message": "坐席会话标识应以 hotline- 开头。"}})
    else:
        assert hotline[:2] == rest[:2]


def test_each_channel_keeps_its_own_message_rules():
    # REST: a message that is not text is a 400; the hotline answers it with the polite reply
    assert post(GuardedRestInput(), body(sender="a", message=5))[1]["error"]["code"] == "BAD_MESSAGE"
    status, answer, reached = post(HotlineInput(), body(sender="hotline-1", message=5))
    assert (status, answer, reached) == (200, [{"recipient_id": "hotline-1", "text": NOT_TEXT}], [])
    # a REST sender is refused by the hotline, with the hotline's message
    assert post(HotlineInput(), body(sender="a", message="hi"))[1]["error"]["code"] == "BAD_SENDER"
    # the hop checks come before the body
    assert post(HotlineInput(), b"[]", ip="10.0.0.5")[0] == 403


def test_good_messages_reach_rasa_with_the_address_the_edge_saw():
    hop = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
    forged = {"client_address": "192.0.2.66"}
    status, answer, reached = post(GuardedRestInput(), body(sender="a", message="你好", metadata=forged), headers=hop)
    assert status == 200 and answer == [{"recipient_id": "a", "text": "好的"}]
    assert reached[0].metadata == {"client_address": "203.0.113.9"}
    # not a trusted hop: its X-Forwarded-For is ignored
    assert post(GuardedRestInput(), body(sender="a", message="你好"), ip="10.0.0.5", headers=hop)[2][0].metadata == {
        "client_address": "10.0.0.5"}
    status, answer, reached = post(HotlineInput(), body(sender="hotline-1", message="你好"), headers=hop)
    assert status == 200 and reached[0].input_channel == "hotline"
    assert reached[0].metadata == {"client_address": "203.0.113.9", "register": "agent",
                                   "agent": {"staff_id": "staff-3", "name": "王坐席"}}
    # no answer from Rasa: never an empty reply
    for channel, sender in ((GuardedRestInput(), "a"), (HotlineInput(), "hotline-1")):
        status, answer, _ = post(channel, body(sender=sender, message="你好"), answer=False)
        assert status == 200 and answer[0]["recipient_id"] == sender and "稍后" in answer[0]["text"]

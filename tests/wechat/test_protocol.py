"""Signatures and AES over real HTTP: URL verification, the three POST modes, refused requests."""
from __future__ import annotations

import logging
import time

import aiohttp
import pytest

from bot.channels.wechat import TEXTS
from tests.wechat.conftest import Rig, new_openid, run, use
from tools.wechat_sim import protocol


async def post(url: str, query: dict, body: bytes):
    async with aiohttp.ClientSession() as session:
        async with session.post(url, params=query, data=body) as resp:
            return resp.status, await resp.text()


async def get(url: str, query: dict):
    async with aiohttp.ClientSession() as session:
        async with session.get(url, params=query) as resp:
            return resp.status, await resp.text()


def test_url_verification_echoes_only_when_signed_and_recent():
    async def body(rig: Rig):
        url, signer = rig.urls[0], rig.sim.signer
        assert await get(url, signer.verification_query("echo-4711")) == (200, "echo-4711")
        wrong = {**signer.verification_query("echo-4711"), "signature": "0" * 40}
        assert (await get(url, wrong))[0] == 403
        stale = signer.verification_query("echo-4711", timestamp=int(time.time()) - 301)
        assert (await get(url, stale))[0] == 403
        assert (await get(url, {"echostr": "echo-4711"}))[0] == 403

    run(use(Rig(), body))


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_text_round_trip_in_every_mode(mode):
    async def body(rig: Rig):
        openid = new_openid()
        replies = await rig.sim.say(openid, "text", content="你好呀", settle=0.3)
        # the simulator checked the reply's MsgSignature and decrypted it (compatible and safe mode)
        assert [r["via"] for r in replies] == ["passive"]
        assert replies[0]["text"] == "收到：你好呀\n\n还有什么可以帮您？"
        assert rig.assistant.received == [(openid, "你好呀", "wechat")]

    run(use(Rig(mode=mode), body))


def test_encrypted_reply_to_an_encrypted_request():
    async def body(rig: Rig):
        openid = new_openid()
        query, data = rig.sim.signer.sign_request(protocol.text_xml(rig.config.account, openid, "加密"), openid)
        status, text = await post(rig.urls[0], query, data)
        assert status == 200 and "<Encrypt>" in text and "加密" not in text
        assert rig.sim.signer.read_reply(text)["Content"].startswith("收到：加密")

    run(use(Rig(mode="safe"), body))


def _refused_cases(rig: Rig, openid: str):
    account, signer = rig.config.account, rig.sim.signer
    xml = protocol.text_xml(account, openid, "不该被处理")
    query, data = signer.sign_request(xml, openid)
    yield "wrong msg_signature", {**query, "msg_signature": "f" * 40}, data
    yield "wrong signature", {**query, "signature": "e" * 40}, data
    tampered = data.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[QUFB")
    yield "tampered Encrypt", query, tampered
    yield "unsigned", {}, data
    stale_q, stale_d = signer.sign_request(xml, openid, timestamp=int(time.time()) - 301)
    yield "stale", stale_q, stale_d
    future_q, future_d = signer.sign_request(xml, openid, timestamp=int(time.time()) + 301)
    yield "from the future", future_q, future_d
    other_app = protocol.Signer(rig.config.token, "wxsomeotherapp0001", rig.config.encoding_aes_key, "safe")
    yield "encrypted for another AppID", *other_app.sign_request(xml, openid)
    plain = protocol.Signer("not-the-token", mode="plain")
    yield "plaintext signed with another token", *plain.sign_request(xml, openid)


def test_unsigned_wrong_or_stale_requests_get_403_and_are_logged_without_content(caplog):
    async def body(rig: Rig):
        openid = new_openid()
        with caplog.at_level(logging.INFO):
            for name, query, data in _refused_cases(rig, openid):
                status, _ = await post(rig.urls[0], query, data)
                assert status == 403, name
        assert rig.assistant.received == []
        refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(refused) == 8
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "不该被处理" not in logged and openid not in logged

    run(use(Rig(mode="safe"), body))


def test_replayed_request_runs_once_and_gets_the_same_answer_then_expires():
    async def body(rig: Rig):
        openid = new_openid()
        xml = protocol.text_xml(rig.config.account, openid, "重放")
        query, data = rig.sim.signer.sign_request(xml, openid)
        first = await post(rig.urls[0], query, data)
        again = await post(rig.urls[0], query, data)          # byte for byte the same request
        assert first[0] == again[0] == 200
        # the same message; CreateTime is when each reply was sent, so it may move by a second
        first_reply, again_reply = rig.sim.signer.read_reply(first[1]), rig.sim.signer.read_reply(again[1])
        assert abs(int(first_reply.pop("CreateTime")) - int(again_reply.pop("CreateTime"))) <= 2
        assert first_reply == again_reply and first_reply["Content"].startswith("收到：重放")
        assert rig.assistant.texts_of(openid) == ["重放"]
        # the same message signed 5 minutes ago is refused outright
        old_q, old_d = rig.sim.signer.sign_request(xml, openid, timestamp=int(time.time()) - 301)
        assert (await post(rig.urls[0], old_q, old_d))[0] == 403
        assert rig.assistant.texts_of(openid) == ["重放"]

    run(use(Rig(mode="safe"), body))


def test_encrypted_request_without_aes_key_is_refused_and_plain_still_works():
    async def body(rig: Rig):
        openid = new_openid()
        await rig.add_instance(encoding_aes_key="")
        no_aes = rig.urls[-1]
        query, data = rig.sim.signer.sign_request(protocol.text_xml(rig.config.account, openid, "甲"), openid)
        assert (await post(no_aes, query, data))[0] == 403
        plain = protocol.Signer(rig.config.token, mode="plain")
        query, data = plain.sign_request(protocol.text_xml(rig.config.account, openid, "乙"), openid)
        status, text = await post(no_aes, query, data)
        assert status == 200 and plain.read_reply(text)["Content"].startswith("收到：乙")

    run(use(Rig(mode="safe"), body))


def test_unconfigured_channel_refuses_everything():
    async def body(rig: Rig):
        await rig.add_instance(token="", encoding_aes_key="")
        openid = new_openid()
        plain = protocol.Signer("", mode="plain")
        query, data = plain.sign_request(protocol.text_xml(rig.config.account, openid, "丙"), openid)
        assert (await post(rig.urls[-1], query, data))[0] == 403
        assert rig.assistant.received == []
        assert TEXTS["error"]  # the channel's own texts are Chinese sentences

    run(use(Rig(mode="plain"), body))

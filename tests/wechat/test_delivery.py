"""Exactly once, the 5-second rule, the customer-service API's limits and the shared access_token."""
from __future__ import annotations

import asyncio
import json
import time

import aiohttp

from bot.channels import wechat_api
from bot.channels.wechat import TEXTS
from tests.wechat.conftest import DEADLINE, Rig, new_openid, run, use
from tools.wechat_sim import protocol


async def post(url: str, query: dict, body: bytes):
    async with aiohttp.ClientSession() as session:
        started = time.monotonic()
        async with session.post(url, params=query, data=body) as resp:
            return resp.status, await resp.text(), time.monotonic() - started


def test_slow_turn_returns_success_in_time_and_the_answer_arrives_once_by_customer_service():
    async def body(rig: Rig):
        rig.assistant.delay = DEADLINE + 0.8
        openid = new_openid()
        xml = protocol.text_xml(rig.config.account, openid, "慢一点")
        rig.sim.user(openid).last_message_at = time.time()      # the user just wrote: the 48-hour window is open
        status, text, took = await post(rig.urls[0], *rig.sim.signer.sign_request(xml, openid))
        assert (status, text) == (200, "success")
        assert took < DEADLINE + 0.5           # answered before WeChat's time-out, not after the turn
        await rig.settle()
        inbox = rig.sim.user(openid).inbox
        assert [(m["via"], m["text"]) for m in inbox] == [("custom", "收到：慢一点\n\n还有什么可以帮您？")]
        assert (await rig.channels[0].store.counters())["async_replies"] == 1

    run(use(Rig(), body))


def test_retry_storm_of_one_msgid_runs_once_and_answers_once():
    async def body(rig: Rig):
        rig.assistant.delay = DEADLINE + 0.5      # the slow case: the answer goes out asynchronously
        openid = new_openid()
        xml = protocol.text_xml(rig.config.account, openid, "同一条消息")
        rig.sim.user(openid).last_message_at = time.time()
        signed = [rig.sim.signer.sign_request(xml, openid) for _ in range(6)]   # fresh signature per retry
        first = await asyncio.gather(*(post(rig.urls[0], q, b) for q, b in signed[:4]))
        later = [await post(rig.urls[0], q, b) for q, b in signed[4:]]
        assert {(s, t) for s, t, _ in first + later} == {(200, "success")}
        await rig.settle()
        assert rig.assistant.texts_of(openid) == ["同一条消息"]
        assert [m["via"] for m in rig.sim.user(openid).inbox] == ["custom"]
        assert (await rig.channels[0].store.counters())["duplicates"] == 5

    run(use(Rig(), body))


def test_retry_after_a_lost_passive_reply_gets_the_same_reply():
    async def body(rig: Rig):
        openid = new_openid()
        xml = protocol.text_xml(rig.config.account, openid, "快")
        answers = [await post(rig.urls[0], *rig.sim.signer.sign_request(xml, openid)) for _ in range(3)]
        contents = {rig.sim.signer.read_reply(text)["Content"] for _, text, _ in answers}
        assert contents == {"收到：快\n\n还有什么可以帮您？"}
        assert rig.assistant.texts_of(openid) == ["快"]

    run(use(Rig(), body))


def test_simulated_wechat_timeouts_and_retries_deliver_one_answer():
    async def body(rig: Rig):
        # WeChat gives up on a request before our deadline (a slow network): it retries the same MsgId
        rig.config.request_timeout = 0.3
        rig.assistant.delay = 0.6
        openid = new_openid()
        replies = await rig.sim.say(openid, "text", content="超时重试")
        assert rig.sim.counters.get("delivery_timeouts", 0) >= 2
        assert rig.assistant.texts_of(openid) == ["超时重试"]
        assert [r["text"] for r in replies if r["via"] != "wechat"] == ["收到：超时重试\n\n还有什么可以帮您？"]

    run(use(Rig(), body))


def test_a_failing_turn_gets_a_polite_message():
    async def body(rig: Rig):
        rig.assistant.fail = True
        replies = await rig.sim.say(new_openid(), "text", content="出错", settle=0.3)
        assert [r["text"] for r in replies] == [TEXTS["error"]]

    run(use(Rig(), body))


def test_45015_window_closed_is_counted_and_not_retried():
    async def body(rig: Rig):
        rig.assistant.delay = DEADLINE + 1.5
        openid = new_openid()
        xml = protocol.text_xml(rig.config.account, openid, "窗口")
        await rig.sim.deliver(openid, xml)
        rig.sim.user(openid).last_message_at -= 49 * 3600      # the 48 hours pass while the turn runs
        await rig.settle()
        assert rig.sim.counters.get("custom_send_45015") == 1
        assert rig.sim.user(openid).inbox == []
        assert (await rig.channels[0].store.counters())["customer_service_error_45015"] == 1

    run(use(Rig(), body))


def test_45047_stops_the_remaining_parts_without_retrying():
    async def body(rig: Rig):
        openid = new_openid()
        await rig.sim.say(openid, "text", content="长文")
        assert [m["via"] for m in rig.sim.user(openid).inbox] == ["custom"]
        assert rig.sim.counters.get("custom_send_45047") == 1
        assert (await rig.channels[0].store.counters())["customer_service_error_45047"] == 1

    run(use(Rig(cs_limit=1), body))


def test_one_token_for_many_messages_and_refresh_on_42001_and_40001_mid_conversation():
    async def body(rig: Rig):
        openid = new_openid()
        for n in range(3):
            replies = await rig.sim.say(openid, "event", event="subscribe", create_time=1700000300 + n)
            assert [r["via"] for r in replies] == ["custom"]
        assert rig.sim.counters["token_fetches"] == 1
        rig.sim.expire_tokens()                                   # 42001 on the next call
        replies = await rig.sim.say(openid, "event", event="subscribe", create_time=1700000310)
        assert [r["via"] for r in replies] == ["custom"]
        rig.sim.tokens.clear()                                    # 40001 on the next call
        replies = await rig.sim.say(openid, "event", event="subscribe", create_time=1700000311)
        assert [r["via"] for r in replies] == ["custom"]
        c = rig.sim.counters
        assert (c["token_fetches"], c["custom_send_42001"], c["custom_send_40001"], c["custom_sent"]) == (3, 1, 1, 5)

    run(use(Rig(), body))


def test_concurrent_callers_share_one_fetch_and_tokens_are_renewed_early():
    async def body(rig: Rig):
        api = rig.channels[0].api
        tokens = await asyncio.gather(*(api.access_token() for _ in range(20)))
        assert len(set(tokens)) == 1 and rig.sim.counters["token_fetches"] == 1
        # less than REFRESH_MARGIN left: replaced before it runs out; the old one still works meanwhile
        stored = json.loads(await rig.channels[0].store.get(api._token_key))
        stored["expires_at"] = time.time() + wechat_api.REFRESH_MARGIN - 1
        await rig.channels[0].store.set(api._token_key, json.dumps(stored), 3600)
        api._local = None
        renewed = await api.access_token()
        assert renewed != tokens[0] and rig.sim.counters["token_fetches"] == 2
        assert rig.sim._token_error(tokens[0]) is None          # WeChat's 5-minute overlap

    run(use(Rig(), body))

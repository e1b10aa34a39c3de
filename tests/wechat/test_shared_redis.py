"""Two channel instances (two Sanic servers, as two Rasa processes) sharing dedupe, buttons and token through Redis."""
from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from actions.menu import menu_buttons
from bot.channels.wechat import WELCOME_PAYLOAD
from tests.wechat.conftest import DEADLINE, Rig, needs_redis, new_openid, redis_prefix, run, use
from tools.wechat_sim import protocol

pytestmark = [pytest.mark.redis, needs_redis]


async def post(url: str, query: dict, body: bytes):
    async with aiohttp.ClientSession() as session:
        async with session.post(url, params=query, data=body) as resp:
            return resp.status, await resp.text()


def test_one_msgid_reaching_both_instances_runs_once_and_is_answered_once():
    async def body(rig: Rig):
        rig.assistant.delay = DEADLINE + 0.5
        openid = new_openid()
        rig.sim.user(openid).last_message_at = time.time()
        xml = protocol.text_xml(rig.config.account, openid, "两台实例")
        signed = [rig.sim.signer.sign_request(xml, openid) for _ in range(6)]
        answers = await asyncio.gather(*(post(rig.urls[n % 2], q, b) for n, (q, b) in enumerate(signed)))
        assert {a for a in answers} == {(200, "success")}
        await rig.settle()
        assert rig.assistant.texts_of(openid) == ["两台实例"]
        assert [m["via"] for m in rig.sim.user(openid).inbox] == ["custom"]
        counters = await rig.channels[1].store.counters()     # one set of counters for both
        assert counters["duplicates"] == 5 and counters["customer_service_sent"] == 1

    run(use(Rig(redis_prefix=redis_prefix()), body, instances=2))


def test_buttons_offered_by_one_instance_are_answered_through_the_other():
    async def body(rig: Rig):
        openid = new_openid()
        await rig.sim.say(openid, "event", event="subscribe", url=rig.urls[0])
        await rig.sim.say(openid, "text", content="2", url=rig.urls[1], settle=0.3)
        assert rig.assistant.texts_of(openid) == [WELCOME_PAYLOAD, menu_buttons()[1]["payload"]]

    run(use(Rig(redis_prefix=redis_prefix()), body, instances=2))


def test_both_instances_use_one_token_and_refresh_it_once():
    async def body(rig: Rig):
        users = [new_openid() for _ in range(4)]
        for n, openid in enumerate(users):
            replies = await rig.sim.say(openid, "event", event="subscribe", url=rig.urls[n % 2])
            assert [r["via"] for r in replies] == ["custom"]
        assert rig.sim.counters["token_fetches"] == 1
        rig.sim.expire_tokens()
        results = await asyncio.gather(*(
            rig.sim.say(openid, "event", event="subscribe", url=rig.urls[n % 2], create_time=1700000400 + n)
            for n, openid in enumerate(users)
        ))
        assert all([r["via"] for r in replies] == ["custom"] for replies in results)
        assert rig.sim.counters["token_fetches"] == 2
        assert sum(c.api.token_fetches for c in rig.channels) == 2

    run(use(Rig(redis_prefix=redis_prefix()), body, instances=2))


def test_redis_keys_are_under_the_prefix_and_expire():
    async def body(rig: Rig):
        prefix = rig.redis_prefix
        await rig.sim.say(new_openid(), "event", event="subscribe")
        red = rig.channels[0].store.red
        keys = [k async for k in red.scan_iter(match=prefix + "*")]
        assert keys and all(k.startswith(prefix) for k in keys)
        for key in keys:
            if not key.endswith(":counters"):
                assert await red.pttl(key) > 0, key

    run(use(Rig(redis_prefix=redis_prefix()), body))

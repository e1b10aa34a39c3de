"""The trained assistant over WeChat: simulator -> WeChat channel in Rasa -> actions -> backend.

The simulator (tools/wechat_sim) plays WeChat: it signs and encrypts each
message (safe mode), waits 5 s and retries like WeChat, decrypts the passive
reply, and serves access_token and the customer-service API the channel calls.
A proxy between Rasa and the action server can slow every action down, to
force the asynchronous path. Shared state in Redis (db 13, own key prefix,
removed afterwards).
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List

import pytest

from actions.menu import menu_buttons
from knowledge import load_kb
from scripts.stack import ROOT, Stack, StackConfig, ensure_model, free_port
from tests.e2e.conftest import get
from tests.personas import make_persona
from tools.wechat_sim import protocol
from tools.wechat_sim.server import SimConfig, Simulator



def _redis_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [pytest.mark.e2e, pytest.mark.redis,
              pytest.mark.skipif(not _redis_up(), reason="needs Redis at 127.0.0.1:6379")]

REDIS_URL = "redis://127.0.0.1:6379/13"
LINK = re.compile(r'<a href="weixin://bizmsgmenu\?msgmenucontent=([^&"]*)&msgmenuid=(\d+)">([^<]*)</a>')


class SimThread:
    """The simulator on its own event loop, driven from the (synchronous) tests."""

    def __init__(self, config: SimConfig) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sim = Simulator(config)
        self.call(self.sim.start())

    def call(self, coro, timeout: float = 120) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def say(self, openid: str, kind: str = "text", **kw: Any) -> List[Dict[str, Any]]:
        kw.setdefault("settle", 1.0)
        kw.setdefault("wait", 40.0)
        return self.call(self.sim.say(openid, kind, **kw))

    def stop(self) -> None:
        self.call(self.sim.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class DelayProxy:
    """Rasa -> action server, optionally slower."""

    def __init__(self, target: str) -> None:
        self.target, self.delay = target.rstrip("/"), 0.0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(proxy.delay)
                req = urllib.request.Request(proxy.target + self.path, data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=60) as resp:
                        status, payload = resp.status, resp.read()
                except urllib.error.HTTPError as exc:
                    status, payload = exc.code, exc.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class WeChatStack:
    def __init__(self, stack: Stack, sim: SimThread, proxy: DelayProxy, env: Dict[str, str]) -> None:
        self.stack, self.sim, self.proxy, self.env = stack, sim, proxy, env

    @property
    def channel_url(self) -> str:
        return f"{self.stack.cfg.rasa_url}/webhooks/wechat/webhook"


@pytest.fixture(scope="module")
def wechat(tmp_path_factory):
    prefix = f"e2e:wechat:{uuid.uuid4().hex[:8]}:"
    sim_cfg = SimConfig(token=uuid.uuid4().hex, app_id="wx" + uuid.uuid4().hex[:16], app_secret=uuid.uuid4().hex,
                        encoding_aes_key=secrets.token_hex(22)[:43], mode="safe")
    sim = SimThread(sim_cfg)
    cfg = StackConfig.for_tests(tmp_path_factory.mktemp("wechat-stack"))
    proxy = DelayProxy(cfg.actions_url)
    cfg.action_endpoint_url = f"{proxy.url}/webhook"
    env = {
        "WECHAT_TOKEN": sim_cfg.token, "WECHAT_APP_ID": sim_cfg.app_id, "WECHAT_APP_SECRET": sim_cfg.app_secret,
        "WECHAT_ENCODING_AES_KEY": sim_cfg.encoding_aes_key, "WECHAT_API_BASE": sim.sim.url,
        "WECHAT_REDIS_URL": REDIS_URL, "WECHAT_REDIS_PREFIX": prefix, "WECHAT_REPLY_DEADLINE": "4",
    }
    cfg.extra_env.update(env)
    stack = Stack(cfg, ensure_model())
    sim_cfg.channel_url = f"{cfg.rasa_url}/webhooks/wechat/webhook"
    stack.start()
    try:
        yield WeChatStack(stack, sim, proxy, env)
    finally:
        stack.stop()
        sim.stop()
        proxy.server.shutdown()
        import redis

        red = redis.Redis.from_url(REDIS_URL)
        keys = list(red.scan_iter(match=prefix + "*"))
        if keys:
            red.delete(*keys)


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def text_of(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)


def link_to(replies: List[Dict[str, Any]], title: str) -> Dict[str, str]:
    """The message a tap on the ``title`` link of the last reply sends."""
    for reply in reversed(replies):
        for content, menu_id, _ in LINK.findall(reply["text"]):
            if content == title:
                return {"content": content, "menu_id": menu_id}
    raise AssertionError(f"no link {title!r} in: {text_of(replies)}")


def assert_fits_wechat(replies: List[Dict[str, Any]]) -> None:
    for reply in replies:
        assert reply["via"] in ("passive", "custom"), reply
        assert len(reply["text"].encode("utf-8")) <= 2048
        assert "](" not in reply["text"] and not re.search(r"^#+ ", reply["text"], re.M)


def test_full_application_over_wechat_with_buttons_by_link_and_by_number(wechat: WeChatStack):
    user, sim = openid(), wechat.sim
    welcome = sim.say(user, "event", event="subscribe")
    assert_fits_wechat(welcome)
    links = LINK.findall(text_of(welcome))
    assert [content for content, _, _ in links] == [b["title"] for b in menu_buttons()]
    # the main menu answered with a number: its first entry (the 失业 bundle)
    assert [label for _, _, label in links][0] == f"1. {menu_buttons()[0]['title']}"
    replies = sim.say(user, "text", content="1")
    assert menu_buttons()[0]["title"] in text_of(replies)
    text = text_of(sim.say(user, "text", content="我想领失业金"))
    assert "失业保险金申领" in text and "求职登记" in text
    checklist = sim.say(user, "text", content="好了")
    assert "材料" in text_of(checklist)
    # 开始申请 tapped as its weixin://bizmsgmenu link
    replies = sim.say(user, "text", **link_to(checklist, "开始申请"))
    assert "姓名" in text_of(replies)
    applicant = make_persona(1201)
    for answer in applicant.script(load_kb(), ["unemployment_benefit"]):
        replies = sim.say(user, "text", content=answer)
        assert_fits_wechat(replies)
    summary = text_of(replies)
    assert "请核对" in summary and applicant.id_number not in summary and applicant.masked_id in summary
    result = text_of(sim.say(user, "text", content="确认提交"))
    assert "办件编号" in result
    case_number = result.split("办件编号：")[1].split("（")[0].strip()
    worker = {"Authorization": f"Bearer {wechat.stack.secrets['DEV_WORKER_TOKEN']}"}
    req = urllib.request.Request(f"{wechat.stack.cfg.backend_url}/api/v1/staff/cases/{case_number}", headers=worker)
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert json.loads(resp.read())["channel"] == "wechat"
    # WeChat never had to retry: every message was answered within 5 s
    assert sim.sim.counters.get("delivery_timeouts", 0) == 0
    assert sim.sim.counters.get("deliveries_failed", 0) == 0


def test_published_menu_taps_voice_and_image(wechat: WeChatStack):
    # the command shares the channel's token through Redis: publishing does not replace it
    fetches = wechat.sim.sim.counters.get("token_fetches", 0)
    env = {**os.environ, **wechat.env, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "bot.channels.wechat_menu", "publish"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert [entry["name"] for entry in wechat.sim.sim.menu["button"]] == ["我要办理", "查询咨询", "转人工"]
    assert wechat.sim.sim.counters["token_fetches"] == max(fetches, 1)
    user, sim = openid(), wechat.sim
    assert "身份证" in text_of(sim.say(user, "event", event="CLICK", key="CHECK_PROGRESS"))
    other = openid()
    text = text_of(sim.say(other, "voice", recognition="失业保险金申领要带什么材料？"))
    assert "身份证" in text
    replies = sim.say(other, "image")
    assert len(replies) == 1 and "图片" in replies[0]["text"]


def test_slow_action_takes_the_asynchronous_path_and_arrives_once(wechat: WeChatStack):
    user, sim = openid(), wechat.sim
    wechat.proxy.delay = 5.0
    try:
        before = len(sim.sim.requests)
        replies = sim.say(user, "event", event="subscribe", settle=2.0)
    finally:
        wechat.proxy.delay = 0.0
    assert [r["via"] for r in replies] == ["custom"]
    assert len(LINK.findall(replies[0]["text"])) == len(menu_buttons())
    attempts = [r for r in sim.sim.requests[before:] if r["openid"] == user]
    assert [a["status"] for a in attempts] == [200]          # `success` within WeChat's 5 s: no retry


def test_token_expiry_mid_conversation(wechat: WeChatStack):
    user, sim = openid(), wechat.sim
    sim.say(user, "event", event="subscribe")
    fetches = sim.sim.counters["token_fetches"]
    sim.sim.expire_tokens()
    replies = sim.say(user, "event", event="subscribe", create_time=int(time.time()) + 1)
    assert [r["via"] for r in replies] == ["custom"]
    sim.sim.tokens.clear()
    replies = sim.say(user, "event", event="subscribe", create_time=int(time.time()) + 2)
    assert [r["via"] for r in replies] == ["custom"]
    assert sim.sim.counters["token_fetches"] == fetches + 2
    assert sim.sim.counters["custom_send_42001"] == 1 and sim.sim.counters["custom_send_40001"] == 1


def test_two_rasa_instances_share_dedupe_and_token(wechat: WeChatStack):
    second = wechat.stack.add_rasa_instance("rasa-2", free_port())
    second_url = second.health_url.split("/status")[0] + "/webhooks/wechat/webhook"
    sim, user = wechat.sim, openid()
    fetches = sim.sim.counters["token_fetches"]
    xml = protocol.event_xml(sim.sim.config.account, user, "subscribe")

    async def both() -> None:
        await asyncio.gather(sim.sim.deliver(user, xml, wechat.channel_url), sim.sim.deliver(user, xml, second_url))

    sim.call(both())
    sim.call(asyncio.sleep(3))
    inbox = sim.sim.user(user).inbox
    assert len(inbox) == 1 and len(LINK.findall(inbox[0]["text"])) == len(menu_buttons())
    # a second user through the second instance only: the shared token, no new fetch
    other = openid()
    replies = sim.say(other, "event", event="subscribe", url=second_url)
    assert [r["via"] for r in replies] == ["custom"]
    assert sim.sim.counters["token_fetches"] == fetches
    status, body, _ = get(f"{wechat.stack.cfg.rasa_url}/webhooks/wechat/")
    assert status == 200 and json.loads(body)["counters"]["duplicates"] >= 1

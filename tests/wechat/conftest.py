"""The WeChat channel served by Sanic on 127.0.0.1, talking to the WeChat simulator over real HTTP.

Everything here is the real code path - the channel's blueprint in a Sanic
server, signed and encrypted XML from the simulator, the customer-service API
and access_token served by the simulator, Redis at 127.0.0.1:6379 where a test
asks for it. What sits behind the channel is ``Assistant``: Rasa's
``on_new_message`` callback receiving the ``UserMessage`` and answering
through the output channel, with replies chosen for the protocol under test
(the main menu's buttons from actions/menu.py, a long text, a slow turn). The
same channel in front of the trained assistant: tests/e2e/test_wechat.py.

Times are scaled down: the channel waits 1 s for a passive reply and the
simulator gives up on a request after 3 s (WeChat: 4 s and 5 s).
"""
from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any, Dict, List, Optional, Tuple

import pytest
from sanic import Sanic

from actions.menu import menu_buttons
from bot.channels.wechat import WeChatInput, WeChatSettings
from rasa.core.channels.channel import UserMessage
from tools.wechat_sim.server import SimConfig, Simulator

# Several Sanic apps start in one process: test mode keeps Sanic's start-up
# "touch-up" of its own methods repeatable (as sanic-testing does).
Sanic.test_mode = True

REDIS_URL = "redis://127.0.0.1:6379/13"    # a database of its own; keys under a per-test prefix
DEADLINE = 1.0
SIM_TIMEOUT = 3.0
LONG_LINES = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not redis_available(), reason="needs Redis at 127.0.0.1:6379")


class Assistant:
    """Plays Rasa's agent behind the channel; records every message it is given."""

    def __init__(self) -> None:
        self.received: List[Tuple[str, str, Optional[str]]] = []
        self.delay = 0.0
        self.fail = False

    async def __call__(self, message: UserMessage) -> None:
        self.received.append((message.sender_id, message.text, message.input_channel))
        if self.fail:
            raise RuntimeError("the assistant broke")
        if self.delay:
            await asyncio.sleep(self.delay)
        out, sender, text = message.output_channel, message.sender_id, message.text or ""
        if text == "/greet":
            await out.send_text_with_buttons(sender, "您好！请问您想办理哪一项？", menu_buttons())
        elif text == "编号":      # the assistant numbers something itself, and offers other buttons
            listed = "\n".join(f"{i}. {b['title']}" for i, b in enumerate(menu_buttons()[:3], 1))
            await out.send_text_with_buttons(sender, listed + "\n请回复序号。", menu_buttons()[3:])
        elif text == "月数":      # a question that wants a number, with one optional button
            await out.send_text_with_buttons(sender, "请输入已领取月数（填数字即可，例如 6）。", [{"title": "跳过", "payload": "跳过"}])
        elif text == "长文":
            await out.send_text_message(sender, "\n".join(f"第{i}行：" + "材料" * 20 for i in range(LONG_LINES)))
        elif text == "格式":
            await out.send_text_message(sender, "## 所需材料\n**身份证**原件，见[办事指南](https://example.invalid/g)\n* 一寸照片")
        else:
            await out.send_text_message(sender, f"收到：{text}")
            await out.send_text_message(sender, "还有什么可以帮您？")

    def texts_of(self, sender: str) -> List[str]:
        return [t for s, t, _ in self.received if s == sender]


class Rig:
    """Simulator + one or more channel instances (each its own Sanic server, like separate Rasa processes)."""

    def __init__(self, mode: str = "safe", redis_prefix: Optional[str] = None, **sim: Any) -> None:
        self.config = SimConfig(mode=mode, request_timeout=SIM_TIMEOUT, **sim)
        self.sim = Simulator(self.config)
        self.assistant = Assistant()
        self.redis_prefix = redis_prefix
        self.channels: List[WeChatInput] = []
        self.urls: List[str] = []
        self._servers: List[Any] = []

    def settings(self, **over: Any) -> WeChatSettings:
        c = self.config
        values = dict(token=c.token, app_id=c.app_id, app_secret=c.app_secret, encoding_aes_key=c.encoding_aes_key,
                      api_base=self.sim.url, reply_deadline=DEADLINE, max_age=300.0,
                      redis_url=REDIS_URL if self.redis_prefix else None,
                      redis_prefix=self.redis_prefix or "yjs:wechat:")
        values.update(over)
        return WeChatSettings(**values)

    async def start(self, instances: int = 1, **over: Any) -> "Rig":
        await self.sim.start()
        for _ in range(instances):
            await self.add_instance(**over)
        self.config.channel_url = self.urls[0]
        return self

    async def add_instance(self, **over: Any) -> WeChatInput:
        channel = WeChatInput(self.settings(**over))
        app = Sanic(f"wechat_test_{uuid.uuid4().hex[:10]}")
        app.config.MOTD = False
        app.blueprint(channel.blueprint(self.assistant), url_prefix="/webhooks/wechat")
        port = free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
        await server.startup()
        self._servers.append(server)
        self.channels.append(channel)
        self.urls.append(f"http://127.0.0.1:{port}/webhooks/wechat/webhook")
        return channel

    async def settle(self) -> None:
        """Waits for the channels' background deliveries."""
        for _ in range(200):
            pending = [t for c in self.channels for t in c._background if not t.done()]
            if not pending:
                return
            await asyncio.wait(pending, timeout=0.1)

    async def stop(self) -> None:
        await self.settle()
        for server in self._servers:
            server.close()
            await server.wait_closed()
        for channel in self.channels:
            await channel.api.close()
            if self.redis_prefix:
                keys = [k async for k in channel.store.red.scan_iter(match=self.redis_prefix + "*")]
                if keys:
                    await channel.store.red.delete(*keys)
            await channel.store.close()
        await self.sim.stop()

    def counters(self) -> Dict[str, int]:
        return self.sim.counters


def new_openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def run(coro) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def rig_factory():
    """``async with`` style in sync tests: ``run(use(rig_factory(...), body))``."""
    return Rig


async def use(rig: Rig, body, **start: Any) -> Any:
    await rig.start(**start)
    try:
        return await body(rig)
    finally:
        await rig.stop()


def redis_prefix() -> str:
    return f"test:wechat:{uuid.uuid4().hex[:8]}:"

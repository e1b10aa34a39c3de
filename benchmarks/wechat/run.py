"""WeChat channel overhead: what the channel itself adds to a turn, and how often it fetches a token.

    .venv-bot/bin/python benchmarks/wechat/run.py [--messages 300] [--mode safe] [--redis]

The channel runs in a Sanic server on 127.0.0.1 in front of an assistant that
answers at once (so the figures are the channel's: signature check, AES
decryption, dedupe claim, reply rendering and encryption), fed by the WeChat
simulator over real HTTP. Prints per-message latency of passive replies and
of customer-service deliveries (menu buttons as links), and access_token
fetches per message. Never part of `make test`.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sanic import Sanic  # noqa: E402

from actions.menu import menu_buttons  # noqa: E402
from bot.channels.wechat import WeChatInput, WeChatSettings  # noqa: E402
from tools.wechat_sim.server import SimConfig, Simulator  # noqa: E402

Sanic.test_mode = True


async def assistant(message) -> None:
    if message.text == "/greet":
        await message.output_channel.send_text_with_buttons(message.sender_id, "您好！请问您想办理哪一项？", menu_buttons())
    else:
        await message.output_channel.send_text_message(message.sender_id, f"收到：{message.text}")


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main(args) -> int:
    sim = Simulator(SimConfig(mode=args.mode))
    await sim.start()
    prefix = f"bench:wechat:{uuid.uuid4().hex[:8]}:"
    settings = WeChatSettings(
        token=sim.config.token, app_id=sim.config.app_id, app_secret=sim.config.app_secret,
        encoding_aes_key=sim.config.encoding_aes_key, api_base=sim.url,
        redis_url="redis://127.0.0.1:6379/13" if args.redis else None, redis_prefix=prefix,
    )
    channel = WeChatInput(settings)
    app = Sanic(f"wechat_bench_{uuid.uuid4().hex[:8]}")
    app.config.MOTD = False
    app.blueprint(channel.blueprint(assistant), url_prefix="/webhooks/wechat")
    server = await app.create_server(host="127.0.0.1", port=0, return_asyncio_server=True, access_log=False)
    await server.startup()
    port = server.server.sockets[0].getsockname()[1]
    sim.config.channel_url = f"http://127.0.0.1:{port}/webhooks/wechat/webhook"
    try:
        passive = []
        for n in range(args.messages):
            openid = f"obench{n % 20:04d}" + "x" * 20
            started = time.perf_counter()
            outcome = await sim.deliver(openid, sim.build(openid, "text", content=f"第{n}条消息"))
            passive.append(time.perf_counter() - started)
            assert outcome["reply"], outcome
        custom = []
        for n in range(max(1, args.messages // 5)):
            openid = f"obenchcs{n:04d}" + "y" * 18
            user = sim.user(openid)
            started = time.perf_counter()
            await sim.deliver(openid, sim.build(openid, "event", event="subscribe"))
            while not user.inbox:
                await asyncio.sleep(0.001)
            custom.append(time.perf_counter() - started)
        while any(not t.done() for t in channel._background):     # the last deliveries finish
            await asyncio.sleep(0.01)
        counters = await channel.store.counters()
        print(f"WeChat channel ({args.mode} mode, {'Redis' if args.redis else 'memory'} state), 127.0.0.1")
        print(f"  passive text reply     n={len(passive):4d}  p50 {pct(passive, .5):6.1f} ms  p95 {pct(passive, .95):6.1f} ms"
              f"  mean {statistics.mean(passive) * 1000:6.1f} ms")
        print(f"  menu via custom/send   n={len(custom):4d}  p50 {pct(custom, .5):6.1f} ms  p95 {pct(custom, .95):6.1f} ms"
              f"  mean {statistics.mean(custom) * 1000:6.1f} ms")
        print(f"  access_token fetches   {sim.counters.get('token_fetches', 0)} for {counters.get('customer_service_sent', 0)}"
              f" customer-service messages")
        print(f"  WeChat retries needed  {sim.counters.get('delivery_timeouts', 0)}")
    finally:
        server.close()
        await server.wait_closed()
        await channel.api.close()
        if args.redis:
            keys = [k async for k in channel.store.red.scan_iter(match=prefix + "*")]
            if keys:
                await channel.store.red.delete(*keys)
        await channel.store.close()
        await sim.stop()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--mode", choices=["plain", "compatible", "safe"], default="safe")
    parser.add_argument("--redis", action="store_true", help="shared state in Redis db 13 instead of memory")
    sys.exit(asyncio.run(main(parser.parse_args())))

"""The WeChat simulator's command line.

    # 1. the simulator (plays WeChat's API and its message sender)
    .venv-bot/bin/python -m tools.wechat_sim serve --port 8090 \\
        --channel http://127.0.0.1:5005/webhooks/wechat/webhook
    # 2. Rasa with the channel pointed at it (make run does both with WECHAT_SIM=1):
    #    WECHAT_TOKEN=simtoken WECHAT_APP_ID=wxsimulator0000001 WECHAT_APP_SECRET=simulator-secret
    #    WECHAT_ENCODING_AES_KEY=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG WECHAT_API_BASE=http://127.0.0.1:8090
    # 3. chat as a WeChat user
    .venv-bot/bin/python -m tools.wechat_sim chat --sim http://127.0.0.1:8090

In the chat, plain lines are text messages; also:
    /subscribe            follow the account (welcome and menu)
    /click KEY            tap a menu entry (keys: bot/channels/wechat_menu.yml)
    /menu N               tap link N of the last reply (a weixin://bizmsgmenu link)
    /voice 文字            a voice message with that speech recognition (/voice alone: not recognised)
    /image  /location     an image or a location
    /quit
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import urllib.request
import uuid
from typing import Any, Dict, List, Optional

from tools.wechat_sim.protocol import MODES
from tools.wechat_sim.server import SimConfig, Simulator

LINK = re.compile(r'<a href="weixin://bizmsgmenu\?msgmenucontent=([^&"]*)&msgmenuid=(\d+)">([^<]*)</a>')


def show(text: str) -> str:
    """How the WeChat client shows a text: links as their label."""
    return LINK.sub(lambda m: f"[{m.group(3)}]", text)


def last_links(replies: List[Dict[str, Any]]) -> Dict[str, str]:
    links: Dict[str, str] = {}
    for reply in replies:
        found = {m.group(2): m.group(1) for m in LINK.finditer(reply.get("text", ""))}
        if found:
            links = found
    return links


async def serve(args: argparse.Namespace) -> None:
    cfg = SimConfig.from_env()
    cfg.channel_url, cfg.mode = args.channel, args.mode
    sim = Simulator(cfg)
    port = await sim.start(args.port)
    print(
        f"WeChat simulator on http://127.0.0.1:{port} ({cfg.mode} mode) -> {cfg.channel_url}\n"
        f"  the channel needs: WECHAT_TOKEN={cfg.token} WECHAT_APP_ID={cfg.app_id} "
        f"WECHAT_APP_SECRET={cfg.app_secret} WECHAT_ENCODING_AES_KEY={cfg.encoding_aes_key} "
        f"WECHAT_API_BASE=http://127.0.0.1:{port}\n"
        f"  chat:   .venv-bot/bin/python -m tools.wechat_sim chat --sim http://127.0.0.1:{port}",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()


def post(url: str, body: Dict[str, Any], timeout: float = 60) -> Dict[str, Any]:
    req = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())


def parse_line(line: str, links: Dict[str, str]) -> Optional[Dict[str, Any]]:
    if not line.startswith("/") or line.startswith("/{") or re.match(r"^/[a-z_]+\{", line):
        return {"type": "text", "content": line}
    cmd, _, rest = line.partition(" ")
    rest = rest.strip()
    if cmd == "/subscribe":
        return {"type": "event", "event": "subscribe"}
    if cmd == "/click":
        return {"type": "event", "event": "CLICK", "key": rest}
    if cmd == "/menu":
        if rest not in links:
            print("  (上一条回复里没有这个编号的链接)")
            return None
        return {"type": "text", "content": links[rest], "menu_id": rest}
    if cmd == "/voice":
        return {"type": "voice", "recognition": rest or None}
    if cmd in ("/image", "/location", "/link"):
        return {"type": cmd[1:]}
    return {"type": "text", "content": line}


def chat(args: argparse.Namespace) -> int:
    openid = args.openid or "o_cli_" + uuid.uuid4().hex[:22]
    print(f"以微信用户 {openid} 的身份聊天；/quit 退出，/subscribe 关注，/click KEY 点菜单。")
    links: Dict[str, str] = {}
    while True:
        try:
            line = input("我> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line:
            continue
        if line == "/quit":
            return 0
        message = parse_line(line, links)
        if message is None:
            continue
        try:
            replies = post(f"{args.sim.rstrip('/')}/sim/send", {"openid": openid, **message})["replies"]
        except OSError as exc:
            print(f"  (模拟器无法连接: {exc})")
            continue
        for reply in replies:
            print(f"助手[{reply['via']}]> " + show(reply["text"]).replace("\n", "\n        "))
        links = last_links(replies) or links


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.wechat_sim", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run the simulator")
    s.add_argument("--port", type=int, default=8090)
    s.add_argument("--channel", default="http://127.0.0.1:5005/webhooks/wechat/webhook")
    s.add_argument("--mode", choices=MODES, default="safe")
    c = sub.add_parser("chat", help="chat through a running simulator")
    c.add_argument("--sim", default="http://127.0.0.1:8090")
    c.add_argument("--openid", default="")
    args = parser.parse_args(argv)
    if args.cmd == "serve":
        try:
            asyncio.run(serve(args))
        except KeyboardInterrupt:
            pass
        return 0
    return chat(args)


if __name__ == "__main__":
    sys.exit(main())

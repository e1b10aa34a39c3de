"""The official account's custom menu: loaded from wechat_menu.yml, checked, published.

    .venv-bot/bin/python -m bot.channels.wechat_menu show      # the JSON that would be sent
    .venv-bot/bin/python -m bot.channels.wechat_menu publish   # menu/create with WECHAT_APP_ID / WECHAT_APP_SECRET

``WECHAT_API_BASE`` points publishing at the local simulator instead of the
real API (see tools/wechat_sim).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

MENU_FILE = Path(__file__).with_name("wechat_menu.yml")

MAX_TOP, MAX_SUB = 3, 5
# WeChat: top-level names up to 16 bytes and shown up to 4 Chinese characters,
# second-level up to 60 bytes and shown up to 8 Chinese characters; keys up to 128 bytes.
TOP_BYTES, SUB_BYTES, KEY_BYTES = 16, 60, 128
TOP_WIDTH, SUB_WIDTH = 8, 16        # display width: a Chinese character counts 2, ASCII 1


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1 for ch in text)


def load_menu(path: Path = MENU_FILE) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def problems(menu: Dict[str, Any]) -> List[str]:
    """What WeChat would refuse or cut short (empty when the menu is fine)."""
    found: List[str] = []
    top = menu.get("button") or []
    if not 1 <= len(top) <= MAX_TOP:
        found.append(f"{len(top)} top-level entries (1 to {MAX_TOP} allowed)")
    keys: List[str] = []
    for entry in top:
        name = str(entry.get("name", ""))
        if not name or len(name.encode()) > TOP_BYTES or display_width(name) > TOP_WIDTH:
            found.append(f"top-level name {name!r} is empty or too long")
        subs = entry.get("sub_button") or []
        if subs:
            if len(subs) > MAX_SUB:
                found.append(f"{name!r} has {len(subs)} entries below it (at most {MAX_SUB})")
            if "key" in entry or "payload" in entry:
                found.append(f"{name!r} has entries below it and cannot have its own key")
            for sub in subs:
                sub_name = str(sub.get("name", ""))
                if not sub_name or len(sub_name.encode()) > SUB_BYTES or display_width(sub_name) > SUB_WIDTH:
                    found.append(f"entry name {sub_name!r} is empty or too long")
                keys.append(_check_leaf(sub, found))
        else:
            keys.append(_check_leaf(entry, found))
    if len(set(keys)) != len(keys):
        found.append("menu keys are not unique")
    return found


def _check_leaf(entry: Dict[str, Any], found: List[str]) -> str:
    key = str(entry.get("key", ""))
    if not key or len(key.encode()) > KEY_BYTES:
        found.append(f"key {key!r} of {entry.get('name')!r} is empty or longer than {KEY_BYTES} bytes")
    if not str(entry.get("payload", "")).startswith("/"):
        found.append(f"{entry.get('name')!r} has no payload")
    return key


def leaves(menu: Dict[str, Any]) -> List[Dict[str, Any]]:
    out = []
    for entry in menu.get("button") or []:
        out.extend(entry.get("sub_button") or [entry])
    return out


def click_payloads(menu: Optional[Dict[str, Any]] = None) -> Dict[str, str]:
    """CLICK event key -> the payload sent to the assistant."""
    return {str(leaf["key"]): str(leaf["payload"]) for leaf in leaves(menu or load_menu())}


def to_wechat(menu: Dict[str, Any]) -> Dict[str, Any]:
    """The body of menu/create."""

    def leaf(entry: Dict[str, Any]) -> Dict[str, Any]:
        return {"type": "click", "name": entry["name"], "key": entry["key"]}

    buttons = []
    for entry in menu.get("button") or []:
        subs = entry.get("sub_button") or []
        buttons.append({"name": entry["name"], "sub_button": [leaf(s) for s in subs]} if subs else leaf(entry))
    return {"button": buttons}


async def publish(menu: Dict[str, Any]) -> None:
    from bot.channels.wechat import WeChatSettings
    from bot.channels.wechat_api import WeChatAPI
    from bot.channels.wechat_store import make_store

    settings = WeChatSettings.from_env()
    if not settings.app_id or not settings.app_secret:
        raise SystemExit("WECHAT_APP_ID and WECHAT_APP_SECRET are needed to publish the menu")
    store = make_store(settings.redis_url, settings.redis_prefix)
    api = WeChatAPI(settings.app_id, settings.app_secret, store, settings.api_base)
    try:
        await api.create_menu(to_wechat(menu))
    finally:
        await api.close()
        await store.close()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["show", "publish"])
    parser.add_argument("--file", type=Path, default=MENU_FILE)
    args = parser.parse_args(argv)
    menu = load_menu(args.file)
    issues = problems(menu)
    if issues:
        print("菜单不符合微信的限制 / the menu does not fit WeChat's limits:\n  " + "\n  ".join(issues), file=sys.stderr)
        return 1
    if args.command == "show":
        print(json.dumps(to_wechat(menu), ensure_ascii=False, indent=2))
        return 0
    asyncio.run(publish(menu))
    print("菜单已发布 / menu published")
    return 0


if __name__ == "__main__":
    sys.exit(main())

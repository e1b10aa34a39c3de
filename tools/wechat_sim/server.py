"""A local stand-in for WeChat, on 127.0.0.1, for development and tests.

It plays both of WeChat's roles:

* the **API** the channel calls (``WECHAT_API_BASE=http://127.0.0.1:<port>``):
  ``GET /cgi-bin/token`` (checks AppID/secret; a new token leaves the previous
  one valid for 5 minutes, then 40001; past its ``expires_in``: 42001),
  ``POST /cgi-bin/message/custom/send`` (token, 48-hour window -> 45015, a
  per-user limit since the user's last message -> 45047, 2,048-byte text
  limit -> 45002), ``POST /cgi-bin/menu/create`` (3 top-level entries, 5 below
  each, name and key lengths), ``GET /cgi-bin/menu/get``, ``GET /cgi-bin/media/get``;
* the **sender** of user messages to the channel: XML signed (and encrypted in
  compatible / safe mode) like WeChat's, a 5-second time-out and retries of
  the same message, the passive reply decrypted and checked.

Control endpoints for the CLI and tests (``/sim/...``): send a message as a
user and get what they saw, read a user's inbox, expire or invalidate tokens,
age a user's 48-hour window, read counters.

    .venv-bot/bin/python -m tools.wechat_sim serve --channel http://127.0.0.1:5005/webhooks/wechat/webhook
"""
from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import aiohttp
from aiohttp import web

from tools.wechat_sim import protocol

OVERLAP_SECONDS = 300          # an old token stays valid this long after a new one is issued
WINDOW_SECONDS = 48 * 3600
TEXT_LIMIT = 2048
FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


@dataclass
class SimConfig:
    token: str = "simtoken"
    app_id: str = "wxsimulator0000001"
    app_secret: str = "simulator-secret"
    encoding_aes_key: str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    account: str = "gh_simulator0001"
    mode: str = "safe"
    channel_url: str = "http://127.0.0.1:5005/webhooks/wechat/webhook"
    token_ttl: int = 7200
    request_timeout: float = 5.0      # WeChat waits 5 s for an answer ...
    attempts: int = 3                 # ... and tries a message 3 times in all
    cs_limit: int = 20                # customer-service messages per user message (45047 beyond)

    @classmethod
    def from_env(cls) -> "SimConfig":
        env = os.environ
        return cls(
            token=env.get("WECHAT_TOKEN") or cls.token,
            app_id=env.get("WECHAT_APP_ID") or cls.app_id,
            app_secret=env.get("WECHAT_APP_SECRET") or cls.app_secret,
            encoding_aes_key=env.get("WECHAT_ENCODING_AES_KEY") or cls.encoding_aes_key,
        )


@dataclass
class User:
    openid: str
    last_message_at: float = 0.0
    sent_since: int = 0
    inbox: List[Dict[str, Any]] = field(default_factory=list)


class Simulator:
    def __init__(self, config: Optional[SimConfig] = None) -> None:
        self.config = config or SimConfig()
        self.signer = protocol.Signer(self.config.token, self.config.app_id, self.config.encoding_aes_key,
                                      self.config.mode)
        self.tokens: Dict[str, Dict[str, float]] = {}
        self.users: Dict[str, User] = {}
        self.menu: Optional[Dict[str, Any]] = None
        self.media: Dict[str, bytes] = {}
        self.counters: Dict[str, int] = {}
        self.requests: List[Dict[str, Any]] = []      # every delivery attempt to the channel
        self._runner: Optional[web.AppRunner] = None
        self._session: Optional[aiohttp.ClientSession] = None
        self.port: Optional[int] = None

    # ------------------------------------------------------------------ lifecycle
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self.h_token)
        app.router.add_post("/cgi-bin/message/custom/send", self.h_custom_send)
        app.router.add_post("/cgi-bin/menu/create", self.h_menu_create)
        app.router.add_get("/cgi-bin/menu/get", self.h_menu_get)
        app.router.add_get("/cgi-bin/media/get", self.h_media_get)
        app.router.add_post("/sim/send", self.h_sim_send)
        app.router.add_get("/sim/inbox/{openid}", self.h_sim_inbox)
        app.router.add_post("/sim/tokens/expire", self.h_sim_expire)
        app.router.add_post("/sim/tokens/invalidate", self.h_sim_invalidate)
        app.router.add_post("/sim/users/{openid}/age", self.h_sim_age)
        app.router.add_get("/sim/state", self.h_sim_state)
        app.router.add_get("/sim/health", self.h_sim_health)
        return app

    async def start(self, port: int = 0, host: str = "127.0.0.1") -> int:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]     # the port chosen when 0 was asked
        return self.port

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, name: str) -> None:
        self.counters[name] = self.counters.get(name, 0) + 1

    def user(self, openid: str) -> User:
        return self.users.setdefault(openid, User(openid))

    # ------------------------------------------------------------------ the API side
    def _token_error(self, token: str) -> Optional[Dict[str, Any]]:
        info = self.tokens.get(token or "")
        now = time.time()
        if not token:
            return {"errcode": 41001, "errmsg": "access_token missing"}
        if info is None or (info.get("replaced_at") and now > info["replaced_at"] + OVERLAP_SECONDS):
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if now >= info["expires_at"]:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    async def h_token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("grant_type") != "client_credential":
            return web.json_response({"errcode": 40002, "errmsg": "invalid grant_type"})
        if q.get("appid") != self.config.app_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("secret") != self.config.app_secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        now = time.time()
        for info in self.tokens.values():
            info.setdefault("replaced_at", now)
        token = "SIM_" + secrets.token_urlsafe(24)
        self.tokens[token] = {"expires_at": now + self.config.token_ttl}
        self.count("token_fetches")
        return web.json_response({"access_token": token, "expires_in": self.config.token_ttl})

    async def h_custom_send(self, request: web.Request) -> web.Response:
        error = self._token_error(request.query.get("access_token", ""))
        if error:
            self.count(f"custom_send_{error['errcode']}")
            return web.json_response(error)
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response({"errcode": 47001, "errmsg": "data format error"})
        openid = body.get("touser", "")
        user = self.users.get(openid)
        if user is None:
            return web.json_response({"errcode": 40003, "errmsg": "invalid openid"})
        if body.get("msgtype") != "text":
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        content = (body.get("text") or {}).get("content", "")
        if len(content.encode("utf-8")) > TEXT_LIMIT:
            self.count("custom_send_45002")
            return web.json_response({"errcode": 45002, "errmsg": "content size out of limit"})
        if time.time() - user.last_message_at > WINDOW_SECONDS:
            self.count("custom_send_45015")
            return web.json_response({"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"})
        if user.sent_since >= self.config.cs_limit:
            self.count("custom_send_45047")
            return web.json_response({"errcode": 45047, "errmsg": "out of response count limit"})
        user.sent_since += 1
        user.inbox.append({"via": "custom", "text": content, "at": time.time()})
        self.count("custom_sent")
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def h_menu_create(self, request: web.Request) -> web.Response:
        error = self._token_error(request.query.get("access_token", ""))
        if error:
            return web.json_response(error)
        try:
            menu = json.loads(await request.read())
        except ValueError:
            return web.json_response({"errcode": 47001, "errmsg": "data format error"})
        top = menu.get("button") or []
        if not 1 <= len(top) <= 3:
            return web.json_response({"errcode": 40016, "errmsg": "invalid button size"})
        for entry in top:
            if not entry.get("name") or len(entry["name"].encode()) > 16:
                return web.json_response({"errcode": 40018, "errmsg": "invalid button name size"})
            subs = entry.get("sub_button") or []
            if len(subs) > 5:
                return web.json_response({"errcode": 40023, "errmsg": "invalid sub button size"})
            for leaf in subs or [entry]:
                if leaf is not entry and (not leaf.get("name") or len(leaf["name"].encode()) > 60):
                    return web.json_response({"errcode": 40025, "errmsg": "invalid sub button name size"})
                if leaf.get("type") == "click" and not 0 < len(str(leaf.get("key", "")).encode()) <= 128:
                    return web.json_response({"errcode": 40019, "errmsg": "invalid button key size"})
        self.menu = menu
        self.count("menu_created")
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def h_menu_get(self, request: web.Request) -> web.Response:
        error = self._token_error(request.query.get("access_token", ""))
        if error:
            return web.json_response(error)
        if self.menu is None:
            return web.json_response({"errcode": 46003, "errmsg": "menu no exist"})
        return web.json_response({"menu": self.menu})

    async def h_media_get(self, request: web.Request) -> web.Response:
        error = self._token_error(request.query.get("access_token", ""))
        if error:
            return web.json_response(error)
        data = self.media.get(request.query.get("media_id", ""))
        if data is None:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        return web.Response(body=data, content_type="image/jpeg")

    # ------------------------------------------------------------------ the sender side
    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    def build(self, openid: str, kind: str, **kw: Any) -> str:
        a = self.config.account
        if kind == "text":
            return protocol.text_xml(a, openid, kw.get("content", ""), kw.get("msg_id"), kw.get("menu_id"))
        if kind == "voice":
            return protocol.voice_xml(a, openid, kw.get("recognition"), msg_id=kw.get("msg_id"))
        if kind == "image":
            media_id = "SIMMEDIA_" + secrets.token_hex(8)
            self.media[media_id] = FAKE_JPEG
            return protocol.image_xml(a, openid, media_id, msg_id=kw.get("msg_id"))
        if kind == "location":
            return protocol.location_xml(a, openid, msg_id=kw.get("msg_id"))
        if kind == "link":
            return protocol.link_xml(a, openid, msg_id=kw.get("msg_id"))
        if kind == "event":
            return protocol.event_xml(a, openid, kw.get("event", "subscribe"), kw.get("key"), kw.get("create_time"))
        raise ValueError(f"unknown message kind {kind!r}")

    async def deliver(self, openid: str, xml: str, url: Optional[str] = None) -> Dict[str, Any]:
        """Posts one message like WeChat: a fresh signature per attempt, retries after a time-out or error."""
        user = self.user(openid)
        user.last_message_at = time.time()
        user.sent_since = 0
        session = await self.session()
        outcome: Dict[str, Any] = {"attempts": 0, "status": None, "reply": None}
        for attempt in range(1, self.config.attempts + 1):
            query, body = self.signer.sign_request(xml, openid)
            outcome["attempts"] = attempt
            record = {"openid": openid, "attempt": attempt, "at": time.time()}
            self.requests.append(record)
            try:
                async with session.post(url or self.config.channel_url, params=query, data=body,
                                        headers={"Content-Type": "text/xml"},
                                        timeout=aiohttp.ClientTimeout(total=self.config.request_timeout)) as resp:
                    record["status"] = resp.status
                    text = await resp.text()
            except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
                record["status"] = type(exc).__name__
                self.count("delivery_timeouts" if isinstance(exc, asyncio.TimeoutError) else "delivery_errors")
                continue
            outcome["status"] = resp.status
            if resp.status != 200:
                self.count(f"delivery_http_{resp.status}")
                break
            reply = self.signer.read_reply(text)
            if reply is not None:
                content = reply.get("Content", "")
                if reply.get("ToUserName") != openid or reply.get("FromUserName") != self.config.account:
                    raise AssertionError("passive reply addressed to someone else")
                user.inbox.append({"via": "passive", "text": content, "at": time.time()})
                outcome["reply"] = content
                self.count("passive_replies")
            return outcome
        # WeChat shows this when the developer's server never answered
        user.inbox.append({"via": "wechat", "text": "该公众号暂时无法提供服务，请稍后再试", "at": time.time()})
        self.count("deliveries_failed")
        return outcome

    async def say(self, openid: str, kind: str = "text", settle: float = 0.6, wait: float = 12.0,
                  url: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        """Sends one message and returns what the user then saw (passive reply and customer-service messages).

        Waits until ``settle`` seconds pass without a new message (at most ``wait``)."""
        user = self.user(openid)
        before = len(user.inbox)
        started = time.monotonic()
        await self.deliver(openid, self.build(openid, kind, **kw), url)
        seen, quiet_since = len(user.inbox), time.monotonic()
        while time.monotonic() - started < wait:
            await asyncio.sleep(0.05)
            if len(user.inbox) != seen:
                seen, quiet_since = len(user.inbox), time.monotonic()
            elif time.monotonic() - quiet_since >= settle and seen > before:
                break
        return user.inbox[before:]

    # ------------------------------------------------------------------ control
    async def h_sim_send(self, request: web.Request) -> web.Response:
        body = await request.json()
        openid = body.pop("openid", "o_sim_user_0001")
        kind = body.pop("type", "text")
        wait = float(body.pop("wait", 12.0))
        try:
            replies = await self.say(openid, kind, wait=wait, **body)
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"replies": replies})

    async def h_sim_inbox(self, request: web.Request) -> web.Response:
        user = self.users.get(request.match_info["openid"])
        return web.json_response({"inbox": user.inbox if user else []})

    async def h_sim_expire(self, _request: web.Request) -> web.Response:
        self.expire_tokens()
        return web.json_response({"ok": True})

    async def h_sim_invalidate(self, _request: web.Request) -> web.Response:
        self.tokens.clear()
        return web.json_response({"ok": True})

    async def h_sim_age(self, request: web.Request) -> web.Response:
        hours = float((await request.json()).get("hours", 49))
        self.user(request.match_info["openid"]).last_message_at -= hours * 3600
        return web.json_response({"ok": True})

    async def h_sim_health(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def h_sim_state(self, _request: web.Request) -> web.Response:
        return web.json_response({"counters": self.counters, "menu": self.menu, "users": len(self.users)})

    def expire_tokens(self) -> None:
        for info in self.tokens.values():
            info["expires_at"] = time.time() - 1

"""The 12333 agent console's routes on the web page server (page: web/static/agent.html).

* `GET /agent` - the console; only with a valid staff session of an agent
  (web/staff.py redirects to the sign-in page otherwise).
* `POST /agent/api/chat` {"sender": "hotline-…", "message"} - one turn of the
  call, sent to Rasa's hotline channel (bot/channels/hotline.py) with the
  signed-in agent in `X-Staff-Id` / `X-Staff-Name`: the actions answer in the
  agent register and a submitted case names the agent.
* `GET /agent/api/card?sender=hotline-…` - the knowledge card of the
  conversation (web/agent_card.py), from the tracker's slots read through
  Rasa's HTTP API (`RASA_AUTH_TOKEN`).

Everything else of the console (caller lookup, opening a case, call notes, the
handoff queue) goes through web/staff.py's `/staff/api/` proxy to the backend.
Without a valid session every route answers 401. Message texts are never logged.
"""
from __future__ import annotations

import json
import logging
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from http import HTTPStatus
from typing import TYPE_CHECKING, Optional

from web import staff

if TYPE_CHECKING:  # pragma: no cover
    from web.server import ChatHandler

logger = logging.getLogger("web.agent")

API_PREFIX = "/agent/api/"
SENDER_RE = re.compile(r"^hotline-[A-Za-z0-9_.:-]{1,72}$")
MAX_BODY = 8 * 1024
MAX_MESSAGE = 500
AGENT_ROLES = frozenset({"agent"})

staff.STAFF_PAGES["/agent"] = staff.StaffPage("agent.html", AGENT_ROLES)


def _err(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()


class AgentRoutes:
    def __init__(self, handler: "ChatHandler") -> None:
        self.h = handler
        self.gateway = staff.StaffGateway(handler)

    def handle(self) -> None:
        path, _, query = self.h.path.partition("?")
        me = self.gateway.whoami()
        if me is None:
            return self.h._json(HTTPStatus.UNAUTHORIZED, json.dumps(staff.UNAUTHORIZED, ensure_ascii=False).encode())
        if me.get("role") not in AGENT_ROLES:
            return self.h._json(HTTPStatus.FORBIDDEN, _err("FORBIDDEN", "只有12333坐席账号可以使用坐席工作台。"))
        route = path[len(API_PREFIX):]
        if route == "chat" and self.h.command == "POST":
            if not self.gateway._same_origin():
                return self.h._json(HTTPStatus.FORBIDDEN, json.dumps(staff.FORBIDDEN_ORIGIN, ensure_ascii=False).encode())
            return self.chat(me)
        if route == "card" and self.h.command in ("GET", "HEAD"):
            return self.card(urllib.parse.parse_qs(query).get("sender", [""])[0])
        return self.h._json(HTTPStatus.NOT_FOUND, _err("NOT_FOUND", "接口不存在。"))

    # -- one turn of the call --------------------------------------------------------
    def _body(self) -> Optional[dict]:
        try:
            length = int(self.h.headers.get("Content-Length") or "")
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.h.close_connection = True
            self.h._json(HTTPStatus.BAD_REQUEST, _err("BAD_REQUEST", "消息太长或格式不正确，请精简后重试。"))
            return None
        try:
            data = json.loads(self.h.rfile.read(length).decode("utf-8"))
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            self.h._json(HTTPStatus.BAD_REQUEST, _err("BAD_REQUEST", "消息格式不正确，请刷新页面后重试。"))
            return None
        return data

    def chat(self, me: dict) -> None:
        data = self._body()
        if data is None:
            return None
        sender, message = data.get("sender"), data.get("message")
        if not isinstance(sender, str) or not SENDER_RE.match(sender):
            return self.h._json(HTTPStatus.BAD_REQUEST, _err("BAD_SENDER", "通话编号无效，请点击“新通话”。"))
        if not isinstance(message, str) or not message.strip():
            return self.h._json(HTTPStatus.BAD_REQUEST, _err("EMPTY", "请输入来电人说的话或关键词。"))
        if len(message) > MAX_MESSAGE:
            return self.h._json(HTTPStatus.BAD_REQUEST, _err("TOO_LONG", f"请不要超过{MAX_MESSAGE}个字。"))
        body = json.dumps({"sender": sender, "message": message.strip()}, ensure_ascii=False).encode()
        req = urllib.request.Request(
            f"{self.h.rasa_url}/webhooks/hotline/webhook", data=body, method="POST",
            headers={"Content-Type": "application/json", "X-Forwarded-For": self.h.client_address[0],
                     "X-Staff-Id": str(me.get("staff_id", "")),
                     "X-Staff-Name": urllib.parse.quote(str(me.get("name", "")))},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.h.rasa_timeout) as resp:
                return self.h._json(HTTPStatus.OK, resp.read())
        except urllib.error.HTTPError as exc:
            logger.warning("rasa hotline channel answered %s", exc.code)
            return self.h._json(HTTPStatus.BAD_GATEWAY, _err("ASSISTANT_ERROR", "助手暂时出了点问题，请稍后再试。"))
        except (urllib.error.URLError, OSError):
            return self.h._json(HTTPStatus.SERVICE_UNAVAILABLE, _err("ASSISTANT_DOWN", "助手暂时不可用，请稍后再试。"))

    # -- the knowledge card ------------------------------------------------------------
    def card(self, sender: str) -> None:
        if not SENDER_RE.match(sender or ""):
            return self.h._json(HTTPStatus.BAD_REQUEST, _err("BAD_SENDER", "通话编号无效。"))
        token = os.environ.get("RASA_AUTH_TOKEN", "")
        url = (f"{self.h.rasa_url}/conversations/{urllib.parse.quote(sender)}/tracker"
               f"?include_events=NONE&token={urllib.parse.quote(token)}")
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                slots = (json.loads(resp.read()) or {}).get("slots") or {}
        except (urllib.error.URLError, OSError, ValueError):
            return self.h._json(HTTPStatus.SERVICE_UNAVAILABLE, _err("ASSISTANT_DOWN", "暂时读不到本次通话的信息，请稍后再试。"))
        from web.agent_card import card

        try:
            body = card(slots)
        except Exception:
            logger.exception("knowledge card failed")
            return self.h._json(HTTPStatus.INTERNAL_SERVER_ERROR, _err("CARD_ERROR", "知识卡片暂时无法生成。"))
        self.h._json(HTTPStatus.OK, json.dumps(body, ensure_ascii=False).encode())

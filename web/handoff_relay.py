"""The citizen's side of a handoff to a 12333 agent, on the web page server.

* `GET /api/handoff?sender=web-…&after=N` - what chat.js polls while a handoff
  is open: its status and the agent's messages after N (backend, service token).
* `relay(handler, sender, message)` - called by `/api/chat` before Rasa: while
  an agent holds the conversation, the citizen's message goes to the agent
  (masked by the backend) instead of the assistant. When the backend does not
  answer, the message goes to the assistant as before.
* Conversation ids starting with `hotline-` belong to the agent console and are
  refused here (a citizen must never be recorded as a hotline caller).
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

if TYPE_CHECKING:  # pragma: no cover
    from web.server import ChatHandler

logger = logging.getLogger("web.handoff")

PATH = "/api/handoff"
SENDER_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")


def _err(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()


def _call(handler: "ChatHandler", method: str, path: str, body: Optional[dict] = None, timeout: float = 5):
    token = os.environ.get("SERVICE_TOKEN", "")
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    req = urllib.request.Request(
        handler.backend_url + path, data=data, method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"null")
        except ValueError:
            return exc.code, None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        logger.warning("backend unreachable for handoff: %s", type(exc).__name__)
        return None, None


def is_console_sender(sender: str) -> bool:
    return sender.startswith("hotline-")


def poll(handler: "ChatHandler") -> None:
    query = urllib.parse.parse_qs(handler.path.partition("?")[2])
    sender = query.get("sender", [""])[0]
    after = query.get("after", ["0"])[0]
    if not SENDER_RE.match(sender) or is_console_sender(sender) or not after.isdigit() or len(after) > 10:
        return handler._json(HTTPStatus.BAD_REQUEST, _err("BAD_SENDER", "会话标识无效，请点击“重新开始”。"))
    status, body = _call(handler, "GET", f"/api/v1/handoffs/by-conversation/{urllib.parse.quote(sender)}?after={after}")
    if status != 200 or not isinstance(body, dict):
        return handler._json(HTTPStatus.SERVICE_UNAVAILABLE, _err("UNAVAILABLE", "人工服务暂时无法连接，请稍后再试或拨打12333。"))
    handler._json(HTTPStatus.OK, json.dumps(body, ensure_ascii=False).encode())


def relay(handler: "ChatHandler", sender: str, message: str) -> bool:
    """True when the message went to the agent holding the conversation (the reply is sent)."""
    if not os.environ.get("SERVICE_TOKEN"):
        return False
    status, body = _call(handler, "POST", f"/api/v1/handoffs/by-conversation/{urllib.parse.quote(sender)}/messages",
                         {"text": message}, timeout=2)   # a hung backend delays the assistant at most 2 s
    if status != 201:
        return False    # no agent holds it (409) or the backend is down: the assistant answers
    reply = [{"recipient_id": sender, "custom": {"agent_relay": {"status": "taken", "message_id": (body or {}).get("id")}}}]
    handler._json(HTTPStatus.OK, json.dumps(reply, ensure_ascii=False).encode())
    return True

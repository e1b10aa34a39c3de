"""The 12333 agent console's input channel: the same assistant, in the agent register.

``POST /webhooks/hotline/webhook`` with ``{"sender": "hotline-…", "message": "…"}``,
accepted only from a trusted hop (web/server.py, which checked the agent's
staff session) and only for conversation ids starting with ``hotline-``.
The hop names the signed-in agent in ``X-Staff-Id`` and ``X-Staff-Name``
(percent-encoded UTF-8); the channel puts them in the message metadata
(``{"register": "agent", "agent": {"staff_id", "name"}}``), never taken from
the body. Replies are collected by an output channel named ``hotline``, so
domain responses may carry ``channel: hotline`` variations, and actions see
``tracker.get_latest_input_channel() == "hotline"`` (actions/agent/register.py).
"""
from __future__ import annotations

import logging
import re
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text
from urllib.parse import unquote

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.edge import (
    FAILED_TEXT,
    Refused,
    _error,
    _trusted_proxies,
    check_text,
    client_address,
    is_trusted_peer,
    read_message_body,
    text_reply,
)

logger = logging.getLogger(__name__)

CHANNEL = "hotline"
SENDER_PREFIX = "hotline-"
BAD_SENDER_TEXT = f"坐席会话标识应以 {SENDER_PREFIX} 开头。"
_STAFF_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


class HotlineOutput(CollectingOutputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL


def agent_of(headers: Any) -> Optional[Dict[str, str]]:
    staff_id = (headers.get("X-Staff-Id") or "").strip()
    try:
        name = unquote(headers.get("X-Staff-Name") or "", errors="strict").strip()
    except UnicodeDecodeError:
        name = ""
    if not _STAFF_ID.match(staff_id) or not name or len(name) > 64 or re.search(r"[\x00-\x1f\x7f]", name):
        return None
    return {"staff_id": staff_id, "name": name}


class HotlineInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    def __init__(self) -> None:
        self.trusted = _trusted_proxies()

    def _trusted(self, request: Request) -> bool:
        return is_trusted_peer(request, self.trusted)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        bp = Blueprint("hotline_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if not self._trusted(request):
                return _error(403, "FORBIDDEN", "坐席通道只接受工作台服务器的请求。")
            agent = agent_of(request.headers)
            if agent is None:
                return _error(403, "NO_AGENT", "缺少坐席身份，请重新登录坐席工作台。")
            try:
                data, sender = read_message_body(
                    request.body, sender_rule=lambda s: s.startswith(SENDER_PREFIX), bad_sender_text=BAD_SENDER_TEXT
                )
            except Refused as refused:
                return refused.response()
            text = data.get("message")
            refusal = check_text(text)
            if refusal:
                return text_reply(sender, refusal)
            collector = HotlineOutput()
            metadata = {"client_address": client_address(request, self.trusted), "register": "agent", "agent": agent}
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=CHANNEL, metadata=metadata))
            except (CancelledError, Exception):
                logger.exception("hotline message of %s could not be handled", sender)
            if not collector.messages:
                return text_reply(sender, FAILED_TEXT)
            return response.json(collector.messages)

        return bp

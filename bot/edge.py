"""Rasa's entry points, refusing hostile input politely.

`GuardedRestInput` replaces Rasa's REST channel (same URL,
``POST /webhooks/rest/webhook``, same answers for good requests):

* a body over `MAX_BODY_BYTES` → 413, not JSON / not an object / no sender /
  a message that is not text → 400, always ``{"error": {"code", "message"}}``
  with a Chinese message (Rasa's own channel answered 500 or hung);
* an empty message or one longer than `MAX_MESSAGE_CHARS` never reaches NLU:
  the reply is one Chinese message asking to shorten it, and the
  conversation (a half-filled form) is untouched;
* Sanic's `REQUEST_MAX_SIZE` for the whole Rasa server is lowered from
  100 MB to `SERVER_MAX_BODY_BYTES` (the HTTP API included);
* `metadata.client_address` is set here, never taken from the body: the
  address of the peer, or - when the peer is a trusted hop
  (`EDGE_TRUSTED_PROXIES`, default the loopback: web/server.py) - the last
  address of its ``X-Forwarded-For``. The action server passes it to the
  backend as the per-client key of the lookup limits. `input_channel` from the
  body is honoured only from a trusted hop.

`GuardedSocketIOInput` applies the same message checks to socket.io (and
makes its session persistence work, see there).

`read_message_body` is the body parsing and validation (size, JSON object,
sender) shared by the JSON input channels (this REST channel and
bot/channels/hotline.py); a refusal is raised as `Refused`, whose
`response()` is the error answer. `is_trusted_peer` and `client_address`
are likewise shared.

Registered in bot/credentials.yml by class path.
"""
from __future__ import annotations

import inspect
import ipaddress
import json
import logging
import os
import re
import uuid
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
SERVER_MAX_BODY_BYTES = 1024 * 1024
MAX_MESSAGE_CHARS = 1000
MAX_SENDER_CHARS = 128
_SENDER_BAD = re.compile(r"[\x00-\x1f\x7f]")

TOO_LONG_TEXT = f"您的消息太长了（超过{MAX_MESSAGE_CHARS}字），请精简后分几次发送；已填写的内容不会丢失。"
EMPTY_TEXT = "没有收到内容，请输入您的问题或回答后再发送。"
NOT_TEXT = "无法识别这条消息，请输入文字后再发送。"
FAILED_TEXT = "抱歉，系统暂时出了点问题，请稍后再发一次；已填写的内容不会丢失。"
TOO_LARGE_TEXT = "提交的内容过大，请精简后分几次发送。"
BAD_JSON_TEXT = "消息格式不正确（需要JSON），请检查后重试。"
NOT_OBJECT_TEXT = "消息格式不正确：需要包含 sender 和 message 的JSON对象。"
BAD_SENDER_TEXT = f"缺少有效的会话标识 sender（1至{MAX_SENDER_CHARS}个字符的文本）。"


def _error(status: int, code: str, message: str) -> response.HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status, ensure_ascii=False)


def text_reply(sender: str, text: str) -> response.HTTPResponse:
    """One bot message, as Rasa's REST channel answers."""
    return response.json([{"recipient_id": sender, "text": text}], ensure_ascii=False)


class Refused(Exception):
    """A request refused before it reaches Rasa: HTTP status, error code, Chinese message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> response.HTTPResponse:
        return _error(self.status, self.code, self.message)


def read_message_body(
    body: Optional[bytes],
    sender_rule: Optional[Callable[[str], bool]] = None,
    bad_sender_text: str = BAD_SENDER_TEXT,
) -> Tuple[Dict[str, Any], str]:
    """The JSON object of a channel's POST body and its sender, or `Refused`.

    Over `MAX_BODY_BYTES` → 413 ``TOO_LARGE``; not UTF-8 JSON (or nested too
    deep) → 400 ``BAD_JSON``; not an object → 400 ``BAD_REQUEST``; a sender
    that is not 1 to `MAX_SENDER_CHARS` characters of printable text, or that
    `sender_rule` (a channel's own rule, e.g. a prefix) rejects → 400
    ``BAD_SENDER`` with `bad_sender_text`. The message itself is the caller's.
    """
    body = body or b""
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, "TOO_LARGE", TOO_LARGE_TEXT)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "BAD_JSON", BAD_JSON_TEXT) from None
    if not isinstance(data, dict):
        raise Refused(400, "BAD_REQUEST", NOT_OBJECT_TEXT)
    sender = data.get("sender")
    if not _valid_sender(sender) or (sender_rule is not None and not sender_rule(sender)):
        raise Refused(400, "BAD_SENDER", bad_sender_text)
    return data, sender


def _trusted_proxies() -> list:
    raw = os.environ.get("EDGE_TRUSTED_PROXIES", "127.0.0.1,::1")
    networks = []
    for part in raw.split(","):
        part = part.strip()
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                logger.warning("EDGE_TRUSTED_PROXIES: %r is not an address or network, ignored", part)
    return networks


def _ip(text: str) -> Optional[ipaddress._BaseAddress]:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def is_trusted_peer(request: Request, trusted: Sequence[Any]) -> bool:
    """Whether the request's peer is in one of the `trusted` networks (`_trusted_proxies()`)."""
    peer = _ip(request.ip or "")
    return peer is not None and any(peer in net for net in trusted)


def client_address(request: Request, trusted: Sequence[Any]) -> str:
    """The peer's address, or - from a trusted hop - the last address of its X-Forwarded-For."""
    if is_trusted_peer(request, trusted):
        forwarded = request.headers.get("X-Forwarded-For", "")
        last = _ip(forwarded.split(",")[-1]) if forwarded else None
        if last:
            return str(last)
    return request.ip or ""


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_text(text: Any) -> Optional[str]:
    """None when the message may go to NLU, else the polite reply."""
    if not isinstance(text, str) or has_lone_surrogate(text):
        return NOT_TEXT
    if not text.strip():
        return EMPTY_TEXT
    if len(text) > MAX_MESSAGE_CHARS:
        return TOO_LONG_TEXT
    return None


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self) -> None:
        self.trusted = _trusted_proxies()

    def peer_is_trusted(self, request: Request) -> bool:
        return is_trusted_peer(request, self.trusted)

    def client_address(self, request: Request) -> str:
        return client_address(request, self.trusted)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        bp = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @bp.listener("before_server_start")
        async def cap_request_size(app, _loop) -> None:
            app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, SERVER_MAX_BODY_BYTES)

        @bp.route("/", methods=["GET"])
        async def health(_request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            try:
                data, sender = read_message_body(request.body)
            except Refused as refused:
                return refused.response()
            text = data.get("message")
            if not isinstance(text, str):
                return _error(400, "BAD_MESSAGE", "缺少消息内容 message，或它不是文本。")
            refusal = check_text(text)
            if refusal:
                return text_reply(sender, refusal)
            channel = self.name()
            if self.peer_is_trusted(request) and isinstance(data.get("input_channel"), str):
                channel = data["input_channel"][:32] or channel
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender,
                        input_channel=channel,
                        metadata={"client_address": self.client_address(request)},
                    )
                )
            except (CancelledError, Exception):  # as Rasa's channel: answer, do not fail
                logger.exception("message of %s could not be handled", sender)
            if not collector.messages:  # e.g. the action server was unreachable: never an empty reply
                return text_reply(sender, FAILED_TEXT)
            return response.json(collector.messages)

        return bp


class GuardedSocketIOInput(SocketIOInput):
    """socket.io with the REST channel's message checks.

    Rasa's own `session_request` handler calls python-socketio's `enter_room`
    without awaiting it (a coroutine in the installed version), so with
    `session_persistence` no answer ever reached the client; both handlers are
    replaced: the room is joined, the session id must be short text, a
    malformed event is ignored instead of raising, client metadata is dropped.
    """

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)
        sio = self.sio

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            session = data.get("session_id") if isinstance(data, dict) else None
            if not _valid_sender(session):
                session = uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            output = SocketIOOutput(sio, self.bot_message_evt)
            data = data if isinstance(data, dict) else {}
            sender = data.get("session_id") if self.session_persistence else sid
            if not _valid_sender(sender):
                logger.warning("socket.io message without a valid session_id ignored")
                return
            refusal = check_text(data.get("message"))
            if refusal:
                await output.send_text_message(sender, refusal)
                return
            await on_new_message(UserMessage(data["message"], output, sender, input_channel=self.name(), metadata={}))

        return bp


def _valid_sender(sender: Any) -> bool:
    return (
        isinstance(sender, str)
        and bool(sender.strip())
        and len(sender) <= MAX_SENDER_CHARS
        and not _SENDER_BAD.search(sender)
        and not has_lone_surrogate(sender)
    )

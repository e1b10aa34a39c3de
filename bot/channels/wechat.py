"""The WeChat Official Account channel: ``POST/GET /webhooks/wechat/webhook``.

Configured from the environment (``bot/credentials.yml`` names the class;
values given there override the environment, which tests use):

    WECHAT_TOKEN              the token set in the account's 服务器配置 (required)
    WECHAT_APP_ID             AppID: AES decryption and the customer-service API
    WECHAT_APP_SECRET         AppSecret: access_token for the customer-service API
    WECHAT_ENCODING_AES_KEY   EncodingAESKey (43 characters): compatible and safe mode
    WECHAT_API_BASE           default https://api.weixin.qq.com (the simulator: http://127.0.0.1:<port>)
    WECHAT_REDIS_URL          shared state for several Rasa instances (default: LOCK_STORE_REDIS_URL, else memory)
    WECHAT_REDIS_PREFIX       key prefix in Redis, default ``yjs:wechat:``
    WECHAT_REPLY_DEADLINE     seconds to wait for a passive reply, default 4 (WeChat gives up after 5)
    WECHAT_MAX_AGE            seconds a signed request stays valid, default 300
    WECHAT_LINK_BUTTONS       1 (default): buttons as weixin://bizmsgmenu links in customer-service messages

What happens to a message:

1. the signature (plaintext mode) or ``msg_signature`` (compatible / safe
   mode, then decrypted) is checked and the timestamp must be recent;
   anything else gets 403 and a log line without content;
2. the MsgId (``FromUserName`` + ``CreateTime`` for events) is claimed in the
   store; a retry of a claimed message never runs the conversation again and
   gets the stored passive reply, or ``success``;
3. the message becomes the user's text (voice: its ``Recognition``; a menu
   tap or a number answering the last buttons: that button's payload), or a
   polite reply of the channel itself (image, location, others);
4. the assistant's reply is awaited up to the deadline: a short reply without
   buttons goes back passively; otherwise ``success`` is returned at once and
   the reply is delivered with ``message/custom/send`` (in order, in parts
   under the length limit, buttons as links plus numbers).

The sender is the user's OpenID, so one conversation lasts across messages.
No message content is logged; OpenIDs only masked.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import inspect
import logging
import os
import time
from dataclasses import dataclass, field, fields
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage

from bot.channels import wechat_render as render
from bot.channels.wechat_api import DEFAULT_API_BASE, TOO_MANY_REPLIES, WINDOW_CLOSED, WeChatAPI, WeChatAPIError
from bot.channels.wechat_menu import click_payloads
from bot.channels.wechat_store import ASYNC, PASSIVE_PREFIX, PROCESSING, load_buttons, make_store, save_buttons
from knowledge.personal_data import mask_id_number

logger = logging.getLogger(__name__)

DEDUPE_SECONDS = 600.0          # WeChat retries within ~15 s; records are kept well beyond that
WELCOME_PAYLOAD = "/greet"      # welcome text and the main menu

TEXTS = {
    "voice_unrecognised": "抱歉，这段语音没能识别出文字。请您直接输入文字，或点击下方菜单选择服务。",
    "image": "已收到您的图片。目前还不能在这里通过图片提交材料，请用文字告诉我您想办理或咨询的事项，也可以点击下方菜单选择服务。",
    "location": "已收到您的位置。请用文字告诉我您所在的区县和想办理的事项，我来为您解答。",
    "unsupported": "抱歉，目前只能处理文字和语音消息。请直接输入您的问题，或点击下方菜单选择服务。",
    "error": "抱歉，系统暂时繁忙，请稍后再发一次；也可以拨打12333人社服务热线咨询。",
}


def mask(openid: str) -> str:
    return mask_id_number(openid or "")


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


@dataclass
class WeChatSettings:
    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    encoding_aes_key: str = ""
    api_base: str = DEFAULT_API_BASE
    redis_url: Optional[str] = None
    redis_prefix: str = "yjs:wechat:"
    reply_deadline: float = 4.0
    max_age: float = 300.0
    link_buttons: bool = True

    @classmethod
    def from_env(cls, overrides: Optional[Dict[str, Any]] = None) -> "WeChatSettings":
        env = os.environ
        values: Dict[str, Any] = {
            "token": env.get("WECHAT_TOKEN", ""),
            "app_id": env.get("WECHAT_APP_ID", ""),
            "app_secret": env.get("WECHAT_APP_SECRET", ""),
            "encoding_aes_key": env.get("WECHAT_ENCODING_AES_KEY", ""),
            "api_base": env.get("WECHAT_API_BASE") or DEFAULT_API_BASE,
            "redis_url": env.get("WECHAT_REDIS_URL") or env.get("LOCK_STORE_REDIS_URL") or None,
            "redis_prefix": env.get("WECHAT_REDIS_PREFIX") or "yjs:wechat:",
            "reply_deadline": _env_float("WECHAT_REPLY_DEADLINE", 4.0),
            "max_age": _env_float("WECHAT_MAX_AGE", 300.0),
            "link_buttons": env.get("WECHAT_LINK_BUTTONS", "1").strip().lower() not in ("0", "false", "no", "off"),
        }
        known = {f.name for f in fields(cls)}
        for key, value in (overrides or {}).items():
            if key in known and value not in (None, ""):
                values[key] = value
        return cls(**values)


class RefusedRequest(Exception):
    """Unsigned, wrongly signed, stale or undecryptable: answered with 403."""


@dataclass
class _Incoming:
    openid: str
    account: str
    dedupe_key: str
    kind: str
    text: Optional[str] = None          # what the assistant receives
    reply: Optional[str] = None         # the channel's own reply (no assistant turn)
    metadata: Dict[str, Any] = field(default_factory=dict)


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        return cls(WeChatSettings.from_env(credentials or {}))

    def __init__(self, settings: WeChatSettings) -> None:
        self.settings = settings
        self.store = make_store(settings.redis_url, settings.redis_prefix)
        self.api = WeChatAPI(settings.app_id, settings.app_secret, self.store, settings.api_base)
        self.crypto = None
        if settings.encoding_aes_key:
            from wechatpy.crypto import WeChatCrypto

            if len(settings.encoding_aes_key) != 43:
                raise ValueError("WECHAT_ENCODING_AES_KEY must be the account's 43-character EncodingAESKey")
            self.crypto = WeChatCrypto(settings.token, settings.encoding_aes_key, settings.app_id)
        self.menu_payloads = click_payloads()
        self._background: Set[asyncio.Task] = set()
        self._delivery_locks: Dict[str, asyncio.Lock] = {}
        if not settings.token:
            logger.warning("wechat: WECHAT_TOKEN is not set; the WeChat channel refuses every request")

    # ------------------------------------------------------------------ verification
    def verify(self, args: Dict[str, str], body: bytes) -> str:
        """The plaintext XML of a request, or RefusedRequest."""
        s = self.settings
        if not s.token:
            raise RefusedRequest("channel not configured")
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        if not timestamp.isdigit() or not nonce:
            raise RefusedRequest("no timestamp or nonce")
        if abs(time.time() - int(timestamp)) > s.max_age:
            raise RefusedRequest("stale timestamp")
        signature = args.get("signature", "")
        if args.get("encrypt_type", "raw") == "aes":
            if self.crypto is None:
                raise RefusedRequest("encrypted request but no EncodingAESKey configured")
            msg_signature = args.get("msg_signature", "")
            encrypt = _xml_field(body, "Encrypt")
            if not msg_signature or encrypt is None:
                raise RefusedRequest("encrypted request without msg_signature or Encrypt")
            if not hmac.compare_digest(sha1_signature(s.token, timestamp, nonce, encrypt), msg_signature):
                raise RefusedRequest("wrong msg_signature")
            if signature and not hmac.compare_digest(sha1_signature(s.token, timestamp, nonce), signature):
                raise RefusedRequest("wrong signature")
            try:
                return self.crypto.decrypt_message(body, msg_signature, timestamp, nonce)
            except Exception as exc:  # wrong AppID, bad padding, bad base64
                raise RefusedRequest(f"cannot decrypt ({type(exc).__name__})") from None
        if not signature or not hmac.compare_digest(sha1_signature(s.token, timestamp, nonce), signature):
            raise RefusedRequest("wrong or missing signature")
        # plaintext mode: the signature does not cover the body (safe mode's msg_signature does)
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise RefusedRequest("body is not UTF-8") from None

    # ------------------------------------------------------------------ parsing
    async def interpret(self, xml: str) -> _Incoming:
        from wechatpy import parse_message

        msg = parse_message(xml)
        raw = getattr(msg, "_data", {}) or {}
        openid, account = str(raw.get("FromUserName", "")), str(raw.get("ToUserName", ""))
        msg_id = raw.get("MsgId")
        dedupe = f"msg:{account}:{msg_id}" if msg_id else f"evt:{account}:{openid}:{raw.get('CreateTime', '')}"
        # the lookup limits count per subscriber, not per WeChat server address (backend/app/api/deps.py)
        subscriber = hashlib.sha256(f"{account}:{openid}".encode("utf-8")).hexdigest()[:32]
        incoming = _Incoming(openid, account, dedupe, msg.type,
                             metadata={"wechat": {"type": msg.type}, "client_address": f"wechat:{subscriber}"})
        if msg.type == "text":
            content = (msg.content or "").strip()
            buttons, numbered = await load_buttons(self.store, openid)
            payload = render.pick_button(buttons, content, str(raw.get("bizmsgmenuid") or "") or None, numbered)
            incoming.text = payload or content
        elif msg.type == "voice":
            recognised = (getattr(msg, "recognition", "") or "").strip().rstrip("。.！!")
            if recognised:
                buttons, numbered = await load_buttons(self.store, openid)
                incoming.text = render.pick_button(buttons, recognised, None, numbered) or recognised
            else:
                incoming.reply = TEXTS["voice_unrecognised"]
        elif msg.type == "image":
            incoming.reply = await self.receive_image(openid, str(raw.get("MediaId", "")), str(raw.get("PicUrl", "")))
        elif msg.type == "location":
            incoming.reply = TEXTS["location"]
        elif msg.type == "event":
            event = str(raw.get("Event", "")).lower()
            incoming.kind = f"event:{event}"
            incoming.metadata["wechat"]["event"] = event
            if event == "subscribe":
                incoming.text = WELCOME_PAYLOAD
            elif event == "click":
                incoming.text = self.menu_payloads.get(str(raw.get("EventKey", "")), WELCOME_PAYLOAD)
            # unsubscribe, VIEW, LOCATION reports, SCAN, job-finished notices: nothing to say
        else:
            incoming.reply = TEXTS["unsupported"]
        return incoming

    async def receive_image(self, openid: str, media_id: str, pic_url: str) -> str:
        """The one place an image message is handled.

        The case backend has no material upload yet; when it has, fetch the
        bytes with ``await self.api.get_media(media_id)`` (valid 3 days) and
        hand them on here. Until then the user gets a polite explanation.
        """
        return TEXTS["image"]

    # ------------------------------------------------------------------ handling
    async def handle(
        self, xml: str, on_new_message: Callable[[UserMessage], Awaitable[Any]],
        connected: Callable[[], bool] = lambda: True,
    ) -> Optional[str]:
        """The passive reply text for one verified message, or None for ``success``.

        ``connected`` tells whether WeChat still waits for this request's
        answer; once it has hung up (it then retries), a passive reply would be
        lost, so the answer goes by customer-service message instead."""
        started = time.monotonic()
        incoming = await self.interpret(xml)
        if not await self.store.claim(incoming.dedupe_key, PROCESSING, DEDUPE_SECONDS):
            await self.store.incr("duplicates")
            return await self._answer_duplicate(incoming.dedupe_key, started)
        if incoming.text is None:
            await self._finish(incoming, PASSIVE_PREFIX + (incoming.reply or ""))
            return incoming.reply
        job = asyncio.ensure_future(self._run_assistant(incoming, on_new_message))
        self._keep(job)
        remaining = max(0.0, self.settings.reply_deadline - (time.monotonic() - started))
        done, _ = await asyncio.wait({job}, timeout=remaining)
        if not done or not connected():
            await self._finish(incoming, ASYNC)
            await self.store.incr("async_replies")
            job.add_done_callback(lambda j: self._keep(asyncio.ensure_future(self._deliver_later(incoming, j))))
            return None
        messages = job.result()
        passive = await self._passive_text(incoming, messages)
        if passive is None:
            await self._finish(incoming, ASYNC)
            self._keep(asyncio.ensure_future(self._deliver(incoming, messages)))
            return None
        turn = render.render_turn(messages, links=False)
        await save_buttons(self.store, incoming.openid, turn["buttons"], turn["numbered"])
        await self._finish(incoming, PASSIVE_PREFIX + passive)
        return passive or None

    async def _run_assistant(self, incoming: _Incoming, on_new_message) -> List[Dict[str, Any]]:
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(
                incoming.text, collector, incoming.openid, input_channel=self.name(),
                metadata=incoming.metadata,
            ))
        except Exception:
            logger.exception("wechat: the assistant failed on a message from %s", mask(incoming.openid))
            return [{"text": TEXTS["error"]}]
        return collector.messages

    def _uses_links(self, messages: List[Dict[str, Any]]) -> bool:
        return self.settings.link_buttons and self.api.configured and any(m.get("buttons") for m in messages)

    async def _passive_text(self, incoming: _Incoming, messages: List[Dict[str, Any]]) -> Optional[str]:
        """The passive reply, or None when the reply must go through the customer-service API."""
        if self._uses_links(messages):
            return None
        text = render.render_turn(messages, links=False)["text"]
        parts = render.split_text(text)
        if len(parts) <= 1:
            return parts[0] if parts else ""
        if self.api.configured:
            return None
        return parts[0]        # no API credentials: the first part is all WeChat can take

    async def _deliver_later(self, incoming: _Incoming, job: asyncio.Future) -> None:
        if job.cancelled():
            return
        await self._deliver(incoming, job.result())

    async def _deliver(self, incoming: _Incoming, messages: List[Dict[str, Any]]) -> None:
        """Sends a turn with message/custom/send: in order, never a part twice."""
        links = self._uses_links(messages)
        turn = render.render_turn(messages, links=links)
        await save_buttons(self.store, incoming.openid, turn["buttons"], turn["numbered"])
        if not turn["text"]:
            return
        if not self.api.configured:
            logger.error("wechat: a late reply for %s cannot be sent: WECHAT_APP_ID/WECHAT_APP_SECRET not set",
                         mask(incoming.openid))
            await self.store.incr("undeliverable")
            return
        if len(self._delivery_locks) > 10_000:
            self._delivery_locks = {k: v for k, v in self._delivery_locks.items() if v.locked()}
        lock = self._delivery_locks.setdefault(incoming.openid, asyncio.Lock())
        async with lock:
            for part in render.split_text(turn["text"]):
                try:
                    await self.api.send_text(incoming.openid, part)
                    await self.store.incr("customer_service_sent")
                except WeChatAPIError as exc:
                    await self.store.incr(f"customer_service_error_{exc.errcode}")
                    if exc.errcode == WINDOW_CLOSED:
                        logger.warning("wechat: reply to %s not sent: 48-hour window closed (45015)", mask(incoming.openid))
                    elif exc.errcode == TOO_MANY_REPLIES:
                        logger.warning("wechat: reply to %s not sent: message limit reached (45047)", mask(incoming.openid))
                    else:
                        logger.error("wechat: reply to %s not sent: errcode %s", mask(incoming.openid), exc.errcode)
                    return          # never retried blindly, and no later part without the earlier one
                except Exception as exc:   # time-outs, connection and aiohttp errors
                    await self.store.incr("customer_service_network_error")
                    logger.error("wechat: reply to %s not sent (%s); not retried, it may have arrived",
                                 mask(incoming.openid), type(exc).__name__)
                    return

    async def _finish(self, incoming: _Incoming, state: str) -> None:
        await self.store.set(incoming.dedupe_key, state, DEDUPE_SECONDS)

    async def _answer_duplicate(self, key: str, started: float) -> Optional[str]:
        """A message already claimed: the first delivery's passive reply once known, else ``success``."""
        while True:
            state = await self.store.get(key)
            if state and state.startswith(PASSIVE_PREFIX):
                return state[len(PASSIVE_PREFIX):] or None
            if state != PROCESSING or time.monotonic() - started > self.settings.reply_deadline:
                return None
            await asyncio.sleep(0.05)

    def _keep(self, task: asyncio.Future) -> None:
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ HTTP
    def reply_xml(self, xml_in: str, text: str, args: Dict[str, str]) -> str:
        from wechatpy import parse_message
        from wechatpy.replies import TextReply

        reply = TextReply(message=parse_message(xml_in), content=text).render()
        if args.get("encrypt_type") == "aes" and self.crypto is not None:
            return self.crypto.encrypt_message(reply, args.get("nonce", ""), str(int(time.time())))
        return reply

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        bp = Blueprint(f"wechat_webhook_{id(self)}", module.__name__ if module else None)

        def refuse(request: Request, reason: str) -> HTTPResponse:
            logger.warning("wechat: refused %s request from %s: %s", request.method, request.ip, reason)
            return response.text("forbidden", status=403)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({
                "status": "ok",
                "configured": bool(self.settings.token),
                "aes": self.crypto is not None,
                "customer_service": self.api.configured,
                "shared_state": "redis" if self.settings.redis_url else "memory",
                "counters": await self.store.counters(),
            })

        @bp.route("/webhook", methods=["GET"])
        async def verify_url(request: Request) -> HTTPResponse:
            args = {k: request.args.get(k, "") for k in ("signature", "timestamp", "nonce", "echostr")}
            try:
                self.verify(args, b"")
            except RefusedRequest as exc:
                return refuse(request, str(exc))
            return response.text(args["echostr"])

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            args = {k: request.args.get(k, "") for k in
                    ("signature", "timestamp", "nonce", "encrypt_type", "msg_signature", "openid")}
            try:
                xml = self.verify(args, request.body or b"")
            except RefusedRequest as exc:
                return refuse(request, str(exc))
            link = {"open": True}
            handling = asyncio.ensure_future(self.handle(xml, on_new_message, lambda: link["open"]))
            try:
                # shielded: when WeChat hangs up, Sanic cancels this handler, not the turn
                text = await asyncio.shield(handling)
            except asyncio.CancelledError:
                link["open"] = False
                self._keep(handling)
                raise
            except Exception:
                logger.exception("wechat: could not handle a message")
                return response.text("success")
            if not text:
                return response.text("success")
            return response.text(self.reply_xml(xml, text, args), content_type="application/xml")

        return bp


def _xml_field(body: bytes, name: str) -> Optional[str]:
    """One top-level field of the request XML (before decryption)."""
    import xmltodict

    try:
        doc = xmltodict.parse(body or b"<xml/>", disable_entities=True)
    except Exception:
        return None
    value = (doc.get("xml") or {}).get(name)
    return value if isinstance(value, str) else None

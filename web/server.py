"""Serves the web chat page and forwards chat messages to Rasa's REST channel.

Standard library only. Same origin for page and API, so no CORS is needed and
Rasa itself stays on 127.0.0.1. Message contents are never logged (they may
hold ID or phone numbers). Refuses politely, always with a 4xx and a Chinese
message: bodies over 8 kB (by Content-Length; a body without one is not
read), malformed JSON, a missing or odd sender, a message that is not text,
empty, longer than 500 characters or with lone surrogates. The address of
the peer goes to Rasa as X-Forwarded-For (bot/edge.py trusts it from here).

The staff consoles (/worker, sign-in page, /staff/api/ proxy to the backend)
live in web/staff.py.

    python -m web.server            # WEB_HOST, WEB_PORT, RASA_URL, BACKEND_URL from the environment
"""
from __future__ import annotations

import json
import logging
import mimetypes
import os
import re
import urllib.error
import urllib.request
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from web import agent, handoff_relay, staff, uploads

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY = 8 * 1024
MAX_MESSAGE = 500
SENDER_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")

logger = logging.getLogger("web")


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()


class ChatHandler(BaseHTTPRequestHandler):
    server_version = "yjs-web/1.0"
    rasa_url = "http://127.0.0.1:5005"
    rasa_timeout = 30.0
    backend_url = "http://127.0.0.1:8000"  # the case backend (staff consoles: web/staff.py)
    backend_timeout = 20.0
    cookie_secure = False  # WEB_COOKIE_SECURE=1 behind HTTPS

    # -- helpers ---------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, cache: str = "no-store") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, body: bytes) -> None:
        self._send(status, body, "application/json; charset=utf-8")

    def log_message(self, fmt: str, *args) -> None:  # no bodies, no query strings
        logger.info("%s %s -> %s", self.command, self.path.split("?")[0], args[1] if len(args) > 1 else "")

    # -- routes -----------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith(uploads.API_PREFIX):  # the citizen's materials (web/uploads.py)
            return uploads.handle(self)
        if path.startswith(staff.API_PREFIX):
            return staff.StaffGateway(self).api()
        if path.startswith(agent.API_PREFIX):  # the 12333 agent console (web/agent.py)
            return agent.AgentRoutes(self).handle()
        if path == handoff_relay.PATH:  # the citizen's page polls a handoff (web/handoff_relay.py)
            return handoff_relay.poll(self)
        if path == staff.SIGNIN_PATH:
            return staff.StaffGateway(self).signin_page()
        if path in staff.STAFF_PAGES:
            return staff.StaffGateway(self).page(path)
        if path in ("/", "/index.html"):
            return self._static("index.html")
        if path.startswith("/static/"):
            return self._static(path[len("/static/"):])
        if path == "/api/health":
            return self._health()
        self._json(HTTPStatus.NOT_FOUND, _error("NOT_FOUND", "页面不存在。"))

    def do_DELETE(self) -> None:
        self._staff_write()

    def do_PUT(self) -> None:
        self._staff_write()

    def do_PATCH(self) -> None:
        self._staff_write()

    def _staff_write(self) -> None:
        if self.path.split("?")[0].startswith(uploads.API_PREFIX):
            return uploads.handle(self)
        if self.path.split("?")[0].startswith(staff.API_PREFIX):
            return staff.StaffGateway(self).api()
        self._json(HTTPStatus.NOT_FOUND, _error("NOT_FOUND", "接口不存在。"))

    def do_POST(self) -> None:
        if self.path.split("?")[0].startswith(uploads.API_PREFIX):
            return uploads.handle(self)
        if self.path.split("?")[0].startswith(staff.API_PREFIX):
            return staff.StaffGateway(self).api()
        if self.path.split("?")[0].startswith(agent.API_PREFIX):
            return agent.AgentRoutes(self).handle()
        if self.path.split("?")[0] != "/api/chat":
            return self._json(HTTPStatus.NOT_FOUND, _error("NOT_FOUND", "接口不存在。"))
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            self.close_connection = True  # a body of unknown length is not read
            return self._json(HTTPStatus.LENGTH_REQUIRED, _error("BAD_REQUEST", "消息格式不正确，请刷新页面后重试。"))
        if length > MAX_BODY:
            self.close_connection = True
            return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, _error("TOO_LARGE", "消息太长了，请分几次发送。"))
        if length <= 0:
            return self._json(HTTPStatus.BAD_REQUEST, _error("EMPTY", "请输入内容后再发送。"))
        try:
            data = json.loads(self.rfile.read(length).decode("utf-8"))
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            return self._json(HTTPStatus.BAD_REQUEST, _error("BAD_REQUEST", "消息格式不正确，请刷新页面后重试。"))
        if not isinstance(data, dict):
            return self._json(HTTPStatus.BAD_REQUEST, _error("BAD_REQUEST", "消息格式不正确，请刷新页面后重试。"))
        sender, message = data.get("sender"), data.get("message")
        if not isinstance(sender, str) or not SENDER_RE.match(sender):
            return self._json(HTTPStatus.BAD_REQUEST, _error("BAD_SENDER", "会话标识无效，请点击“重新开始”。"))
        if not isinstance(message, str):
            return self._json(HTTPStatus.BAD_REQUEST, _error("BAD_MESSAGE", "无法识别这条消息，请输入文字后再发送。"))
        if _has_lone_surrogate(message):
            return self._json(HTTPStatus.BAD_REQUEST, _error("BAD_MESSAGE", "消息中有无法识别的字符，请删除后重新发送。"))
        message = message.strip()
        if not message:
            return self._json(HTTPStatus.BAD_REQUEST, _error("EMPTY", "请输入内容后再发送。"))
        if len(message) > MAX_MESSAGE:
            return self._json(HTTPStatus.BAD_REQUEST, _error("TOO_LONG", f"消息请不要超过{MAX_MESSAGE}个字。"))
        if handoff_relay.is_console_sender(sender):  # hotline-… ids belong to the agent console
            return self._json(HTTPStatus.BAD_REQUEST, _error("BAD_SENDER", "会话标识无效，请点击“重新开始”。"))
        if handoff_relay.relay(self, sender, message):  # an agent holds this conversation
            return None
        self._forward(sender, message)

    def _static(self, name: str) -> None:
        target = (STATIC_DIR / name).resolve()
        if STATIC_DIR not in target.parents or not target.is_file():
            return self._json(HTTPStatus.NOT_FOUND, _error("NOT_FOUND", "文件不存在。"))
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript",):
            ctype += "; charset=utf-8"
        self._send(HTTPStatus.OK, target.read_bytes(), ctype, cache="no-cache")

    def _health(self) -> None:
        rasa_ok = True
        try:
            with urllib.request.urlopen(f"{self.rasa_url}/", timeout=3) as resp:
                rasa_ok = resp.status == 200
        except (urllib.error.URLError, OSError):
            rasa_ok = False
        status = HTTPStatus.OK if rasa_ok else HTTPStatus.SERVICE_UNAVAILABLE
        self._json(status, json.dumps({"web": "ok", "rasa": "ok" if rasa_ok else "down"}).encode())

    def _forward(self, sender: str, message: str) -> None:
        body = json.dumps({"sender": sender, "message": message}, ensure_ascii=False).encode()
        # The address this server saw: Rasa's channel trusts it from this hop
        # (loopback) and it becomes the client of the backend's lookup limits.
        req = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json", "X-Forwarded-For": self.client_address[0]},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=self.rasa_timeout) as resp:
                replies = resp.read()
        except urllib.error.HTTPError as exc:
            logger.warning("rasa answered %s", exc.code)
            if 400 <= exc.code < 500:  # refused by Rasa's channel: pass its Chinese message on
                try:
                    refused = json.loads(exc.read())["error"]["message"]
                except (ValueError, KeyError, TypeError):
                    refused = "消息未被受理，请换个说法再试。"
                return self._json(HTTPStatus.BAD_REQUEST, _error("REFUSED", str(refused)))
            return self._json(HTTPStatus.BAD_GATEWAY, _error("ASSISTANT_ERROR", "助手暂时出了点问题，请稍后再试。"))
        except (urllib.error.URLError, OSError):
            return self._json(
                HTTPStatus.SERVICE_UNAVAILABLE,
                _error("ASSISTANT_DOWN", "助手正在启动或暂时不可用，请稍后再试。"),
            )
        self._json(HTTPStatus.OK, replies)


def make_server(
    host: str, port: int, rasa_url: str, backend_url: str = ChatHandler.backend_url, cookie_secure: bool = False
) -> ThreadingHTTPServer:
    handler = type(
        "Handler",
        (ChatHandler,),
        {"rasa_url": rasa_url.rstrip("/"), "backend_url": backend_url.rstrip("/"), "cookie_secure": cookie_secure},
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s web %(levelname)s %(message)s")
    host = os.environ.get("WEB_HOST", "127.0.0.1")
    port = int(os.environ.get("WEB_PORT", "8080"))
    rasa_url = os.environ.get("RASA_URL", f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}")
    backend_url = os.environ.get("BACKEND_URL", f"http://127.0.0.1:{os.environ.get('BACKEND_PORT', '8000')}")
    cookie_secure = os.environ.get("WEB_COOKIE_SECURE", "0") not in ("", "0")
    server = make_server(host, port, rasa_url, backend_url, cookie_secure)
    logger.info("web chat page on http://%s:%s (rasa at %s, backend at %s)", host, port, rasa_url, backend_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

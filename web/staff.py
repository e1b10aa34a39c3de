"""Staff consoles on the web page server: sign-in page, session cookie, staff API proxy.

* `GET /staff/signin?next=/worker` - the sign-in page shared by every console.
* `POST /staff/api/session` {"username", "password"} - signs in at the backend;
  the session token goes into the HttpOnly, SameSite=Strict cookie `yjs_staff`
  and never to the page. `GET` = who am I, `DELETE` = sign out (cookie cleared).
* `/staff/api/<rest>` - proxied to the backend's `/api/v1/staff/<rest>` with
  the cookie's session as the bearer token (same origin, no CORS). Without a
  valid session: 401 JSON. Writes from another origin are refused (Origin /
  Sec-Fetch-Site checked, besides SameSite=Strict).
* Console pages (`STAFF_PAGES`) are served only with a valid session; without
  one they redirect to the sign-in page with `?next=`.

Tokens, passwords and bodies are never logged.
"""
from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from web.server import ChatHandler

logger = logging.getLogger("web.staff")

COOKIE_NAME = "yjs_staff"
SIGNIN_PATH = "/staff/signin"
API_PREFIX = "/staff/api/"
BACKEND_PREFIX = "/api/v1/staff/"
MAX_STAFF_BODY = 64 * 1024
MAX_PROXIED_RESPONSE = 32 * 1024 * 1024
TOKEN_RE = re.compile(r"^yjss_[A-Za-z0-9_-]{20,100}$")
API_PATH_RE = re.compile(r"^[A-Za-z0-9_\-./]{1,300}$")
# Headers of the backend's answer that reach the browser.
PASSED_HEADERS = ("Content-Type", "Content-Disposition", "Retry-After")


@dataclass(frozen=True)
class StaffPage:
    file: str  # under web/static
    roles: Optional[frozenset] = None  # None: every signed-in role


# Console pages. Another console adds its own line, e.g.
#   STAFF_PAGES["/agent"] = StaffPage("agent.html")
STAFF_PAGES: dict = {
    "/worker": StaffPage("worker.html"),
}

UNAUTHORIZED = {"error": {"code": "UNAUTHORIZED", "message": "登录已失效，请重新登录。"}}
FORBIDDEN_ORIGIN = {"error": {"code": "FORBIDDEN", "message": "请求来源不正确，请从工作台页面操作。"}}
BACKEND_DOWN = {"error": {"code": "BACKEND_DOWN", "message": "案件后台暂时不可用，请稍后再试；您填写的内容仍保留在页面上。"}}


def _dumps(body) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def safe_next(raw: Optional[str]) -> str:
    """Where to go after signing in: a path on this server, never another site."""
    if not raw:
        return "/worker"
    raw = raw.strip()
    if not raw.startswith("/") or raw.startswith("//") or "\\" in raw or any(ord(c) < 32 for c in raw):
        return "/worker"
    path = raw.split("?", 1)[0]
    if path not in STAFF_PAGES:
        return "/worker"
    return raw


def signin_url(next_path: str) -> str:
    return f"{SIGNIN_PATH}?next={urllib.parse.quote(next_path, safe='/')}"


class StaffGateway:
    """Staff routes of one request handler."""

    def __init__(self, handler: "ChatHandler") -> None:
        self.h = handler
        self.backend_url = handler.backend_url

    # -- cookie ------------------------------------------------------------------
    def token(self) -> Optional[str]:
        raw = self.h.headers.get("Cookie")
        if not raw:
            return None
        for part in raw.split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE_NAME and TOKEN_RE.match(value):
                return value
        return None

    def _cookie(self, token: str) -> str:
        secure = "; Secure" if self.h.cookie_secure else ""
        return f"{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"

    def _clear_cookie(self) -> str:
        secure = "; Secure" if self.h.cookie_secure else ""
        return f"{COOKIE_NAME}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}"

    # -- backend calls -------------------------------------------------------------
    def _call(self, method: str, path_qs: str, body: Optional[bytes], token: Optional[str], ctype: Optional[str]):
        """(status, headers, body) of the backend's answer; None when it is unreachable."""
        headers = {"X-Forwarded-For": self.h.client_address[0], "Accept": self.h.headers.get("Accept") or "*/*"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"] = ctype or "application/json"
        req = urllib.request.Request(self.backend_url + path_qs, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.h.backend_timeout) as resp:
                return resp.status, resp.headers, resp.read(MAX_PROXIED_RESPONSE)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read(MAX_PROXIED_RESPONSE)
        except (urllib.error.URLError, OSError) as exc:
            logger.warning("backend unreachable: %s", type(exc).__name__)
            return None

    def whoami(self) -> Optional[dict]:
        """The signed-in staff member, or None (no cookie, expired, backend down)."""
        token = self.token()
        if not token:
            return None
        answer = self._call("GET", BACKEND_PREFIX + "session", None, token, None)
        if answer is None or answer[0] != 200:
            return None
        try:
            return json.loads(answer[2])
        except ValueError:
            return None

    # -- pages ---------------------------------------------------------------------
    def page(self, path: str) -> None:
        page = STAFF_PAGES[path]
        me = self.whoami()
        if me is None:
            query = self.h.path.split("?", 1)[1] if "?" in self.h.path else ""
            target = path + ("?" + query if query else "")
            return self._redirect(signin_url(target))
        if page.roles is not None and me.get("role") not in page.roles:
            return self.h._send(
                HTTPStatus.FORBIDDEN,
                "<!doctype html><meta charset=utf-8><title>无权访问</title>"
                "<p>您的账号无权使用此工作台。<a href=\"/staff/signin\">换个账号登录</a></p>".encode(),
                "text/html; charset=utf-8",
            )
        self.h._static(page.file)

    def signin_page(self) -> None:
        query = urllib.parse.parse_qs(self.h.path.partition("?")[2])
        wanted = (query.get("next") or [""])[0]
        if safe_next(wanted) != wanted:  # only a console page of this server, never another site
            return self._redirect(signin_url(safe_next(wanted)))
        self.h._static("staff-signin.html")

    def _redirect(self, location: str) -> None:
        self.h.send_response(HTTPStatus.FOUND)
        self.h.send_header("Location", location)
        self.h.send_header("Content-Length", "0")
        self.h.send_header("Cache-Control", "no-store")
        self.h.end_headers()

    # -- API -----------------------------------------------------------------------
    def _same_origin(self) -> bool:
        site = self.h.headers.get("Sec-Fetch-Site")
        if site and site not in ("same-origin", "none"):
            return False
        origin = self.h.headers.get("Origin")
        if origin:
            host = self.h.headers.get("Host", "")
            return origin in (f"http://{host}", f"https://{host}")
        return True

    def _reply(self, status: int, body: bytes, headers=None, set_cookie: Optional[str] = None) -> None:
        h = self.h
        h.send_response(status)
        ctype = (headers.get("Content-Type") if headers else None) or "application/json; charset=utf-8"
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Cache-Control", "no-store")
        h.send_header("X-Content-Type-Options", "nosniff")
        h.send_header("Referrer-Policy", "no-referrer")
        json_answer = ctype.startswith("application/json")
        h.send_header(
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'" if json_answer
            else "default-src 'none'; img-src 'self'; frame-ancestors 'self'",
        )
        for name in PASSED_HEADERS[1:]:
            if headers and headers.get(name):
                h.send_header(name, headers.get(name))
        if set_cookie:
            h.send_header("Set-Cookie", set_cookie)
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)

    def _read_body(self) -> tuple[Optional[bytes], bool]:
        """(body, ok); answers the error itself when not ok."""
        if self.h.command in ("GET", "HEAD", "DELETE"):
            return None, True
        try:
            length = int(self.h.headers.get("Content-Length") or "0")
        except ValueError:
            length = -1
        if length < 0:
            self.h.close_connection = True
            self._reply(HTTPStatus.LENGTH_REQUIRED, _dumps({"error": {"code": "BAD_REQUEST", "message": "请求格式不正确，请刷新页面后重试。"}}))
            return None, False
        if length > MAX_STAFF_BODY:
            self.h.close_connection = True
            self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, _dumps({"error": {"code": "PAYLOAD_TOO_LARGE", "message": "提交的内容过长，请精简后重试。"}}))
            return None, False
        return self.h.rfile.read(length) if length else b"", True

    def api(self) -> None:
        method = self.h.command
        path, _, query = self.h.path.partition("?")
        rest = path[len(API_PREFIX):]
        if not API_PATH_RE.match(rest) or ".." in rest or "//" in rest:
            return self._reply(HTTPStatus.NOT_FOUND, _dumps({"error": {"code": "NOT_FOUND", "message": "接口不存在。"}}))
        if method not in ("GET", "HEAD") and not self._same_origin():
            return self._reply(HTTPStatus.FORBIDDEN, _dumps(FORBIDDEN_ORIGIN))
        body, ok = self._read_body()
        if not ok:
            return None
        backend_path = BACKEND_PREFIX + rest + ("?" + query if query else "")
        signing_in = rest == "session" and method == "POST"
        token = self.token()
        if not signing_in and token is None:
            return self._reply(HTTPStatus.UNAUTHORIZED, _dumps(UNAUTHORIZED))
        answer = self._call(
            "GET" if method == "HEAD" else method, backend_path, body, None if signing_in else token,
            self.h.headers.get("Content-Type"),
        )
        if answer is None:
            return self._reply(HTTPStatus.SERVICE_UNAVAILABLE, _dumps(BACKEND_DOWN))
        status, headers, data = answer
        if signing_in:
            return self._signed_in(status, headers, data)
        if status == HTTPStatus.UNAUTHORIZED:  # expired or revoked: the cookie goes too
            return self._reply(status, _dumps(UNAUTHORIZED), set_cookie=self._clear_cookie())
        if rest == "session" and method == "DELETE":
            return self._reply(status, data, headers, set_cookie=self._clear_cookie())
        self._reply(status, data, headers)

    def _signed_in(self, status: int, headers, data: bytes) -> None:
        if status != HTTPStatus.CREATED:
            return self._reply(status, data, headers)
        try:
            body = json.loads(data)
            token = body.pop("token")
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._reply(HTTPStatus.BAD_GATEWAY, _dumps(BACKEND_DOWN))
        if not isinstance(token, str) or not TOKEN_RE.match(token):
            return self._reply(HTTPStatus.BAD_GATEWAY, _dumps(BACKEND_DOWN))
        self._reply(HTTPStatus.CREATED, _dumps(body), set_cookie=self._cookie(token))

"""The citizen's material uploads on the web page server (same origin as the chat).

`/api/uploads/<rest>` is relayed to the backend's `/api/v1/uploads/<rest>` with
the page's `X-Upload-Token` header (the case-scoped capability the bot gave
the page; no service token is involved):

* `GET  /api/uploads/checklist`                   what the case needs, what is in
* `PUT  /api/uploads/materials/<material_id>`     the file itself as the body
* `DELETE /api/uploads/files/<file_id>`
* `POST /api/uploads/resubmit`                    a returned case, materials in: back to 待办

A file body is streamed to the backend in chunks, never buffered whole and
never written to disk here; it needs a Content-Length (a browser's XHR sends
one) and may not exceed `WEB_UPLOAD_MAX_BYTES` (default 10 MB, the backend's
`MATERIAL_MAX_BYTES`): larger ones are refused before a byte is read.
Tokens and bodies are never logged.
"""
from __future__ import annotations

import json
import logging
import os
import re
import urllib.error
import urllib.request
from http import HTTPStatus
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from web.server import ChatHandler

logger = logging.getLogger("web.uploads")

API_PREFIX = "/api/uploads/"
BACKEND_PREFIX = "/api/v1/uploads/"
MAX_UPLOAD = int(os.environ.get("WEB_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
MAX_SMALL_BODY = 4 * 1024
CHUNK = 64 * 1024
TOKEN_RE = re.compile(r"^up_[A-Za-z0-9_-]{20,96}$")
ROUTES = {
    ("GET", re.compile(r"^checklist$")),
    ("PUT", re.compile(r"^materials/m-[0-9a-f]{12}$")),
    ("DELETE", re.compile(r"^files/[1-9][0-9]{0,9}$")),
    ("POST", re.compile(r"^resubmit$")),
}
QUERY_RE = re.compile(r"^(item_id=[a-z][a-z0-9_]{1,63})?$")


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()


def too_large_message() -> str:
    return f"文件超过 {MAX_UPLOAD / (1024 * 1024):.0f} MB，无法上传。请压缩后再试，或用手机重新拍一张清晰度适中的照片。"


class _Body:
    """The request body as a file-like object for urllib: read in chunks, at most `length` bytes."""

    def __init__(self, rfile, length: int) -> None:
        self.rfile = rfile
        self.left = length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        n = self.left if size is None or size < 0 else min(size, self.left)
        data = self.rfile.read(min(n, CHUNK))
        self.left -= len(data)
        if not data:
            self.left = 0
        return data


def handle(h: "ChatHandler") -> None:
    path, _, query = h.path.partition("?")
    rest = path[len(API_PREFIX):]
    method = h.command
    if not any(m == method and rx.match(rest) for m, rx in ROUTES) or not QUERY_RE.match(query):
        return h._json(HTTPStatus.NOT_FOUND, _error("NOT_FOUND", "接口不存在。"))
    token = h.headers.get("X-Upload-Token") or ""
    if not TOKEN_RE.match(token):
        return h._json(
            HTTPStatus.UNAUTHORIZED,
            _error("UPLOAD_TOKEN_INVALID", "上传入口已失效。请在对话中说“查询进度”，核对身份后即可重新获得上传入口。"),
        )
    data = None
    headers = {"X-Upload-Token": token, "Accept": "application/json"}
    if method in ("PUT", "POST"):
        try:
            length = int(h.headers.get("Content-Length") or "")
        except ValueError:
            h.close_connection = True  # a body of unknown length is not read
            return h._json(HTTPStatus.LENGTH_REQUIRED, _error("BAD_REQUEST", "上传格式不正确，请刷新页面后重试。"))
        limit = MAX_UPLOAD if method == "PUT" else MAX_SMALL_BODY
        if length < 0 or length > limit:
            h.close_connection = True
            return h._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, _error("MATERIAL_TOO_LARGE", too_large_message()))
        data = _Body(h.rfile, length)
        headers["Content-Length"] = str(length)
        headers["Content-Type"] = "application/octet-stream"
    req = urllib.request.Request(
        h.backend_url + BACKEND_PREFIX + rest + ("?" + query if query else ""),
        data=data, headers=headers, method=method,
    )
    try:
        with urllib.request.urlopen(req, timeout=h.backend_timeout) as resp:
            status, body = resp.status, resp.read(1024 * 1024)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(1024 * 1024)
    except (urllib.error.URLError, OSError) as exc:
        logger.warning("backend unreachable for an upload call: %s", type(exc).__name__)
        if data is not None and data.left > 0:
            h.close_connection = True  # the rest of the body is not read
        return h._json(
            HTTPStatus.SERVICE_UNAVAILABLE,
            _error("BACKEND_DOWN", "材料上传服务暂时不可用，请稍后再试；已上传的材料不会丢失。"),
        )
    if data is not None and data.left > 0:
        h.close_connection = True
    if status == HTTPStatus.NO_CONTENT:
        h.send_response(HTTPStatus.NO_CONTENT)
        h.send_header("Cache-Control", "no-store")
        h.end_headers()
        return None
    h._json(status, body)

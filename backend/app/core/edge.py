"""What every request and response passes through, before any route runs.

* `BodyLimitMiddleware` - a body larger than `MAX_BODY_BYTES` is refused with
  413 PAYLOAD_TOO_LARGE, by its Content-Length or, for a chunked body, as soon
  as the bytes received pass the limit (nothing bigger is ever buffered);
* `SecurityHeadersMiddleware` - `Cache-Control: no-store` and
  `X-Content-Type-Options: nosniff` on every response: most of them carry
  personal data (lookups, staff views, reveal), and none needs caching.

Plain ASGI (not BaseHTTPMiddleware), so streaming and exceptions are untouched.
"""
from __future__ import annotations

import json

from fastapi import HTTPException

PAYLOAD_TOO_LARGE = {
    "error": {"code": "PAYLOAD_TOO_LARGE", "message": "提交的内容过大，请精简后重新提交。"}
}
SECURITY_HEADERS = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
)


def _too_large() -> HTTPException:
    # An HTTPException passes FastAPI's body parsing unchanged (anything else
    # there becomes a 400) and reaches the app's one error shape.
    return HTTPException(status_code=413)


async def _send_too_large(send) -> None:
    body = json.dumps(PAYLOAD_TOO_LARGE, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """`own_limit_prefixes`: paths whose route reads the body itself under its own,
    larger limit (file uploads, streamed and counted there)."""

    def __init__(self, app, max_bytes: int, own_limit_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.own_limit_prefixes = own_limit_prefixes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.own_limit_prefixes and scope.get("path", "").startswith(self.own_limit_prefixes):
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.max_bytes + 1
                if declared > self.max_bytes:
                    return await _send_too_large(send)
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _too_large()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await _send_too_large(send)


class SecurityHeadersMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)

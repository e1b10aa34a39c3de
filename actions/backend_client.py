"""The case backend, behind one small async HTTP client.

Actions never talk to the database: they call the backend's HTTP API with a
service token. Failures are turned into two exceptions the actions can
explain to the user in plain Chinese:

* ``BackendUnavailable`` - connection refused, timeout, 5xx: try again later;
* ``BackendError`` - the backend rejected the request (4xx) with a stable
  code and a Chinese message.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional

import aiohttp

from actions.settings import ActionSettings, load_settings

logger = logging.getLogger(__name__)


class BackendUnavailable(Exception):
    """The backend could not be reached or failed on its side."""


class BackendError(Exception):
    """The backend answered with a client error (4xx)."""

    def __init__(self, status: int, code: str, message: str, fields: Optional[dict] = None):
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def client_address_of(tracker: Any) -> Optional[str]:
    """The end user's address, as the edge channel saw it (bot/edge.py puts it in the
    message metadata; a caller cannot set it)."""
    metadata = (getattr(tracker, "latest_message", None) or {}).get("metadata") or {}
    address = metadata.get("client_address") if isinstance(metadata, dict) else None
    return address if isinstance(address, str) and 0 < len(address) <= 64 else None


class BackendClient:
    def __init__(self, settings: Optional[ActionSettings] = None) -> None:
        self.settings = settings or load_settings()

    def _headers(self, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.settings.service_token:
            headers["Authorization"] = f"Bearer {self.settings.service_token}"
        if extra:
            headers.update(extra)
        return headers

    async def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Any:
        url = f"{self.settings.backend_url}{path}"
        timeout = aiohttp.ClientTimeout(total=self.settings.backend_timeout)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.request(
                    method, url, json=json, headers=self._headers(headers)
                ) as resp:
                    try:
                        body = await resp.json(content_type=None)
                    except ValueError:
                        body = None
                    if resp.status >= 500:
                        logger.warning("backend %s %s -> %s", method, path, resp.status)
                        raise BackendUnavailable(f"backend answered {resp.status}")
                    if resp.status >= 400:
                        error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
                        raise BackendError(
                            resp.status,
                            error.get("code", "ERROR"),
                            error.get("message", "请求未被受理，请稍后再试。"),
                            error.get("fields"),
                        )
                    return body
        except (aiohttp.ClientError, TimeoutError) as exc:
            # asyncio.TimeoutError is TimeoutError on Python 3.10+
            logger.warning("backend %s %s unreachable: %s", method, path, type(exc).__name__)
            raise BackendUnavailable(str(type(exc).__name__)) from exc

    async def health(self) -> Dict[str, Any]:
        return await self.request("GET", "/health")

    async def submit_case(self, payload: Dict[str, Any], idempotency_key: str) -> Dict[str, Any]:
        """POST /api/v1/cases; the same key with the same body returns the same case."""
        return await self.request(
            "POST", "/api/v1/cases", json=payload, headers={"Idempotency-Key": idempotency_key}
        )

    async def enqueue_handoff(self, conversation_id: str, channel: str, context: Dict[str, Any]) -> Dict[str, Any]:
        """POST /api/v1/handoffs: queue the conversation for the 12333 agent console (context masked)."""
        return await self.request(
            "POST", "/api/v1/handoffs",
            json={"conversation_id": conversation_id, "channel": channel, "context": context},
        )

    async def lookup(
        self, id_number: str, phone_last4: str, client_id: str, client_address: Optional[str] = None
    ) -> Dict[str, Any]:
        """POST /api/v1/lookup (the ID number travels in the body, never in a URL).

        `client_address` is the address the edge saw (`client_address_of(tracker)`):
        the backend counts lookup failures per client address, never per sender id."""
        headers = {"X-Client-Id": client_id}
        if client_address:
            headers["X-Client-Address"] = client_address
        return await self.request(
            "POST",
            "/api/v1/lookup",
            json={"id_number": id_number, "phone_last4": phone_last4},
            headers=headers,
        )

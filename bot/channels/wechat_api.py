"""Async client of the WeChat Official Account API (aiohttp; never blocks Sanic's loop).

One ``AccessTokens`` per channel shares the access_token through the store
(Redis when configured, so every Rasa instance uses the same token):

* a token is fetched only when the stored one is missing, near its end
  (``REFRESH_MARGIN`` before ``expires_in`` runs out: early refresh) or
  reported invalid by the API; never once per message;
* one refresher at a time, under a lock in the store; the others keep using
  the current token meanwhile (WeChat keeps the previous token valid for 5
  minutes after a new one is issued) or wait briefly for the new one;
* 40001 / 40014 / 42001 (invalid or expired token): the token is refreshed
  once - only if the store still holds the token that failed, so that many
  failures at once cause one fetch - and the call is repeated once. The
  message was not delivered in that case, so repeating it is safe. No other
  error is ever retried (45015, 45047, time-outs: the message may or may not
  have gone out); they are logged without content and counted.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Dict, Optional

import aiohttp

from bot.channels.wechat_store import MemoryStore

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
REFRESH_MARGIN = 600.0        # refresh when less than this many seconds are left
LOCAL_CACHE_SECONDS = 30.0    # re-read the shared token at least this often (well within the 5-minute overlap)
LOCK_SECONDS = 15.0
TOKEN_ERRORS = {40001, 40014, 42001}
WINDOW_CLOSED = 45015         # the user has not written within 48 hours
TOO_MANY_REPLIES = 45047      # more customer-service messages than allowed since the user's last message


class WeChatAPIError(Exception):
    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatAPI:
    def __init__(
        self,
        app_id: str,
        app_secret: str,
        store: MemoryStore,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 5.0,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.store = store
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None
        self._local: Optional[Dict[str, Any]] = None     # {"token", "expires_at", "read_at"}
        self._local_lock = asyncio.Lock()
        self.token_fetches = 0                             # by this instance

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_secret)

    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    # ------------------------------------------------------------ access token
    @property
    def _token_key(self) -> str:
        return f"token:{self.app_id}"

    async def _read_shared(self) -> Optional[Dict[str, Any]]:
        raw = await self.store.get(self._token_key)
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) and value.get("token") else None

    async def access_token(self, force_replace: Optional[str] = None) -> str:
        """The current token; ``force_replace``: the API said this token is invalid."""
        now = time.time()
        local = self._local
        if (
            force_replace is None and local
            and local["expires_at"] - now > REFRESH_MARGIN
            and time.monotonic() - local["read_at"] < LOCAL_CACHE_SECONDS
        ):
            return local["token"]
        async with self._local_lock:      # one refresher per process; the store's lock across processes
            shared = await self._read_shared()
            if shared and shared["token"] != force_replace and shared["expires_at"] - now > REFRESH_MARGIN:
                self._remember(shared)
                return shared["token"]
            lock = await self.store.acquire_lock(self._token_key + ":lock", LOCK_SECONDS)
            if lock is None:
                return await self._wait_for_other_refresher(shared, force_replace)
            try:
                shared = await self._read_shared()       # someone may have refreshed meanwhile
                if shared and shared["token"] != force_replace and shared["expires_at"] - time.time() > REFRESH_MARGIN:
                    self._remember(shared)
                    return shared["token"]
                fresh = await self._fetch_token()
                await self.store.set(self._token_key, json.dumps(fresh), max(60.0, fresh["expires_at"] - time.time()))
                self._remember(fresh)
                return fresh["token"]
            finally:
                await self.store.release_lock(self._token_key + ":lock", lock)

    async def _wait_for_other_refresher(self, shared: Optional[Dict[str, Any]], bad: Optional[str]) -> str:
        # another instance is fetching; a still-valid current token may be used meanwhile (5-minute overlap)
        if shared and shared["token"] != bad and shared["expires_at"] > time.time() + 5:
            return shared["token"]
        deadline = time.monotonic() + LOCK_SECONDS
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            current = await self._read_shared()
            if current and current["token"] != bad and current["expires_at"] > time.time() + 5:
                self._remember(current)
                return current["token"]
        raise WeChatAPIError(-1, "access_token refresh by another instance did not finish")

    def _remember(self, value: Dict[str, Any]) -> None:
        self._local = {"token": value["token"], "expires_at": float(value["expires_at"]), "read_at": time.monotonic()}

    async def _fetch_token(self) -> Dict[str, Any]:
        session = await self.session()
        params = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}
        started = time.time()
        async with session.get(f"{self.api_base}/cgi-bin/token", params=params) as resp:
            data = await resp.json(content_type=None)
        self.token_fetches += 1
        await self.store.incr("token_fetches")
        if not data.get("access_token"):
            await self.store.incr(f"token_error_{data.get('errcode', 'unknown')}")
            logger.error("wechat: access_token fetch failed (errcode %s)", data.get("errcode"))
            raise WeChatAPIError(int(data.get("errcode", -1)), str(data.get("errmsg", "")))
        logger.info("wechat: new access_token, expires in %s s", data.get("expires_in"))
        return {"token": data["access_token"], "expires_at": started + float(data.get("expires_in", 7200))}

    # ------------------------------------------------------------ calls
    async def call(self, method: str, path: str, *, json_body: Any = None, params: Optional[dict] = None) -> Dict[str, Any]:
        """An API call with the shared token; one repeat after a token error, none otherwise."""
        token = await self.access_token()
        for attempt in (1, 2):
            data = await self._request(method, path, token, json_body, params)
            code = int(data.get("errcode", 0) or 0)
            if code in TOKEN_ERRORS and attempt == 1:
                await self.store.incr(f"token_rejected_{code}")
                logger.warning("wechat: access_token rejected (errcode %s); refreshing once", code)
                token = await self.access_token(force_replace=token)
                continue
            if code:
                raise WeChatAPIError(code, str(data.get("errmsg", "")))
            return data
        raise AssertionError("unreachable")

    async def _request(self, method: str, path: str, token: str, json_body: Any, params: Optional[dict]) -> Dict[str, Any]:
        session = await self.session()
        query = {"access_token": token, **(params or {})}
        body = None if json_body is None else json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else None
        async with session.request(method, f"{self.api_base}{path}", params=query, data=body, headers=headers) as resp:
            if resp.content_type not in ("application/json", "text/plain", "text/json"):
                return {"errcode": 0, "_body": await resp.read(), "_content_type": resp.content_type}
            return await resp.json(content_type=None)

    async def send_text(self, openid: str, content: str) -> None:
        await self.call("POST", "/cgi-bin/message/custom/send",
                        json_body={"touser": openid, "msgtype": "text", "text": {"content": content}})

    async def create_menu(self, menu: Dict[str, Any]) -> None:
        await self.call("POST", "/cgi-bin/menu/create", json_body=menu)

    async def get_media(self, media_id: str) -> bytes:
        """The bytes of a media file a user sent (images: the media id of the message)."""
        data = await self.call("GET", "/cgi-bin/media/get", params={"media_id": media_id})
        if "_body" not in data:
            raise WeChatAPIError(int(data.get("errcode", -1)), "no media in the answer")
        return data["_body"]

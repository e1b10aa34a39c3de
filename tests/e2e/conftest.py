"""Starts the real stack (backend, action server, Rasa, web page) once per test session.

Free ports, a throw-away SQLite database and log folder; the model is the one
``scripts/stack.py train`` produces (trained here if missing).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any, List, Optional

import pytest

from scripts.stack import Stack, StackConfig, ensure_model


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    cfg = StackConfig.for_tests(tmp_path_factory.mktemp("stack"))
    running = Stack(cfg, ensure_model())
    running.start()
    yield running
    running.stop()


def post_json(url: str, body: Any, headers: Optional[dict] = None, timeout: float = 60) -> tuple[int, Any]:
    req = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def get(url: str, timeout: float = 10) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


class Chat:
    """One user talking through the web page's /api/chat (the full path a citizen uses)."""

    def __init__(self, stack: Stack, via: str = "web") -> None:
        self.stack = stack
        self.sender = f"e2e-{uuid.uuid4().hex[:12]}"
        self.via = via

    def say(self, message: str) -> List[dict]:
        if self.via == "web":
            status, body = post_json(
                f"{self.stack.cfg.web_url}/api/chat", {"sender": self.sender, "message": message}
            )
        else:
            status, body = post_json(
                f"{self.stack.cfg.rasa_url}/webhooks/rest/webhook", {"sender": self.sender, "message": message}
            )
        assert status == 200, body
        return body

    @staticmethod
    def texts(replies: List[dict]) -> str:
        return "\n".join(r.get("text", "") for r in replies if r.get("text"))

    @staticmethod
    def button_titles(replies: List[dict]) -> List[str]:
        return [b["title"] for r in replies for b in r.get("buttons", [])]


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack)

"""The foundation slice, end to end: web page -> Rasa -> action server -> backend."""
from __future__ import annotations

import re

from knowledge import load_kb
from tests.e2e.conftest import Chat, get, post_json


def test_web_page_is_served_without_external_resources(stack):
    status, body, headers = get(f"{stack.cfg.web_url}/")
    assert status == 200
    html = body.decode("utf-8")
    assert "人社“一件事”智能助手" in html
    assert 'name="viewport"' in html                      # phone-sized screens
    for asset in ("/static/chat.js", "/static/chat.css"):
        status, content, _ = get(f"{stack.cfg.web_url}{asset}")
        assert status == 200
        html += content.decode("utf-8")
    # no CDN, no external fonts: this machine (and many government intranets) has no internet
    assert not re.search(r"(src|href)=[\"']https?://", html)
    assert "@import" not in html and "fonts.googleapis" not in html
    assert "default-src 'self'" in headers.get("Content-Security-Policy", "")


def test_greeting_shows_the_menu(chat):
    replies = chat.say("你好")
    titles = Chat.button_titles(replies)
    for bundle in load_kb().bundles.values():
        assert bundle.name in titles
    for title in ("查询办理进度", "咨询材料和时限", "转人工"):
        assert title in titles


def test_rest_channel_answers_directly(stack):
    replies = Chat(stack, via="rest").say("您好")
    assert "查询办理进度" in Chat.button_titles(replies)


def test_http_api_needs_the_token(stack):
    status, _, _ = get(f"{stack.cfg.rasa_url}/status")
    assert status in (401, 403)
    token = stack.secrets["RASA_AUTH_TOKEN"]
    status, body, _ = get(f"{stack.cfg.rasa_url}/status?token={token}")
    assert status == 200 and b"model_file" in body


def test_handoff_emits_an_event_the_channel_can_act_on(chat):
    replies = chat.say("转人工")
    assert any(r.get("custom", {}).get("handoff") for r in replies)
    assert "12333" in Chat.texts(replies)


def test_backend_down_is_explained_and_recovers(stack, chat):
    backend = stack.service("backend")
    backend.stop()
    try:
        text = Chat.texts(chat.say("/check_progress"))
        assert "暂时无法连接" in text
    finally:
        stack.restart("backend")
    text = Chat.texts(chat.say("/check_progress"))
    assert "暂时无法连接" not in text and "身份证号" in text


def test_web_proxy_rejects_bad_input_in_chinese(stack):
    status, body = post_json(f"{stack.cfg.web_url}/api/chat", {"sender": "x y", "message": "你好"})
    assert status == 400 and "会话" in body["error"]["message"]
    status, body = post_json(f"{stack.cfg.web_url}/api/chat", {"sender": "ok-sender", "message": "  "})
    assert status == 400 and "请输入" in body["error"]["message"]

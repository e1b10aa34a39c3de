"""The web page server's staff edge over plain HTTP: the sign-in redirect target, cookies,
writes from another origin, body limits. (The console itself: test_worker_console.py.)"""
from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse

from tests.browser.conftest import create_staff_account


def request(stack, method: str, path: str, body=None, headers=None):
    url = urlparse(stack.cfg.web_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    data = json.dumps(body, ensure_ascii=False).encode() if isinstance(body, (dict, list)) else body
    conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    resp = conn.getresponse()
    out = resp.status, dict(resp.getheaders()), resp.read()
    conn.close()
    return out


def test_sign_in_sets_an_http_only_cookie_and_never_returns_the_token(stack):
    account = create_staff_account(stack, "worker")
    status, headers, body = request(
        stack, "POST", "/staff/api/session", {"username": account.username, "password": account.password}
    )
    assert status == 201, body
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("yjs_staff=yjss_") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert token not in body.decode() and "token" not in json.loads(body)
    assert json.loads(body)["staff_id"] == account.staff_id
    jar = {"Cookie": f"yjs_staff={token}"}
    assert request(stack, "GET", "/staff/api/session", headers=jar)[0] == 200
    # the browser's own Authorization header is never what the proxy uses
    status, _, _ = request(stack, "GET", "/staff/api/cases", headers={"Authorization": f"Bearer {token}"})
    assert status == 401
    # writes from another site are refused before they reach the backend
    status, _, body = request(
        stack, "DELETE", "/staff/api/session", headers={**jar, "Origin": "http://evil.example"}
    )
    assert status == 403 and "来源" in json.loads(body)["error"]["message"]
    assert request(stack, "GET", "/staff/api/session", headers=jar)[0] == 200
    # a body over the limit is refused politely
    status, _, body = request(stack, "POST", "/staff/api/cases/X/reveal", b"x" * (70 * 1024), headers=jar)
    assert status == 413 and json.loads(body)["error"]["message"]
    # sign-out clears the cookie; the old token is dead at the backend
    status, headers, _ = request(stack, "DELETE", "/staff/api/session", headers=jar)
    assert status == 204 and "Max-Age=0" in headers["Set-Cookie"]
    status, headers, body = request(stack, "GET", "/staff/api/cases", headers=jar)
    assert status == 401 and json.loads(body)["error"]["code"] == "UNAUTHORIZED"


def test_the_sign_in_page_only_leads_to_a_console_of_this_site(stack):
    for wanted in ("https://evil.example/", "//evil.example", "/static/chat.js", "/worker\\@evil"):
        status, headers, _ = request(stack, "GET", f"/staff/signin?next={wanted}")
        assert status == 302 and headers["Location"] == "/staff/signin?next=/worker", wanted
    status, _, body = request(stack, "GET", "/staff/signin?next=/worker%3Fstatus%3D%E5%BE%85%E5%8A%9E")
    assert status == 200 and "工作人员登录" in body.decode()
    status, headers, _ = request(stack, "GET", "/worker?case=SY1", headers={"Cookie": "yjs_staff=yjss_" + "x" * 43})
    assert status == 302 and headers["Location"] == "/staff/signin?next=/worker%3Fcase%3DSY1"

"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, the real stack.

* `stack` - the real services (backend, actions, Rasa, web page server), the
  same fixture as tests/e2e (imported from there, one definition).
* `browser` - headless /usr/bin/chromium (Playwright's own browser download
  cannot work here); skips with the reason when Chromium or Playwright is missing.
* `page` - a fresh context per test: 1366×768, zh-CN, China time.
* `shot("step")` - saves results/screenshots/<test>/NN-step.png (results/ is not committed).
* `staff_account(role, name)` - a staff account with a password, created with
  the real CLI in the stack's database; `sign_in(page, account)` signs in
  through the real sign-in page.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import pytest

from scripts.stack import BACKEND_PY, ROOT
from tests.e2e.conftest import stack  # noqa: F401 - the one real-stack fixture, shared with tests/e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "results" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}
TABLET = {"width": 820, "height": 1180}  # iPad Air, portrait


@pytest.fixture(scope="session")
def playwright_instance():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `bash scripts/bootstrap.sh browser` (installs Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"Playwright is not installed in this environment ({exc}): run `make setup`")
    manager = sync_playwright()
    pw = manager.start()
    yield pw
    pw.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def shot(request, page) -> Callable[..., Path]:
    """shot("step-name", page=None) -> the saved file: results/screenshots/<test>/NN-step-name.png."""
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    if folder.exists():
        for old in folder.glob("*.png"):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(step: str, on=None, full_page: bool = True) -> Path:
        counter["n"] += 1
        name = re.sub(r"[^A-Za-z0-9_.\-\u4e00-\u9fff]+", "-", step).strip("-") or "step"
        path = folder / f"{counter['n']:02d}-{name}.png"
        (on or page).screenshot(path=str(path), full_page=full_page)
        return path

    return take


@dataclass(frozen=True)
class StaffLogin:
    username: str
    password: str
    name: str
    role: str
    staff_id: str


def create_staff_account(stack, role: str = "worker", name: Optional[str] = None, username: Optional[str] = None) -> StaffLogin:
    """A staff account in the stack's database, through the real CLI (password on stdin)."""
    username = username or f"{role}-{secrets.token_hex(3)}"
    name = name or ("王办事" if role == "worker" else "赵坐席")
    password = "pw-" + secrets.token_urlsafe(12)
    proc = subprocess.run(
        [str(BACKEND_PY), "-m", "backend.app.cli", "create-staff", "--role", role, "--name", name, "--username", username],
        input=password + "\n", capture_output=True, text=True, cwd=ROOT, env=stack.env(), timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert password not in proc.stdout + proc.stderr
    staff_id = re.search(r"account-\d+", proc.stdout).group(0)
    return StaffLogin(username, password, name, role, staff_id)


@pytest.fixture
def staff_account(stack) -> Callable[..., StaffLogin]:
    """staff_account(role="worker"|"agent", name=None) -> StaffLogin (a new account each call)."""
    return lambda role="worker", name=None: create_staff_account(stack, role, name)


@pytest.fixture
def sign_in(stack):
    """sign_in(page, account, next="/worker"): the real sign-in page; waits for the console."""

    def do(page, account: StaffLogin, next: str = "/worker") -> None:
        page.goto(f"{stack.cfg.web_url}/staff/signin?next={next}")
        page.fill("#username", account.username)
        page.fill("#password", account.password)
        page.click("#submit")
        page.wait_for_url(f"{stack.cfg.web_url}{next}*")

    return do

"""The case worker console (/worker) in a real browser, on the real stack.

Cases are submitted through the backend's API with the service token, with a
form the real application engine filled from a persona (as the action server
would); the citizen's side is checked through the chat (Rasa → actions →
backend lookup). Expected item and material names come from knowledge/.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from actions.application.engine import Engine, new_state
from actions.application.plan import build_plan, submitted_form
from knowledge import load_kb
from tests.e2e.conftest import Chat, post_json
from tests.personas import Persona, make_persona
from tests.browser.conftest import TABLET

BENEFIT = ["unemployment_benefit"]


def submit_case(stack, persona: Persona, items=BENEFIT) -> dict:
    """Submit an application as the action server does: the engine fills the form from the persona."""
    kb = load_kb()
    expanded = [s.item_id for s in kb.expand_selection(items)]
    state = new_state(kb.item(expanded[0]).bundle_id, expanded, "browser-test")
    engine = Engine(kb)
    engine.start(state)
    for _ in range(200):
        if state["stage"] != "filling":
            break
        engine.handle(state, persona.answer(state["pending"]))
    assert state["stage"] == "confirming", state
    answers = state["answers"]
    payload = {
        "bundle_id": state["bundle"],
        "item_ids": state["items"],
        "channel": "web",
        "applicant": {"name": answers["name"], "id_number": answers["id_number"], "phone": answers["phone"]},
        "form": submitted_form(build_plan(kb, state["items"]), answers),
    }
    status, body = post_json(
        f"{stack.cfg.backend_url}/api/v1/cases",
        payload,
        headers={"Authorization": f"Bearer {stack.secrets['SERVICE_TOKEN']}", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert status == 201, body
    return body


def dev_worker(stack) -> dict:
    return {"Authorization": f"Bearer {stack.secrets['DEV_WORKER_TOKEN']}"}


def db_rows(stack, sql: str, *args) -> list:
    conn = sqlite3.connect(stack.cfg.var_dir / "backend.db")
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def open_case(page, case_number: str) -> None:
    page.click(f"[data-case='{case_number}']")
    page.wait_for_selector(f"#case-head [data-field=case_number]:text-is('{case_number}')")
    page.wait_for_selector("#materials li")


def reload_list(page, click: str = "#f-apply") -> list:
    """Click (筛选 / 上一页 / 下一页 …) and wait for the list's new answer; its case numbers."""
    before = page.get_attribute("#cases", "data-loads") or "0"
    page.click(click)
    page.wait_for_selector(f"#cases:not([data-loads='{before}'])")
    return page.eval_on_selector_all("[data-case]", "els => els.map(e => e.dataset.case)")


def case_status(page) -> str:
    return page.inner_text("#case-head [data-field=status]").strip()


def test_sign_in_and_no_console_without_a_session(stack, page, context, shot, staff_account, sign_in):
    web = stack.cfg.web_url
    # no session: the page redirects to sign-in, the API answers 401
    page.goto(f"{web}/worker?status=待办")
    assert page.url.startswith(f"{web}/staff/signin?next=/worker")
    r = page.request.get(f"{web}/staff/api/cases")
    assert r.status == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"
    shot("sign-in-page")

    account = staff_account("worker", "王办事")
    page.fill("#username", account.username)
    page.fill("#password", account.password + "x")
    page.click("#submit")
    page.wait_for_selector("#error:not([hidden])")
    assert "用户名或密码不正确" in page.inner_text("#error")
    assert page.input_value("#username") == account.username  # nothing typed is lost
    shot("wrong-password")

    page.fill("#password", account.password)
    page.click("#submit")
    page.wait_for_url(f"{web}/worker*")
    page.wait_for_selector("#page-info:has-text('共')")
    assert page.inner_text("[data-testid=who]") == "王办事（办事员）"
    assert page.input_value("#f-status") == "待办"  # ?next= kept the filter
    cookie = next(c for c in context.cookies() if c["name"] == "yjs_staff")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "yjs_staff" not in page.evaluate("document.cookie")
    assert page.request.get(f"{web}/staff/api/cases").status == 200
    shot("signed-in")

    page.click("[data-testid=sign-out]")
    page.wait_for_url(f"{web}/staff/signin*")
    assert page.request.get(f"{web}/staff/api/cases").status == 401
    page.goto(f"{web}/worker")
    assert "/staff/signin" in page.url
    # an attempt to reuse the old session token is refused by the backend too
    rows = db_rows(stack, "SELECT count(*) FROM staff_sessions WHERE revoked_at IS NOT NULL")
    assert rows[0][0] >= 1
    shot("signed-out")


def test_list_filters_and_pages(stack, page, shot, staff_account, sign_in):
    talent = submit_case(stack, make_persona(721), ["talent_recognition"])
    cases = [submit_case(stack, make_persona(700 + n)) for n in range(11)]
    labor = submit_case(stack, make_persona(722), ["labor_inspection_complaint"])
    sign_in(page, staff_account("worker"))
    page.wait_for_selector("[data-testid=case-row]")
    shot("all-cases")

    # page size 10: more than one page, the next page shows other cases
    page.select_option("#f-page-size", "10")
    first = reload_list(page)
    assert len(first) == 10 and "第 1 /" in page.inner_text("#page-info")
    second = reload_list(page, "#next")
    assert second and not set(first) & set(second) and "第 2 /" in page.inner_text("#page-info")
    shot("page-2")

    # bundle and item filters (the options are the knowledge base's names)
    kb = load_kb()
    page.select_option("#f-page-size", "50")
    page.select_option("#f-bundle", "unemployment")
    page.select_option("#f-item", "unemployment_benefit")
    assert page.inner_text("#f-item option:checked") == kb.item("unemployment_benefit").name
    shown = set(reload_list(page))
    assert {c["case_number"] for c in cases} <= shown
    assert talent["case_number"] not in shown and labor["case_number"] not in shown
    assert "unemployment" in page.url and "unemployment_benefit" in page.url  # filters in the address
    shot("bundle-and-item")

    # status filter: a case moved by someone else leaves 待办
    moved = cases[0]["case_number"]
    status, body = post_json(
        f"{stack.cfg.backend_url}/api/v1/staff/cases/{moved}/transitions", {"to_status": "办理中"}, headers=dev_worker(stack)
    )
    assert status == 200, body
    page.select_option("#f-status", "办理中")
    assert moved in reload_list(page)
    assert all(t == "办理中" for t in page.eval_on_selector_all(".case-list .status", "els => els.map(e => e.textContent)"))

    # dates: today has them, tomorrow has none; a reversed range is explained before any request
    page.select_option("#f-status", "")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the backend's dates are China time
    page.fill("#f-from", (today + timedelta(days=1)).isoformat())
    assert reload_list(page) == []
    assert "没有符合条件的案件" in page.inner_text("#cases")
    page.fill("#f-to", (today - timedelta(days=2)).isoformat())
    page.click("#f-apply")
    page.wait_for_selector("#list-error:not([hidden])")
    assert "开始日期不能晚于结束日期" in page.inner_text("#list-error")
    shot("date-error")
    assert moved in reload_list(page, "#f-reset")


def test_worker_returns_a_case_and_completes_it(stack, page, shot, staff_account, sign_in):
    kb = load_kb()
    persona = make_persona(731)
    case = submit_case(stack, persona)
    number = case["case_number"]
    item_ids = [i["item_id"] for i in case["items"]]
    account = staff_account("worker", "王办事")
    sign_in(page, account, next=f"/worker?case={number}")
    page.wait_for_selector(f"#case-head [data-field=case_number]:text-is('{number}')")
    page.wait_for_selector("#materials li")
    assert case_status(page) == "待办"
    assert page.inner_text("#applicant [data-field=id_number]") == persona.masked_id
    assert persona.id_number not in page.content() and persona.name not in page.inner_text("#detail")
    names = [i.name for i in (kb.item(i) for i in item_ids)]
    assert [page.inner_text(f"#items tr[data-item='{i}'] td") for i in item_ids] == names
    shot("case-opened")

    # reveal: a reason is required, then the full data shows and the view is audited to this person
    page.click("#reveal")
    assert "事由" in page.inner_text("#reveal-error")
    page.fill("#reveal-reason", "核对身份证号码")
    page.click("#reveal")
    page.wait_for_selector(f"#applicant [data-field=id_number]:text-is('{persona.id_number}')")
    audits = db_rows(stack, "SELECT staff_id, staff_name, reason FROM reveal_audit ORDER BY id DESC LIMIT 1")
    assert audits == [(account.staff_id, account.name, "核对身份证号码")]
    shot("revealed")
    page.click("#reveal")  # hide again
    page.wait_for_selector(f"#applicant [data-field=id_number]:text-is('{persona.masked_id}')")

    page.click("[data-to=in_progress]")
    page.wait_for_selector("#t-notice:not([hidden])")
    assert case_status(page) == "办理中"
    shot("in-progress")

    # returning needs a reason and materials; what was typed stays through the refusals
    page.click("[data-to=returned]")
    assert "退回原因" in page.inner_text("#t-error")
    reason = "银行卡开户名与申请人不一致"
    page.fill("#t-reason", reason)
    page.click("[data-to=returned]")
    assert "补正的材料" in page.inner_text("#t-error")
    assert page.input_value("#t-reason") == reason
    checklist = [e.material.name for e in kb.materials_checklist(item_ids)]
    offered = page.eval_on_selector_all("#t-checks input", "els => els.map(e => e.value)")
    assert offered == list(dict.fromkeys(checklist))
    wanted = offered[:2]
    for name in wanted:
        page.check(f"#t-checks input[value='{name}']")
    page.fill("#t-other", "本人名下银行储蓄卡卡号")
    shot("return-filled")
    page.click("[data-to=returned]")
    page.wait_for_selector("#t-notice:not([hidden])")
    assert case_status(page) == "已退回"
    assert page.input_value("#t-reason") == ""
    events = page.inner_text("#events")
    assert reason in events and all(name in events for name in wanted)
    assert account.staff_id in events
    shot("returned")

    # the event carries the signed-in worker; the citizen's lookup in the chat shows the reason
    moved = db_rows(stack, "SELECT DISTINCT actor_id FROM case_events e JOIN cases c ON c.id = e.case_id "
                           "WHERE c.case_number = ? AND e.kind = 'transition'", number)
    assert moved == [(account.staff_id,)]
    chat = Chat(stack)
    chat.say("/check_progress")
    chat.say(persona.id_number)
    found = Chat.texts(chat.say(persona.phone[-4:]))
    assert number in found and "已退回" in found and reason in found
    assert all(name in found for name in wanted) and "本人名下银行储蓄卡卡号" in found
    assert account.staff_id not in found

    # the applicant resubmits (service API as the action server does), the worker completes it
    status, body = post_json(
        f"{stack.cfg.backend_url}/api/v1/cases/{number}/resubmit",
        {"id_number": persona.id_number, "phone_last4": persona.phone[-4:], "materials_note": "已补交材料"},
        headers={"Authorization": f"Bearer {stack.secrets['SERVICE_TOKEN']}"},
    )
    assert status == 200, body
    page.reload()
    page.wait_for_selector(f"#case-head [data-field=case_number]:text-is('{number}')")
    page.wait_for_selector("[data-to=in_progress]")
    assert case_status(page) == "待办"
    page.click("[data-to=in_progress]")
    page.wait_for_selector("[data-to=completed]")
    page.fill("#t-reason", "材料齐全，予以办结")
    page.click("[data-to=completed]")
    page.wait_for_selector("#t-notice:not([hidden])")
    assert case_status(page) == "已办结"
    assert "无需继续办理" in page.inner_text("#t-buttons")
    shot("completed")
    status, body = post_json(
        f"{stack.cfg.backend_url}/api/v1/lookup",
        {"id_number": persona.id_number, "phone_last4": persona.phone[-4:]},
        headers={"Authorization": f"Bearer {stack.secrets['SERVICE_TOKEN']}"},
    )
    assert status == 200 and body["cases"][0]["status"] == "已办结", body


def test_an_error_keeps_what_was_typed(stack, page, shot, staff_account, sign_in):
    case = submit_case(stack, make_persona(741))
    number = case["case_number"]
    account = staff_account("worker")
    sign_in(page, account, next=f"/worker?case={number}")
    page.wait_for_selector("#t-checks input")
    page.fill("#t-reason", "申请表签名缺失")
    first = page.eval_on_selector("#t-checks input", "e => e.value")
    page.check(f"#t-checks input[value='{first}']")
    # meanwhile another worker starts and completes the case
    for to in ("办理中", "已办结"):
        status, body = post_json(
            f"{stack.cfg.backend_url}/api/v1/staff/cases/{number}/transitions", {"to_status": to}, headers=dev_worker(stack)
        )
        assert status == 200, body
    page.click("[data-to=returned]")
    page.wait_for_selector("#t-error:not([hidden])")
    assert "未能变更状态" in page.inner_text("#t-error")
    assert page.input_value("#t-reason") == "申请表签名缺失"
    assert page.is_checked(f"#t-checks input[value='{first}']")
    shot("conflict-keeps-input")

    # the session ends meanwhile (signed out in another tab): after signing in again the
    # same case opens with what was typed
    other = submit_case(stack, make_persona(742))["case_number"]
    web = stack.cfg.web_url
    page.goto(f"{web}/worker?case={other}")
    page.wait_for_selector("#t-checks input")
    page.fill("#t-reason", "身份证复印件不清晰")
    page.check(f"#t-checks input[value='{first}']")
    assert page.request.delete(f"{web}/staff/api/session").status == 204
    page.click("[data-to=returned]")
    page.wait_for_url(f"{web}/staff/signin*")
    shot("session-ended")
    page.fill("#username", account.username)
    page.fill("#password", account.password)
    page.click("#submit")
    page.wait_for_url(f"{web}/worker*")
    page.wait_for_selector(f"#case-head [data-field=case_number]:text-is('{other}')")
    page.wait_for_selector("#t-checks input")
    assert page.input_value("#t-reason") == "身份证复印件不清晰"
    assert page.is_checked(f"#t-checks input[value='{first}']")
    shot("draft-restored")


def test_agents_only_read_the_worker_console(stack, page, shot, staff_account, sign_in):
    case = submit_case(stack, make_persona(751))
    number = case["case_number"]
    page.set_viewport_size(TABLET)
    sign_in(page, staff_account("agent", "赵坐席"), next=f"/worker?case={number}")
    page.wait_for_selector(f"#case-head [data-field=case_number]:text-is('{number}')")
    page.wait_for_selector("#materials li")
    assert page.inner_text("[data-testid=who]") == "赵坐席（12333坐席）"
    assert page.is_visible("#readonly") and not page.is_visible("#transition-box")
    assert not page.is_visible("#reveal-box")
    assert page.locator("[data-to]").count() == 0
    # the API refuses too
    r = page.request.post(
        f"{stack.cfg.web_url}/staff/api/cases/{number}/transitions",
        data=json.dumps({"to_status": "办理中"}),
        headers={"Content-Type": "application/json"},
    )
    assert r.status == 403 and r.json()["error"]["code"] == "FORBIDDEN"
    # a tablet shows the case without sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot("agent-read-only-tablet")

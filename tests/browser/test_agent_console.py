"""The 12333 agent console (/agent) in a real browser against the real stack (issue 13).

Sign-in, a call with a question (facts, guides, table rows and region differences
read from knowledge/), the knowledge card, an application on the caller's behalf
(read-back masked, the case names the agent and channel hotline), a lookup with an
audited opening, the call note, a handoff from the citizen's web chat, and no
console without a session. Screenshots: results/screenshots/<test>/.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import urllib.error
import urllib.parse
import urllib.request


from knowledge import load_kb
from knowledge.personal_data import mask_id_number, mask_phone
from tests.browser.conftest import TABLET
from tests.personas import make_persona

ITEM = "employment_card"          # 《就业创业证》申领: 揭阳 and 湖南 state different deadlines
QUESTION = "就业创业证多久能办好"


def _db(stack):
    return sqlite3.connect(stack.env()["DATABASE_URL"].replace("sqlite:///", ""))


def _slots(stack, sender):
    token = stack.secrets["RASA_AUTH_TOKEN"]
    url = f"{stack.cfg.rasa_url}/conversations/{urllib.parse.quote(sender)}/tracker?include_events=NONE&token={token}"
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())["slots"]


def say(page, text):
    """The agent types what the caller said; waits for the assistant's script."""
    before = page.locator("[data-testid=script]").count()
    page.fill("[data-testid=call-input]", text)
    page.press("[data-testid=call-input]", "Enter")
    page.locator("[data-testid=script]").nth(before).wait_for(timeout=30_000)
    return page.locator("[data-testid=script]").nth(before)


def call_id(page):
    return page.evaluate("JSON.parse(sessionStorage.getItem('yjs.agent.call')).id")


def status_of(url, method="GET", body=None, headers=None):
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_no_console_without_a_session(stack, page, shot, staff_account, sign_in):
    web = stack.cfg.web_url
    page.goto(f"{web}/agent")
    page.wait_for_url(f"{web}/staff/signin?next=/agent*")
    shot("sign-in-required")
    code, headers = status_of(f"{web}/agent")
    assert code == 302 and headers["Location"].startswith("/staff/signin")
    for method, path, body in [("POST", "/agent/api/chat", {"sender": "hotline-x1", "message": "你好"}),
                               ("GET", "/agent/api/card?sender=hotline-x1", None),
                               ("GET", "/staff/api/handoffs", None), ("GET", "/staff/api/call-notes", None),
                               ("POST", "/staff/api/caller-lookup", {"id_number": "1", "phone_last4": "1234"})]:
        assert status_of(web + path, method, body)[0] == 401, path
    # nor can the citizen's chat speak as the hotline
    assert status_of(f"{web}/api/chat", "POST", {"sender": "hotline-x1", "message": "你好"})[0] == 400
    # a case worker's session is not an agent's
    worker = staff_account("worker")
    sign_in(page, worker, next="/worker")
    assert page.request.get(f"{web}/agent").status == 403


def test_a_whole_call(stack, page, shot, staff_account, sign_in):
    kb = load_kb()
    item = kb.items[ITEM]
    agent = staff_account("agent", "赵坐席")
    sign_in(page, agent, next="/agent")
    page.locator("[data-testid=who]").wait_for()
    assert agent.name in page.inner_text("[data-testid=who]")
    shot("signed-in")

    # a question: 话术, facts with guide, region and table row, the regions' difference, what to ask next
    script = say(page, QUESTION)
    facts = script.locator("[data-testid=facts]").inner_text()
    for p in item.provisions:
        assert p.region in facts and str(p.source) in facts and p.source.section in facts
        assert p.deadline.text in facts
    assert script.locator("[data-testid=difference]").count() >= 1
    assert "办理地" in script.locator("[data-testid=ask-next]").inner_text()
    assert "依据" not in script.locator("[data-testid=say]").inner_text()
    shot("question-answered")

    # the caller takes it: the knowledge card follows the conversation's slots
    say(page, "好的")
    page.locator("[data-testid=card-checklist]").wait_for()
    selected = _slots(stack, call_id(page))["selected_items"]
    assert ITEM in selected
    card = page.inner_text("[data-testid=knowledge-card]")
    for entry in kb.materials_checklist(selected):
        assert entry.material.display() in card
    expected = kb.expected_completion(ITEM, dt.date.today())
    if expected is not None and expected.text:
        assert expected.text in card
    shot("knowledge-card")

    # applying on the caller's behalf: the same form, personal values read back masked
    caller = make_persona(613)
    answers = caller.script(kb, [ITEM])
    page.click("[data-testid=apply]")
    page.locator("[data-testid=script]").nth(2).wait_for()
    for answer in answers:
        say(page, answer)
    log = page.inner_text("[data-testid=call-log]")
    readback = page.inner_text("[data-testid=call-log] >> [data-testid=readback] >> nth=0")
    assert mask_id_number(caller.id_number) in readback
    assert mask_phone(caller.phone) in log
    shot("application-read-back")
    done = say(page, "确认提交").inner_text()
    assert "办件编号" in done and "逐位" in done
    with _db(stack) as db:
        channel, staff_id, staff_name, number = db.execute(
            "SELECT channel, submitted_by_staff_id, submitted_by_name, case_number FROM cases ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert (channel, staff_id, staff_name) == ("hotline", agent.staff_id, agent.name)
    assert number in done
    page.locator("[data-testid=card-case]").wait_for()
    shot("application-submitted")

    # the caller's case: ID number + second factor asked by the agent; opening it needs a reason
    page.click("[data-testid=tab-case]")
    page.fill("[data-testid=lookup-id]", caller.id_number)
    page.fill("[data-testid=lookup-last4]", caller.phone[-4:])
    page.click("[data-testid=lookup-submit]")
    case = page.locator("[data-testid=case]").first
    case.wait_for()
    text = case.inner_text()
    assert number in text and mask_phone(caller.phone) in text and caller.id_number not in page.content()
    assert page.input_value("[data-testid=lookup-id]") == ""
    shot("lookup")
    case.locator("[data-testid=open-case]").click()
    assert "事由" in case.locator("[data-testid=open-result]").inner_text()
    case.locator("[data-testid=open-reason]").fill("来电人询问办理进度")
    case.locator("[data-testid=open-case]").click()
    case.locator("[data-testid=open-result] .notice").wait_for()
    opened = case.locator("[data-testid=open-result]").inner_text()
    assert caller.name in opened and "赵坐席" in opened and caller.id_number not in opened
    with _db(stack) as db:
        assert db.execute("SELECT staff_id, reason FROM reveal_audit ORDER BY id DESC LIMIT 1").fetchone() == (
            agent.staff_id, "来电人询问办理进度")
    shot("case-opened")

    # the call note: one click, editable, copied, saved with the agent's name
    page.click("[data-testid=tab-note]")
    page.click("[data-testid=note-make]")
    note = page.input_value("[data-testid=note-text]")
    assert number in note and item.name in note and QUESTION in note
    assert any(str(p.source) in note for p in item.provisions)
    page.fill("[data-testid=note-text]", note + "\n坐席补充：已提醒来电人带身份证原件。")
    page.click("[data-testid=note-copy]")
    page.click("[data-testid=note-save]")
    page.locator("[data-testid=note-status]:has-text('已保存')").wait_for()
    with _db(stack) as db:
        saved = db.execute("SELECT staff_id, text, case_numbers FROM call_notes ORDER BY id DESC LIMIT 1").fetchone()
    assert saved[0] == agent.staff_id and "坐席补充" in saved[1] and number in saved[2]
    assert caller.id_number not in saved[1] and caller.phone not in saved[1]
    shot("call-note")
    page.set_viewport_size(TABLET)
    shot("tablet")


def test_handoff_from_the_web_chat(stack, browser, page, shot, staff_account, sign_in):
    web = stack.cfg.web_url
    citizen_ctx = browser.new_context(viewport={"width": 420, "height": 860}, locale="zh-CN")
    citizen = citizen_ctx.new_page()
    try:
        citizen.goto(web + "/")
        citizen.locator(".msg.bot").first.wait_for()
        caller = make_persona(614)

        def citizen_say(text):
            n = citizen.locator(".msg.bot, .msg.note").count()
            citizen.fill("#input", text)
            citizen.press("#input", "Enter")
            citizen.locator(".msg.bot, .msg.note").nth(n).wait_for(timeout=30_000)

        citizen_say(f"我身份证{caller.id_number}，工伤认定要什么材料")
        citizen_say("转人工")
        citizen.locator(".msg.note:has-text('转人工')").wait_for()
        shot("citizen-asks-for-a-person", on=citizen)

        agent = staff_account("agent", "钱坐席")
        sign_in(page, agent, next="/agent")
        page.click("[data-testid=tab-queue]")
        entry = page.locator("[data-testid=queue-entry]", has_text=mask_id_number(caller.id_number)).first
        entry.wait_for()
        assert caller.id_number not in page.content()
        shot("queue")
        entry.locator("[data-testid=take]").click()
        page.locator("[data-testid=handoff-log]:has-text('工伤认定')").wait_for()
        assert caller.id_number not in page.inner_text("[data-testid=handoff-log]")
        page.fill("[data-testid=handoff-input]", "您好，我是12333坐席，工伤认定需要的材料我来为您说明。")
        page.click("[data-testid=handoff-send]")
        citizen.locator(".msg.agent:has-text('12333坐席')").wait_for(timeout=15_000)
        shot("agent-reply-in-web-chat", on=citizen)

        # while the agent holds it, the citizen's messages go to the agent (masked)
        citizen.fill("#input", f"好的，我电话{caller.phone}")
        citizen.press("#input", "Enter")
        page.locator("[data-testid=handoff-citizen]", has_text=mask_phone(caller.phone)).wait_for(timeout=15_000)
        assert caller.phone not in page.inner_text("[data-testid=handoff-log]")
        shot("agent-reads-citizen")

        page.click("[data-testid=handoff-release]")
        page.locator("[data-testid=released]").wait_for()
        citizen.locator(".msg.note:has-text('智能助手')").wait_for(timeout=15_000)
        # handed back: the assistant answers again
        citizen_say("工伤认定要什么材料")
        assert citizen.locator(".msg.bot").last.inner_text()
        shot("handed-back", on=citizen)
    finally:
        citizen_ctx.close()

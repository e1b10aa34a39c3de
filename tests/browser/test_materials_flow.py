"""Issue 14, done when: through the two web pages only, a citizen applies in the chat and uploads
the materials, a worker returns the case in /worker asking for one material again, the citizen
looks up the progress in the chat, sees the reason, uploads exactly that material and resubmits,
and after the worker's action sees 已办结."""
from __future__ import annotations

from knowledge import load_kb
from tests.browser.chat_page import apply_for_benefit, give, jpeg_with_gps, look_up, pdf, say, shown_ids
from tests.personas import make_persona

REASON = "身份证件照片模糊，无法辨认"


def test_apply_upload_return_resubmit_complete(stack, browser, shot, staff_account, sign_in):
    kb = load_kb()
    persona = make_persona(821)
    citizen_ctx = browser.new_context(viewport={"width": 412, "height": 915}, locale="zh-CN", is_mobile=True, has_touch=True)
    worker_ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    citizen, worker = citizen_ctx.new_page(), worker_ctx.new_page()
    for p in (citizen, worker):
        p.set_default_timeout(20_000)
    errors: list = []
    citizen.on("pageerror", lambda exc: errors.append(str(exc)))
    worker.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # 1. the citizen applies and uploads every material of the checklist
        number = apply_for_benefit(citizen, stack.cfg.web_url, persona)
        widget = citizen.locator(".materials-msg").last
        ids = shown_ids(citizen, widget)
        items = [s.item_id for s in kb.expand_selection(["unemployment_benefit"])]
        entries = {e_id: e for e_id, e in zip(ids, kb.materials_checklist(items))}
        photo_id = ids[0]
        give(citizen, photo_id, "证件.jpg", "image/jpeg", jpeg_with_gps(seed=21), widget)
        widget.locator(f"li[data-material='{photo_id}'].state-in").wait_for()
        for n, mid in enumerate(ids[1:]):
            give(citizen, mid, f"材料{n}.pdf", "application/pdf", pdf(color=(200 + n, 230, 240), text_seed=n), widget)
            widget.locator(f"li[data-material='{mid}'].state-in").wait_for()
        widget.locator(".materials-summary:has-text('材料已齐全')").wait_for()
        shot("citizen-uploaded", on=citizen)

        # 2. the worker sees them in /worker and returns the case for the photo
        account = staff_account("worker", "李办事")
        sign_in(worker, account, next=f"/worker?case={number}")
        worker.wait_for_selector(f"#case-head [data-field=case_number]:text-is('{number}')")
        worker.wait_for_selector(f"#materials li[data-material='{photo_id}'] img")
        assert worker.locator("#materials li").count() == len(ids)
        worker.click("[data-to=in_progress]")
        worker.wait_for_selector("#t-notice:not([hidden])")
        worker.fill("#t-reason", REASON)
        worker.check(f"#t-checks input[value='{entries[photo_id].material.name}']")
        worker.click("[data-to=returned]")
        worker.wait_for_selector("#t-notice:not([hidden])")
        assert worker.inner_text("#case-head [data-field=status]").strip() == "已退回"
        shot("worker-returned", on=worker)

        # 3. the citizen looks the case up, sees the reason and re-uploads exactly that material
        found = look_up(citizen, persona)
        assert number in found and "已退回" in found and REASON in found
        widget = citizen.locator(".materials-msg").last
        widget.locator("li.material").first.wait_for()
        widget.locator(f"li[data-material='{photo_id}'].state-resubmit").wait_for()
        assert widget.locator("li.state-resubmit").count() == 1
        assert REASON in widget.locator(".materials-reason").inner_text()
        assert widget.locator("button.materials-resubmit").count() == 0     # not before the photo is in
        shot("citizen-asked-again", on=citizen)
        give(citizen, photo_id, "证件-清晰.jpg", "image/jpeg", jpeg_with_gps(seed=22), widget)
        widget.locator(f"li[data-material='{photo_id}'].state-in").wait_for()
        widget.locator("button.materials-resubmit").click()
        note = citizen.locator(".msg.note:has-text('补正材料已提交')")
        note.wait_for()
        assert number in note.inner_text()

        # 4. the worker sees the case back in 待办 with the new photo, and completes it
        worker.reload()
        worker.wait_for_selector(f"#case-head [data-field=case_number]:text-is('{number}')")
        worker.wait_for_selector(f"#materials li[data-material='{photo_id}'] img >> nth=1")
        assert worker.inner_text("#case-head [data-field=status]").strip() == "待办"
        worker.click("[data-to=in_progress]")
        worker.wait_for_selector("[data-to=completed]")
        worker.fill("#t-reason", "材料齐全，予以办结")
        worker.click("[data-to=completed]")
        worker.wait_for_selector("#t-notice:not([hidden])")
        assert worker.inner_text("#case-head [data-field=status]").strip() == "已办结"
        shot("worker-completed", on=worker)

        # 5. the citizen's lookup shows 已办结, and no more upload buttons
        before = citizen.locator(".materials-msg").count()
        done = look_up(citizen, persona)
        assert number in done and "已办结" in done and "已退回" not in done.split("当前状态：")[1].split("\n")[0]
        assert citizen.locator(".materials-msg").count() == before
        shot("citizen-completed", on=citizen)
        assert not errors, errors
    finally:
        citizen_ctx.close()
        worker_ctx.close()

"""The citizen uploads materials in the web chat (web/static/materials.js) right after applying:
the merged checklist with one upload button per material, a real JPEG with EXIF GPS and a real
PDF through XHR with progress, a refusal explained, 稍后再传; the files are encrypted on disk and
the JPEG comes back without its location."""
from __future__ import annotations

import urllib.request

from knowledge import load_kb
from tests.browser.chat_page import (
    CAMERA_MARK,
    apply_for_benefit,
    expected_ids,
    give,
    has_gps,
    jpeg_with_gps,
    pdf,
    plain_chunks_on_disk,
    shown_ids,
)
from tests.personas import make_persona


def staff_get(stack, path: str):
    req = urllib.request.Request(stack.cfg.backend_url + path,
                                 headers={"Authorization": f"Bearer {stack.secrets['DEV_WORKER_TOKEN']}"})
    with urllib.request.urlopen(req, timeout=20) as resp:
        return resp.status, resp.headers.get("Content-Type"), resp.read()


def test_citizen_uploads_a_photo_and_a_pdf_after_applying(stack, page, shot):
    import json

    kb = load_kb()
    persona = make_persona(811)
    number = apply_for_benefit(page, stack.cfg.web_url, persona)
    items = [s.item_id for s in kb.expand_selection(["unemployment_benefit"])]
    widget = page.locator(".materials-msg").last
    ids = shown_ids(page, widget)
    assert ids == expected_ids(items) and len(set(ids)) == len(ids)   # a shared material once
    shared = [e for e in kb.materials_checklist(items) if len(e.needed_by) > 1]
    assert shared and widget.locator("li.material").count() == len(kb.materials_checklist(items))
    assert widget.locator("input[type=file][accept='image/*,application/pdf'][capture]").count() == len(ids)
    assert widget.locator("li.state-missing").count() == len(ids)
    shot("checklist")

    photo_id, pdf_id = ids[0], ids[1]
    photo = jpeg_with_gps()
    give(page, photo_id, "身份证.jpg", "image/jpeg", photo, widget)
    widget.locator(f"li[data-material='{photo_id}'].state-in").wait_for()
    assert widget.locator(f"li[data-material='{photo_id}'] .material-state").inner_text() == "已上传"
    assert widget.locator(f"li[data-material='{photo_id}'] progress").get_attribute("data-progress") == "100"

    # a file that is not a picture or PDF, whatever its name says: a clear message, nothing stored
    give(page, pdf_id, "承诺书.pdf", "application/pdf", b"<html>not a pdf</html>", widget)
    message = widget.locator(f"li[data-material='{pdf_id}'] .material-msg.error")
    message.wait_for()
    assert "JPG" in message.inner_text() and "PDF" in message.inner_text()
    assert widget.locator(f"li[data-material='{pdf_id}'].state-missing").count() == 1
    shot("refused")

    document = pdf()
    give(page, pdf_id, "承诺书.pdf", "application/pdf", document, widget)
    widget.locator(f"li[data-material='{pdf_id}'].state-in").wait_for()
    # the same photo again is stored once
    give(page, photo_id, "身份证(1).jpg", "image/jpeg", photo, widget)
    widget.locator(f"li[data-material='{photo_id}'] .material-msg:has-text('之前已经上传过')").wait_for()
    shot("two-in")

    # 稍后再传: the case stays open and the chat says how to come back
    widget.locator("button.materials-later").click()
    note = page.locator(".msg.note").last
    assert "查询进度" in note.inner_text()

    # the backend has them: the JPEG without GPS or camera, the PDF as given
    status, _, body = staff_get(stack, f"/api/v1/staff/cases/{number}/materials")
    listing = json.loads(body)
    files = {m["material_id"]: m["files"] for m in listing["materials"]}
    assert len(files[photo_id]) == 1 and len(files[pdf_id]) == 1
    _, ctype, stored_photo = staff_get(stack, files[photo_id][0]["url"])
    assert ctype == "image/jpeg" and not has_gps(stored_photo)
    _, ctype, stored_pdf = staff_get(stack, files[pdf_id][0]["url"])
    assert ctype == "application/pdf" and stored_pdf == document
    # on disk, under the stack's var/: no plain bytes of any of them
    root = stack.cfg.var_dir
    for plain in (photo, stored_photo, document):
        assert plain_chunks_on_disk(root, plain) == []
    raw = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    assert CAMERA_MARK.encode() not in raw
    assert persona.id_number not in json.dumps(listing, ensure_ascii=False)

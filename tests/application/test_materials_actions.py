"""The materials checklist the actions put in their messages (actions/materials.py), with
trackers, against a real backend process: after a submission, after a lookup of a
pending case with materials missing, and of a returned case asking for one material."""
from __future__ import annotations

import io
import json
import urllib.request

from rasa_sdk.executor import CollectingDispatcher

from actions.application.form import ActionFinishApplication
from actions.progress import ActionLookupProgress
from knowledge.materials import material_id
from tests.application.test_actions_with_backend import (  # noqa: F401 - the module-scoped backend fixture
    applicant,
    backend,
    confirmed_state,
    run,
    slot,
    tracker,
)


def offers(dispatcher):
    custom = dispatcher.messages[-1].get("custom") or {}
    return custom.get("materials_checklists") or []


def expected_ids(kb, item_ids):
    return [material_id(e.material) for e in kb.materials_checklist(item_ids)]


def call(stack, method, path, body=None, headers=None):
    req = urllib.request.Request(stack.cfg.backend_url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def tiny_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def submit(kb, seq):
    state = confirmed_state(kb, seq)
    dispatcher = CollectingDispatcher()
    events = run(ActionFinishApplication(), dispatcher, tracker({"application": state}))
    return state, dispatcher, slot(events, "case_number")


def lookup(seq, sender):
    dispatcher = CollectingDispatcher()
    person = applicant(seq)
    state = {"stage": "ready", "id_number": person.id_number, "phone_last4": person.phone[-4:]}
    run(ActionLookupProgress(), dispatcher, tracker({"lookup": state}, sender=sender))
    return dispatcher


def test_submission_message_carries_the_merged_checklist_with_an_upload_token(backend, kb):
    state, dispatcher, case_number = submit(kb, "511")
    assert "办件编号" in dispatcher.messages[-1]["text"]          # the success text is unchanged
    [offer] = offers(dispatcher)
    assert offer["case_number"] == case_number and offer["mode"] == "submitted"
    assert offer["upload_token"].startswith("up_")
    assert [m["material_id"] for m in offer["materials"]] == expected_ids(kb, state["items"])
    assert len({m["material_id"] for m in offer["materials"]}) == len(offer["materials"])
    by_id = {m["material_id"]: m for m in offer["materials"]}
    for e in kb.materials_checklist(state["items"]):
        assert by_id[material_id(e.material)]["display"] == e.material.display()
        assert by_id[material_id(e.material)]["needed_by"] == [kb.item(i).name for i in e.needed_by]
    assert all(m["state"] == "missing" for m in offer["materials"])
    assert "查询进度" in offer["later_text"]
    # nothing personal in the payload
    person = applicant("511")
    assert person.id_number not in json.dumps(offer, ensure_ascii=False)
    assert person.phone not in json.dumps(offer, ensure_ascii=False)


def test_lookup_of_a_pending_case_offers_what_is_missing_and_nothing_once_complete(backend, kb):
    state, dispatcher, case_number = submit(kb, "512")
    token = offers(dispatcher)[0]["upload_token"]
    [offer] = offers(lookup("512", "t-512"))
    assert offer["mode"] == "pending" and offer["case_number"] == case_number
    assert offer["upload_token"] != token                          # a fresh token from the lookup
    for m in offer["materials"]:
        status, _ = call(backend, "PUT", f"/api/v1/uploads/materials/{m['material_id']}", tiny_jpeg(),
                         {"X-Upload-Token": offer["upload_token"]})
        assert status == 201
    assert offers(lookup("512", "t-512b")) == []


def test_lookup_of_a_returned_case_offers_exactly_the_material_to_resubmit(backend, kb):
    state, dispatcher, case_number = submit(kb, "513")
    first = kb.materials_checklist(state["items"])[0].material
    worker = {"Authorization": f"Bearer {backend.secrets['DEV_WORKER_TOKEN']}", "Content-Type": "application/json"}
    body = json.dumps({"to_status": "已退回", "reason": "身份证件照片模糊", "resubmit": [first.name]}).encode()
    status, _ = call(backend, "POST", f"/api/v1/staff/cases/{case_number}/transitions", body, worker)
    assert status == 200
    dispatcher = lookup("513", "t-513")
    assert "已退回" in dispatcher.messages[-1]["text"]
    [offer] = offers(dispatcher)
    assert offer["mode"] == "resubmit" and offer["return_reason"] == "身份证件照片模糊"
    assert [m["material_id"] for m in offer["materials"] if m["state"] == "resubmit"] == [material_id(first)]


def test_web_page_server_relays_uploads_with_a_streamed_size_limit(backend, kb, monkeypatch):
    """web/uploads.py: same-origin relay to the backend; a body over the limit is refused unread."""
    import http.client
    import threading

    from web import uploads
    from web.server import make_server

    _, dispatcher, _ = submit(kb, "514")
    offer = offers(dispatcher)[0]
    server = make_server("127.0.0.1", 0, "http://127.0.0.1:9", backend.cfg.backend_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    token = {"X-Upload-Token": offer["upload_token"]}
    mid = offer["materials"][0]["material_id"]
    try:
        def ask(method, path, body=None, headers=None):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            return resp.status, json.loads(data) if data else None

        status, body = ask("PUT", f"/api/uploads/materials/{mid}", tiny_jpeg(), token)
        assert status == 201 and body["media_type"] == "image/jpeg"
        status, body = ask("GET", "/api/uploads/checklist", headers=token)
        assert status == 200 and next(m for m in body["materials"] if m["material_id"] == mid)["state"] == "in"
        status, body = ask("PUT", f"/api/uploads/materials/{mid}", b"GIF89a" + b"\0" * 100, token)
        assert status == 415 and "JPG" in body["error"]["message"]
        status, body = ask("PUT", f"/api/uploads/materials/{mid}", tiny_jpeg())
        assert status == 401 and "查询进度" in body["error"]["message"]
        status, body = ask("PUT", "/api/uploads/materials/../../staff/cases", tiny_jpeg(), token)
        assert status == 404

        # over the limit: answered from the Content-Length alone, the body is never read
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        conn.putrequest("PUT", f"/api/uploads/materials/{mid}")
        conn.putheader("X-Upload-Token", offer["upload_token"])
        conn.putheader("Content-Length", str(uploads.MAX_UPLOAD + 1))
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 413 and "MB" in json.loads(resp.read())["error"]["message"]
        conn.close()
    finally:
        server.shutdown()
        server.server_close()


def test_no_upload_offer_on_channels_without_upload_buttons(backend, kb):
    state = confirmed_state(kb, "515")
    dispatcher = CollectingDispatcher()
    run(ActionFinishApplication(), dispatcher, tracker({"application": state}, sender="wechat-515"))
    assert "办件编号" in dispatcher.messages[-1]["text"] and offers(dispatcher) == []
    assert offers(lookup("515", "hotline-515")) == []
    assert offers(lookup("515", "t-515"))                  # the web chat gets it

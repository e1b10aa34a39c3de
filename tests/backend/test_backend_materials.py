"""Materials uploaded with an application (backend/app/materials), on SQLite and PostgreSQL:
every refusal, encryption at rest, EXIF removal, idempotency, audit events, staff views,
and a returned case's resubmission of exactly the material asked for."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backend.app import catalog
from backend.app.app_factory import create_app
from backend.app.core.db import normalize_db_url
from knowledge import load_kb
from knowledge.materials import material_id
from tests.backend import factories
from tests.backend import material_files as mf
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, WORKER_TOKEN, Api, make_settings, truncate_all


@pytest.fixture
def store_dir(tmp_path) -> Path:
    return tmp_path / "materials"


@pytest.fixture
def mapi(db_url, store_dir):
    from fastapi.testclient import TestClient

    app = create_app(make_settings(db_url, MATERIALS_DIR=store_dir))
    with TestClient(app) as c:
        yield MaterialsApi(c)
    truncate_all(db_url)


class MaterialsApi(Api):
    def submitted(self, body=None):
        key = "conv-materials-" + factories.make_id()[-6:]
        r = self.submit(body, key=key)
        assert r.status_code == 201, r.text
        case = r.json()
        t = self.client.post(
            f"/api/v1/cases/{case['case_number']}/upload-token",
            json={"idempotency_key": key},
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        )
        assert t.status_code == 200, t.text
        return case, t.json()["upload_token"]

    def checklist(self, token):
        return self.client.get("/api/v1/uploads/checklist", headers={"X-Upload-Token": token})

    def put(self, token, mid, data, content_type="application/octet-stream", **params):
        return self.client.put(
            f"/api/v1/uploads/materials/{mid}", content=data, params=params,
            headers={"X-Upload-Token": token, "Content-Type": content_type},
        )


def first_material(case) -> str:
    """The first material of the case's merged checklist (from knowledge/)."""
    kb = load_kb()
    return material_id(kb.materials_checklist([i["item_id"] for i in case["items"]])[0].material)


def error(r):
    return r.json()["error"]


def test_checklist_is_knowledge_merged_checklist_each_shared_material_once(mapi):
    case, token = mapi.submitted()
    r = mapi.checklist(token)
    assert r.status_code == 200
    body = r.json()
    expected = load_kb().materials_checklist([i["item_id"] for i in case["items"]])
    assert [m["material_id"] for m in body["materials"]] == [material_id(e.material) for e in expected]
    assert [m["display"] for m in body["materials"]] == [e.material.display() for e in expected]
    assert [[n["item_id"] for n in m["needed_by"]] for m in body["materials"]] == [list(e.needed_by) for e in expected]
    assert len({m["material_id"] for m in body["materials"]}) == len(body["materials"])
    assert all(m["state"] == "missing" for m in body["materials"]) and body["complete"] is False


def test_jpeg_is_stored_encrypted_without_exif_and_idempotently(mapi, store_dir, db_url):
    case, token = mapi.submitted()
    mid = first_material(case)
    photo = mf.jpeg_with_gps()
    assert mf.has_gps(photo)
    first = mapi.put(token, mid, photo, content_type="application/pdf")  # the declared type is ignored
    assert first.status_code == 201, first.text
    assert first.json()["media_type"] == "image/jpeg"
    again = mapi.put(token, mid, photo)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["file_id"] == first.json()["file_id"]

    blobs = [p for p in store_dir.rglob("*") if p.is_file()]
    assert len(blobs) == 1, "the same file twice is stored once"
    # the staff view gives the re-encoded picture back: no GPS, no camera
    content = mapi.staff_get(first.json()["file_id"] and
                             f"/api/v1/staff/cases/{case['case_number']}/materials/{first.json()['file_id']}/content")
    assert content.status_code == 200 and content.headers["content-type"] == "image/jpeg"
    stored = content.content
    assert stored.startswith(b"\xff\xd8\xff") and not mf.has_gps(stored)
    # on disk: neither the original's nor the stored picture's bytes, in any file under the store or the DB
    raw = b"".join(p.read_bytes() for p in store_dir.rglob("*") if p.is_file())
    for plain in (photo, stored):
        for start in range(0, len(plain) - 32, 997):
            assert plain[start:start + 32] not in raw
    assert mf.CAMERA_MARK.encode() not in raw
    if db_url.startswith("sqlite"):
        db_file = Path(db_url.split("///", 1)[1])
        dumped = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
        assert stored[100:132] not in dumped
    # the blob's name tells nothing about the content: not a plain hash of it
    import hashlib

    assert blobs[0].stem not in (hashlib.sha256(photo).hexdigest(), hashlib.sha256(stored).hexdigest())


def test_pdf_accepted_and_stored_encrypted(mapi, store_dir):
    case, token = mapi.submitted()
    pdf = mf.plain_pdf("YJS-PLAIN-PDF-MARK")
    r = mapi.put(token, first_material(case), pdf, content_type="image/jpeg")
    assert r.status_code == 201 and r.json()["media_type"] == "application/pdf"
    raw = b"".join(p.read_bytes() for p in store_dir.rglob("*") if p.is_file())
    assert b"YJS-PLAIN-PDF-MARK" not in raw and b"%PDF" not in raw
    back = mapi.staff_get(f"/api/v1/staff/cases/{case['case_number']}/materials/{r.json()['file_id']}/content")
    assert back.content == pdf


def test_big_png_passes_the_64k_body_limit_of_other_routes(mapi):
    case, token = mapi.submitted()
    png = mf.noisy_png()
    assert len(png) > 1024 * 1024
    r = mapi.put(token, first_material(case), png)
    assert r.status_code == 201 and r.json()["media_type"] == "image/png"


@pytest.mark.parametrize(
    "make, status, code",
    [
        (lambda: b"GIF89a" + b"\x00" * 200, 415, "MATERIAL_TYPE_UNSUPPORTED"),
        (lambda: "<html><script>alert(1)</script></html>".encode(), 415, "MATERIAL_TYPE_UNSUPPORTED"),
        (lambda: b"", 422, "MATERIAL_EMPTY"),
        (lambda: b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 50, 422, "MATERIAL_IMAGE_UNREADABLE"),
        (lambda: mf.jpeg_with_gps()[:600], 422, "MATERIAL_IMAGE_UNREADABLE"),
        (mf.pdf_with_javascript, 422, "MATERIAL_PDF_ACTIVE_CONTENT"),
        (mf.pdf_with_open_action_js, 422, "MATERIAL_PDF_ACTIVE_CONTENT"),
        (mf.pdf_with_launch_escaped, 422, "MATERIAL_PDF_ACTIVE_CONTENT"),
        (mf.pdf_with_attachment, 422, "MATERIAL_PDF_ACTIVE_CONTENT"),
        (mf.broken_pdf, 422, "MATERIAL_PDF_BROKEN"),
        (lambda: b"%PDF-1.7\n" + b"garbage " * 40, 422, "MATERIAL_PDF_BROKEN"),
        (mf.encrypted_pdf, 422, "MATERIAL_PDF_ENCRYPTED"),
        (mf.bomb_png, 422, "MATERIAL_IMAGE_TOO_LARGE"),
    ],
    ids=["gif", "html", "empty", "fake-jpeg", "truncated-jpeg", "pdf-js", "pdf-openaction-js",
         "pdf-launch-escaped", "pdf-embedded-file", "pdf-truncated", "pdf-garbage", "pdf-encrypted",
         "png-bomb"],
)
def test_refusals_with_a_chinese_message_and_nothing_stored(mapi, store_dir, make, status, code):
    case, token = mapi.submitted()
    r = mapi.put(token, first_material(case), make(), content_type="image/jpeg")
    assert r.status_code == status, r.text
    assert error(r)["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error(r)["message"])
    assert not any(p.is_file() for p in store_dir.rglob("*"))
    assert all(not m["files"] for m in mapi.checklist(token).json()["materials"])


def test_too_big_refused(db_url, store_dir):
    from fastapi.testclient import TestClient

    app = create_app(make_settings(db_url, MATERIALS_DIR=store_dir, MATERIAL_MAX_BYTES=200 * 1024))
    try:
        with TestClient(app) as c:
            api = MaterialsApi(c)
            case, token = api.submitted()
            r = api.put(token, first_material(case), mf.noisy_png())
            assert r.status_code == 413 and error(r)["code"] == "MATERIAL_TOO_LARGE"
            assert "MB" in error(r)["message"]
            # chunked (no Content-Length): refused while streaming
            chunks = (mf.noisy_png()[i:i + 65536] for i in range(0, 400 * 1024, 65536))
            r = c.put(f"/api/v1/uploads/materials/{first_material(case)}", content=chunks,
                      headers={"X-Upload-Token": token})
            assert r.status_code == 413 and error(r)["code"] == "MATERIAL_TOO_LARGE"
    finally:
        truncate_all(db_url)
    assert not any(p.is_file() for p in store_dir.rglob("*"))


def test_material_of_another_item_refused(mapi):
    case, token = mapi.submitted()
    kb = load_kb()
    case_items = [i["item_id"] for i in case["items"]]
    ours = {material_id(e.material) for e in kb.materials_checklist(case_items)}
    foreign = next(
        material_id(e.material)
        for e in kb.materials_checklist(list(kb.bundle("labor_rights").item_ids))
        if material_id(e.material) not in ours
    )
    r = mapi.put(token, foreign, mf.jpeg_with_gps())
    assert r.status_code == 422 and error(r)["code"] == "MATERIAL_NOT_IN_CASE"
    r = mapi.put(token, first_material(case), mf.jpeg_with_gps(), item_id="labor_inspection_complaint")
    assert r.status_code == 422 and error(r)["code"] == "MATERIAL_NOT_IN_CASE"


def test_token_required_valid_and_bound_to_submission(mapi):
    case, token = mapi.submitted()
    mid = first_material(case)
    assert mapi.put("up_" + "x" * 43, mid, mf.jpeg_with_gps()).status_code == 401
    r = mapi.client.put(f"/api/v1/uploads/materials/{mid}", content=mf.jpeg_with_gps())
    assert r.status_code == 401 and error(r)["code"] == "UPLOAD_TOKEN_INVALID"
    # a token only for the holder of the submission's idempotency key
    wrong = mapi.client.post(
        f"/api/v1/cases/{case['case_number']}/upload-token", json={"idempotency_key": "someone-else"},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
    )
    assert wrong.status_code == 404
    no_service = mapi.client.post(f"/api/v1/cases/{case['case_number']}/upload-token", json={"idempotency_key": "x"})
    assert no_service.status_code == 401


def test_case_closed_refused(mapi):
    case, token = mapi.submitted()
    assert mapi.transition(case["case_number"], "办理中").status_code == 200
    r = mapi.put(token, first_material(case), mf.jpeg_with_gps())
    assert r.status_code == 409 and error(r)["code"] == "CASE_CLOSED"
    assert "办理中" in error(r)["message"]


def test_delete_removes_the_blob_and_every_action_is_audited(mapi, store_dir):
    case, token = mapi.submitted()
    mid = first_material(case)
    r = mapi.put(token, mid, mf.jpeg_with_gps())
    mapi.put(token, mid, mf.jpeg_with_gps())
    fid = r.json()["file_id"]
    path = f"/api/v1/staff/cases/{case['case_number']}/materials/{fid}/content"
    assert mapi.staff_get(path).status_code == 200
    assert mapi.staff_get(path, token=AGENT_TOKEN).status_code == 403
    d = mapi.client.delete(f"/api/v1/uploads/files/{fid}", headers={"X-Upload-Token": token})
    assert d.status_code == 204
    assert not any(p.is_file() for p in store_dir.rglob("*"))
    assert mapi.staff_get(path).status_code == 404
    listing = mapi.staff_get(f"/api/v1/staff/cases/{case['case_number']}/materials", token=AGENT_TOKEN)
    assert listing.status_code == 200
    events = listing.json()["events"]
    assert [e["action"] for e in events] == ["uploaded", "duplicate", "viewed", "deleted"]
    assert events[2]["actor_type"] == "worker" and events[2]["actor_id"]
    assert all(e["file_id"] == fid and e["material_id"] == mid for e in events)
    assert next(m for m in listing.json()["materials"] if m["material_id"] == mid)["state"] == "missing"


def test_staff_list_marks_in_and_missing_and_links_content(mapi, db_url):
    case, token = mapi.submitted()
    mid = first_material(case)
    mapi.put(token, mid, mf.plain_pdf())
    r = mapi.staff_get(f"/api/v1/staff/cases/{case['case_number']}/materials")
    assert r.status_code == 200
    states = {m["material_id"]: m["state"] for m in r.json()["materials"]}
    assert states[mid] == "in" and set(states.values()) <= {"in", "missing"}
    url = next(m for m in r.json()["materials"] if m["material_id"] == mid)["files"][0]["url"]
    assert mapi.staff_get(url).status_code == 200
    assert mapi.client.get(f"/api/v1/staff/cases/{case['case_number']}/materials").status_code == 401
    engine = create_engine(normalize_db_url(db_url))
    with engine.connect() as conn:
        audits = [r[0] for r in conn.execute(text("SELECT action FROM staff_view_audit ORDER BY id"))]
    engine.dispose()
    assert audits == ["materials", "material_file"]


def test_returned_case_resubmits_exactly_the_material_asked_for(mapi):
    id_number = factories.make_id()
    case, token = mapi.submitted(factories.unemployment_body(id_number=id_number))
    mid = first_material(case)
    assert mapi.put(token, mid, mf.jpeg_with_gps(seed=1)).status_code == 201
    entry = next(e for e in catalog.materials_checklist([i["item_id"] for i in case["items"]]) if e.id == mid)
    r = mapi.transition(case["case_number"], "已退回", reason="照片不清晰", resubmit=[entry.name])
    assert r.status_code == 200, r.text

    found = mapi.lookup(id_number, factories.PHONE[-4:]).json()["cases"][0]
    assert found["status"] == "已退回" and found["upload"]["upload_token"]
    fresh = found["upload"]["upload_token"]
    listing = mapi.checklist(fresh).json()
    assert [m["material_id"] for m in listing["materials"] if m["state"] == "resubmit"] == [mid]
    assert listing["return_reason"] == "照片不清晰" and listing["can_resubmit"] is False
    early = mapi.client.post("/api/v1/uploads/resubmit", headers={"X-Upload-Token": fresh})
    assert early.status_code == 422 and error(early)["code"] == "MATERIALS_MISSING"

    assert mapi.put(fresh, mid, mf.jpeg_with_gps(seed=5)).status_code == 201
    assert mapi.checklist(fresh).json()["can_resubmit"] is True
    done = mapi.client.post("/api/v1/uploads/resubmit", headers={"X-Upload-Token": fresh})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "待办" and done.json()["case_number"] == case["case_number"]
    # the lookup of a 待办 case still gives a token (稍后再传: come back by the lookup)
    again = mapi.lookup(id_number, factories.PHONE[-4:]).json()["cases"][0]
    assert again["upload"] is not None
    # a completed case gives none
    assert mapi.transition(case["case_number"], "办理中").status_code == 200
    assert mapi.transition(case["case_number"], "已办结").status_code == 200
    closed = mapi.lookup(id_number, factories.PHONE[-4:]).json()["cases"][0]
    assert closed["upload"] is None


def test_upload_tokens_are_stored_hashed(mapi, db_url):
    case, token = mapi.submitted()
    engine = create_engine(normalize_db_url(db_url))
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("SELECT * FROM material_upload_tokens"))]
    engine.dispose()
    assert rows and not any(token in str(v) for row in rows for v in row)

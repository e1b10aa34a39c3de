"""The applicant's name given again in the form (the chat's form has a 姓名 field) is masked in staff views."""
from __future__ import annotations

from knowledge.personal_data import mask_name
from tests.backend import factories
from tests.backend.conftest import AGENT_TOKEN, WORKER_TOKEN


def test_the_form_name_field_is_masked_like_the_applicant(api):
    body = factories.unemployment_body()
    body["applicant"]["name"] = "欧阳晓明"
    body["form"]["name"] = "欧阳晓明"
    number = api.create(body)["case_number"]
    for token in (WORKER_TOKEN, AGENT_TOKEN):
        r = api.staff_get(f"/api/v1/staff/cases/{number}", token=token)
        assert r.status_code == 200, r.text
        form = {f["field_id"]: f["value"] for f in r.json()["form"]}
        assert form["name"] == mask_name("欧阳晓明") == r.json()["applicant"]["name"]
        assert "欧阳晓明" not in r.text
    r = api.client.post(
        f"/api/v1/staff/cases/{number}/reveal", json={"reason": "核对姓名"}, headers={"Authorization": f"Bearer {WORKER_TOKEN}"}
    )
    assert {f["field_id"]: f["value"] for f in r.json()["form"]}["name"] == "欧阳晓明"

"""POST /api/v1/lookup: masking, same answer for wrong factor / no case, abuse limits, audit."""
from __future__ import annotations

from sqlalchemy import create_engine, text

from backend.app.core.db import normalize_db_url
from knowledge.personal_data import mask_bank_card, mask_id_number
from tests.backend import factories
from tests.backend.conftest import SERVICE_TOKEN, client_address


def rows(db_url: str, sql: str) -> list[dict]:
    engine = create_engine(normalize_db_url(db_url))
    with engine.connect() as conn:
        out = [dict(r) for r in conn.execute(text(sql)).mappings()]
    engine.dispose()
    return out


def test_lookup_returns_masked_cases_with_items_and_timeline(api):
    card = factories.make_card()
    body = factories.unemployment_body(card=card)
    idn, phone = body["applicant"]["id_number"], body["applicant"]["phone"]
    created = api.create(body)
    api.transition(created["case_number"], "办理中")

    r = api.lookup(idn.lower(), phone[-4:])
    assert r.status_code == 200
    cases = r.json()["cases"]
    assert len(cases) == 1
    c = cases[0]
    assert c["case_number"] == created["case_number"]
    assert c["status"] == "办理中"
    assert c["applicant"] == {
        "name": "张*",
        "id_number": mask_id_number(idn),
        "phone": phone[:3] + "****" + phone[-4:],
    }
    assert c["bank_cards"][0]["value"] == mask_bank_card(card)
    assert [i["item_id"] for i in c["items"]] == [i["item_id"] for i in created["items"]]
    assert all(i["expected_completion"] == j["expected_completion"] for i, j in zip(c["items"], created["items"]))
    assert c["returned"] is None
    timeline = c["timeline"]
    assert timeline[0]["to_status"] == "待办" and timeline[0]["actor"] == "申请人"
    assert any(e["actor"] == "工作人员" for e in timeline)
    # no raw personal data, no worker ids
    for raw in (idn, phone, card, "dev-worker", "张三"):
        assert raw not in r.text


def test_wrong_factor_and_unknown_id_look_the_same(api):
    body = factories.talent_body()
    idn, last4 = body["applicant"]["id_number"], body["applicant"]["phone"][-4:]
    api.create(body)
    wrong = api.lookup(idn, "0000" if last4 != "0000" else "1111", client_id="c1")
    nobody = api.lookup(factories.make_id(birth="19770707"), last4, client_id="c2")
    assert wrong.status_code == nobody.status_code == 200
    assert wrong.json() == nobody.json() == {"cases": []}
    assert set(wrong.headers) == set(nobody.headers)


def test_another_persons_id_gives_nothing(api):
    mine = factories.talent_body()
    theirs = factories.talent_body(phone="13912345678")
    api.create(mine)
    api.create(theirs)
    r = api.lookup(mine["applicant"]["id_number"], "5678")
    assert [c["applicant"]["id_number"] for c in r.json()["cases"]] == [
        mask_id_number(mine["applicant"]["id_number"])
    ]
    # right last 4 of someone else's phone, with my ID: nothing
    other = factories.talent_body(phone="13955554444")
    api.create(other)
    assert api.lookup(mine["applicant"]["id_number"], "4444").json() == {"cases": []}


def test_several_cases_newest_first_and_only_matching_phone(api):
    idn = factories.make_id()
    first = api.create(factories.talent_body(id_number=idn))
    second = api.create(factories.labor_body(id_number=idn, phone="13812345678"))
    api.create(factories.talent_body(id_number=idn, phone="13700001111"))
    found = api.lookup(idn, "5678").json()["cases"]
    assert [c["case_number"] for c in found] == [second["case_number"], first["case_number"]]


def test_failures_per_id_lock_the_id(api, db_url):
    body = factories.talent_body()
    idn = body["applicant"]["id_number"]
    api.create(body)
    for attempt in range(5):
        r = api.lookup(idn, f"{attempt:04d}", client_id=f"conv-{attempt}")
        assert r.status_code == 200 and r.json() == {"cases": []}
    # even the right factor from a fresh client is locked now
    r = api.lookup(idn, "5678", client_id="fresh")
    assert r.status_code == 429
    err = r.json()["error"]
    assert err["code"] == "LOOKUP_LOCKED"
    assert "锁定" in err["message"] and "15分钟" in err["message"]
    assert r.headers["Retry-After"] == "900"
    # other people are not affected
    other = factories.talent_body(phone="13911112222")
    api.create(other)
    assert len(api.lookup(other["applicant"]["id_number"], "2222", client_id="fresh").json()["cases"]) == 1
    # resubmission shares the lock
    r = api.resubmit("SY20000101-AAAAAA", idn, "5678")
    assert r.status_code == 429 and r.json()["error"]["code"] == "LOOKUP_LOCKED"


def test_unknown_ids_lock_like_wrong_factors(api):
    idn = factories.make_id(birth="19660606")
    for attempt in range(5):
        assert api.lookup(idn, "1234", client_id=f"x{attempt}").status_code == 200
    assert api.lookup(idn, "1234", client_id="y").json()["error"]["code"] == "LOOKUP_LOCKED"


def test_a_success_never_resets_the_id_failures(api):
    """The attack: submit a case under the victim's ID with one's own phone, then
    alternate wrong guesses of the victim's last 4 with lookups that succeed."""
    victim = factories.talent_body(phone="13912340000")
    idn = victim["applicant"]["id_number"]
    api.create(victim)
    api.create(factories.labor_body(id_number=idn, phone="13855556666"))  # the attacker's case
    guesses = iter(f"{n:04d}" for n in range(1, 100))
    outcomes = []
    for round_ in range(3):
        for attempt in range(4):
            r = api.lookup(idn, next(guesses), client_id=f"r{round_}a{attempt}")
            outcomes.append(r.status_code)
        own = api.lookup(idn, "6666", client_id=f"r{round_}own")
        outcomes.append(own.status_code)
    # 5 wrong guesses in the window lock the ID; the attacker's own successes do not help
    assert outcomes[:5] == [200] * 5
    assert outcomes[5] == 200  # the 5th wrong guess
    assert set(outcomes[6:]) == {429}
    r = api.lookup(idn, "0000", client_id="fresh")
    assert r.status_code == 429 and r.json()["error"]["code"] == "LOOKUP_LOCKED"


def test_a_success_does_not_use_up_a_failure(api):
    """The person who knows the factors can look up as often as the flood limit allows."""
    body = factories.talent_body()
    idn = body["applicant"]["id_number"]
    api.create(body)
    for attempt in range(4):
        assert api.lookup(idn, "0000", client_id=f"a{attempt}").status_code == 200
    for attempt in range(8):
        assert len(api.lookup(idn, "5678", client_id=f"ok{attempt}").json()["cases"]) == 1
    assert api.lookup(idn, "0000", client_id="last").status_code == 200  # the 5th failure
    assert api.lookup(idn, "5678", client_id="after").status_code == 429


def test_the_client_is_the_address_the_edge_saw_not_a_chosen_id(api, db_url):
    """X-Client-Id (a sender id the caller picks) no longer names the client: changing it
    between guesses does not escape the per-client lock."""
    for attempt in range(10):
        idn = factories.make_id(birth="19800101", seq=f"{attempt:03d}")
        r = api.client.post(
            "/api/v1/lookup",
            json={"id_number": idn, "phone_last4": "1234"},
            headers={
                "Authorization": f"Bearer {SERVICE_TOKEN}",
                "X-Client-Id": f"conversation-{attempt}",
                "X-Client-Address": "203.0.113.7",
            },
        )
        assert r.status_code == 200
    r = api.client.post(
        "/api/v1/lookup",
        json={"id_number": factories.make_id(birth="19800101", seq="999"), "phone_last4": "1234"},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Client-Id": "brand-new", "X-Client-Address": "203.0.113.7"},
    )
    assert r.status_code == 429 and r.json()["error"]["code"] == "LOOKUP_LOCKED"
    keys = {row["client_key"] for row in rows(db_url, "SELECT client_key FROM lookup_audit")}
    assert keys == {"addr:203.0.113.7"}
    # IPv6 clients are counted per /64; an invalid address falls back to the connection's peer
    r = api.client.post(
        "/api/v1/lookup",
        json={"id_number": factories.make_id(birth="19800102"), "phone_last4": "1234"},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Client-Address": "2001:db8:1:2:3:4:5:6"},
    )
    assert r.status_code == 200
    r = api.client.post(
        "/api/v1/lookup",
        json={"id_number": factories.make_id(birth="19800103"), "phone_last4": "1234"},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Client-Address": "conv-42"},
    )
    assert r.status_code == 200
    keys = [row["client_key"] for row in rows(db_url, "SELECT client_key FROM lookup_audit ORDER BY id")][-2:]
    assert keys == ["addr:2001:db8:1:2::/64", "ip:testclient"]


def test_failures_per_client_lock_the_client(api):
    for attempt in range(10):
        idn = factories.make_id(birth="19700101", seq=f"{attempt:03d}")
        assert api.lookup(idn, "1234", client_id="prober").status_code == 200
    idn = factories.make_id(birth="19700101", seq="999")
    r = api.lookup(idn, "1234", client_id="prober")
    assert r.status_code == 429 and r.json()["error"]["code"] == "LOOKUP_LOCKED"
    assert api.lookup(idn, "1234", client_id="someone-else").status_code == 200


def test_flood_per_client_is_rate_limited(api):
    body = factories.talent_body()
    api.create(body)
    idn = body["applicant"]["id_number"]
    statuses = [api.lookup(idn, "5678", client_id="flood").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    r = api.lookup(idn, "5678", client_id="flood")
    assert r.json()["error"]["code"] == "RATE_LIMITED"
    assert api.lookup(idn, "5678", client_id="calm").status_code == 200


def test_client_falls_back_to_remote_address(api, db_url):
    idn = factories.make_id()
    assert api.lookup(idn, "1234", client_id=None).status_code == 200
    keys = [r["client_key"] for r in rows(db_url, "SELECT client_key FROM lookup_audit")]
    assert keys == ["ip:testclient"]


def test_malformed_input_is_rejected_and_audited(api, db_url):
    r = api.lookup("445202900101123", "12")
    assert r.status_code == 422
    fields = r.json()["error"]["fields"]
    assert "15位旧版" in fields["id_number"] and "phone_last4" in fields
    assert rows(db_url, "SELECT outcome, id_number_hash FROM lookup_audit") == [
        {"outcome": "invalid", "id_number_hash": None}
    ]


def test_every_lookup_is_audited_without_the_id(api, db_url):
    body = factories.talent_body()
    idn = body["applicant"]["id_number"]
    api.create(body)
    api.lookup(idn, "5678", client_id="a")
    api.lookup(idn, "9999", client_id="a")
    audit = rows(db_url, "SELECT * FROM lookup_audit ORDER BY id")
    assert [(a["outcome"], bool(a["success"]), a["result_count"]) for a in audit] == [
        ("found", True, 1),
        ("empty", False, 0),
    ]
    assert audit[0]["id_number_hash"] == audit[1]["id_number_hash"]
    assert all(a["client_key"] == "addr:" + client_address("a") and a["at"] is not None for a in audit)
    assert idn not in str(audit) and idn.lower() not in str(audit)


def test_lookup_requires_service_token(client):
    r = client.post("/api/v1/lookup", json={"id_number": factories.make_id(), "phone_last4": "1234"})
    assert r.status_code == 401
    r = client.post(
        "/api/v1/lookup",
        json={"id_number": factories.make_id(), "phone_last4": "1234"},
        headers={"Authorization": "Bearer test-agent-token"},
    )
    assert r.status_code == 401
    assert client.get("/api/v1/lookup", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}).status_code == 405


def test_wechat_subscribers_are_counted_one_by_one(api, db_url):
    """All WeChat traffic comes from WeChat's servers: the channel's subscriber key
    keeps one subscriber's failed guesses from locking the others out."""
    def lookup(client, seq):
        return api.client.post(
            "/api/v1/lookup",
            json={"id_number": factories.make_id(birth="19810101", seq=seq), "phone_last4": "1234"},
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Client-Address": client},
        )
    guesser, other = "wechat:" + "a" * 32, "wechat:" + "b" * 32
    assert all(lookup(guesser, f"{i:03d}").status_code == 200 for i in range(10))
    assert lookup(guesser, "998").status_code == 429
    assert lookup(other, "500").status_code == 200
    keys = {row["client_key"] for row in rows(db_url, "SELECT client_key FROM lookup_audit")}
    assert {f"sub:{guesser}", f"sub:{other}"} <= keys

"""Schemathesis against the OpenAPI schema (in-process ASGI): no server errors.

Uses schemathesis' Python API (its pytest plugin does not support this pytest
version): one Hypothesis run per operation, positive and negative data, on
both databases (the `app` fixture is parametrised by `db_url`). Staff paths get
the worker token, the others the service token, so that generated requests
reach the handlers instead of stopping at authentication.
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from tests.backend.conftest import SERVICE_TOKEN, WORKER_TOKEN

MAX_EXAMPLES = 50


def test_no_server_errors(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    failures = []
    for operation in operations:
        token = WORKER_TOKEN if operation.path.startswith("/api/v1/staff") else SERVICE_TOKEN
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                headers = dict(case.headers or {})
                headers["Authorization"] = f"Bearer {token}"
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                run()
            except Unsatisfiable:
                # no parameters and no body: nothing to make invalid
                assert mode is GenerationMode.NEGATIVE and not list(operation.iter_parameters())
            except Exception as exc:  # collect, so one run reports every failing operation
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, "\n\n".join(failures)


def test_control_characters_are_rejected_before_the_database(client):
    """PostgreSQL refuses NUL in text; such input must be a 422, never a 500."""
    from tests.backend import factories

    worker = {"Authorization": f"Bearer {WORKER_TOKEN}"}
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    nul = "a\x00b"
    checks = [
        client.get("/api/v1/staff/cases", params={"item_id": nul}, headers=worker),
        client.get("/api/v1/staff/cases", params={"bundle_id": nul}, headers=worker),
        client.get("/api/v1/staff/cases/a%00b", headers=worker),
        client.post("/api/v1/lookup", json={"id_number": nul, "phone_last4": "1234"}, headers=service),
        client.post("/api/v1/staff/cases/SY20000101-AAAAAA/reveal", json={"reason": "核对" + nul}, headers=worker),
        client.post(
            "/api/v1/staff/cases/SY20000101-AAAAAA/transitions",
            json={"to_status": "已退回", "reason": nul, "resubmit": [nul]},
            headers=worker,
        ),
        client.post(
            "/api/v1/cases",
            json=factories.talent_body(item_ids=[nul]),
            headers={**service, "Idempotency-Key": "k"},
        ),
        client.post(
            "/api/v1/cases",
            json=factories.labor_body(form={"employer_name": nul, "complaint_request": "x", "injury_case": "受伤", "injury_date": "2026-01-01"}),
            headers={**service, "Idempotency-Key": "k2"},
        ),
    ]
    assert [r.status_code for r in checks] == [422] * len(checks), [r.text for r in checks]
    # a control character in X-Client-Id is dropped, not stored
    r = client.post(
        "/api/v1/lookup",
        json={"id_number": factories.make_id(), "phone_last4": "1234"},
        headers={**service, "X-Client-Id": "conv\x01-1"},
    )
    assert r.status_code == 200

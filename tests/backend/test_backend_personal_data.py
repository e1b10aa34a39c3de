"""A database dump reveals no ID number, phone or bank card; logs mask them too."""
from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from backend.app.core.db import normalize_db_url
from tests.backend import factories
from tests.backend.conftest import WORKER_TOKEN


def dump_rows(db_url: str) -> str:
    """Every column of every row of every table, as text."""
    engine = create_engine(normalize_db_url(db_url))
    parts = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.append(f"{table}: " + " | ".join(str(v) for v in row))
    engine.dispose()
    return "\n".join(parts)


def raw_dump(db_url: str) -> str:
    """What an attacker with the files / pg_dump gets."""
    url = make_url(normalize_db_url(db_url))
    if url.get_backend_name() == "sqlite":
        data = b""
        for suffix in ("", "-wal"):
            path = Path(url.database + suffix)
            if path.exists():
                data += path.read_bytes()
        return data.decode("utf-8", errors="ignore")
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed; the row dump above still ran")
    return subprocess.run(
        ["pg_dump", "-h", url.host, "-p", str(url.port or 5432), "-U", url.username, "--data-only", url.database],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_dump_reveals_no_personal_data(api, db_url, caplog):
    caplog.set_level(logging.DEBUG)
    idn = factories.make_id(birth="19880808")
    phone = "13798765432"
    card = factories.make_card(prefix="621483")
    new_card = factories.make_card(prefix="622848")
    body = factories.unemployment_body(id_number=idn[:17] + idn[17].lower(), phone=phone, card=card)
    number = api.create(body)["case_number"]
    api.lookup(idn, phone[-4:])
    api.lookup(idn, "0000")
    api.transition(number, "已退回", reason=f"银行卡号{card}无法入账", resubmit=[f"核对身份证{idn}"])
    api.resubmit(number, idn, phone[-4:], form={"bank_card_number": new_card}, materials_note=f"新卡{new_card}")
    api.client.post(
        f"/api/v1/staff/cases/{number}/reveal",
        json={"reason": f"核对手机{phone}"},
        headers={"Authorization": f"Bearer {WORKER_TOKEN}"},
    )

    # (only whole values: a short digit run can occur by chance in base64 or binary pages)
    secrets_ = [idn, idn.lower(), phone, card, new_card]
    for dump in (dump_rows(db_url), raw_dump(db_url)):
        assert number in dump  # the dump did capture the case
        for raw in secrets_:
            assert raw not in dump, f"{raw!r} found in the database dump"
    # and the logs of the whole flow mask them too
    for raw in secrets_:
        assert raw not in caplog.text
    assert "张三" not in dump_rows(db_url)


def test_log_records_are_masked(caplog):
    from backend.app.core.logging import install_masking

    install_masking()
    idn, card = factories.make_id(), factories.make_card()
    logger = logging.getLogger("backend.test")
    with caplog.at_level(logging.INFO):
        logger.info("submitted id=%s phone=%s card=%s", idn, "13812345678", card)
        logger.warning(f"inline {idn.lower()} and 138 1234 5678 and {card[:4]} {card[4:8]} {card[8:12]} {card[12:16]} {card[16:]}")
        try:
            raise ValueError(f"bad card {card}")
        except ValueError:
            logger.exception("failed for %s", idn)
    out = caplog.text + "".join(r.getMessage() for r in caplog.records)
    for raw in (idn, idn.lower(), "13812345678", card):
        assert raw not in out
    assert idn[:4] + "**********" + idn[-4:] in out
    assert "138****5678" in out


def test_unexpected_error_is_json_and_its_log_is_masked(app, caplog):
    from fastapi.testclient import TestClient

    idn = factories.make_id()

    @app.get("/boom")
    def boom():
        raise RuntimeError(f"exploded on {idn}")

    with caplog.at_level(logging.ERROR), TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom")
    assert r.status_code == 500
    assert r.json() == {"error": {"code": "INTERNAL_ERROR", "message": "系统繁忙，请稍后再试。"}}
    assert "exploded" in caplog.text
    assert idn not in caplog.text


def test_masking_keeps_uvicorn_access_log_records_formattable():
    """uvicorn's AccessFormatter unpacks record.args: masking must keep their shape."""
    import io

    from uvicorn.logging import AccessFormatter

    from backend.app.core.logging import install_masking

    install_masking()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))
    logger = logging.getLogger("yjs.test.access")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    idn = factories.make_id()
    errors = []
    handler.handleError = lambda record: errors.append(record)  # type: ignore[method-assign]
    try:
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST", "/api/v1/cases", "1.1", 201)
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/x?id={idn}", "1.1", 404)
    finally:
        logger.removeHandler(handler)
    assert not errors
    out = stream.getvalue()
    assert '127.0.0.1:5000 - "POST /api/v1/cases HTTP/1.1" 201' in out
    assert idn not in out and idn[:4] + "**********" + idn[-4:] in out

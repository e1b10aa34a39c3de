"""The encrypted SQL tracker store: Rasa's trackers round-trip unchanged, the database holds
no personal number in clear, keys rotate; on SQLite and on PostgreSQL."""
from __future__ import annotations

import asyncio
import socket
import subprocess
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import EncryptedSQLTrackerStore, EventCipher, TrackerKeyError, rotate
from knowledge.personal_data import complete_card_number, complete_id_number

ID = complete_id_number("44520219880808123")
CARD = complete_card_number("621700123456789012")
PHONE = "13912345678"
DOMAIN = Domain.from_dict({"intents": ["inform"], "slots": {"application": {"type": "any", "mappings": []}}})


def pg_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc", sql], check=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_kwargs(request, tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_ENCRYPTION_KEY", "tracker-test-key-" + "k" * 20)
    monkeypatch.delenv("TRACKER_ENCRYPTION_KEY", raising=False)
    monkeypatch.delenv("TRACKER_ENCRYPTION_KEYS_OLD", raising=False)
    if request.param == "sqlite":
        path = tmp_path / "tracker.db"
        yield {"dialect": "sqlite", "db": str(path)}, f"sqlite:///{path}"
        return
    if not pg_up():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    db = f"yjs_trk_{uuid.uuid4().hex[:10]}"
    psql(f'CREATE DATABASE "{db}"')
    try:
        yield (
            {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432, "db": db, "username": "postgres"},
            f"postgresql://postgres@127.0.0.1:5432/{db}",
        )
    finally:
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def conversation(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(f"身份证{ID}，手机{PHONE}", {"name": "inform", "confidence": 1.0}))
    tracker.update(SlotSet("application", {"answers": {"id_number": ID, "bank_card_number": CARD}, "field": "phone"}))
    tracker.update(UserUttered(f'/inform{{"id_number": "{ID}"}}', {"name": "inform", "confidence": 1.0}))
    return tracker


def dump(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM events")).fetchall()
    engine.dispose()
    return repr(rows)


def test_round_trip_and_nothing_personal_in_the_database(store_kwargs):
    kwargs, url = store_kwargs
    store = EncryptedSQLTrackerStore(domain=DOMAIN, **kwargs)
    sender = "web-" + uuid.uuid4().hex[:8]
    tracker = conversation(sender)
    asyncio.run(store.save(tracker))
    back = asyncio.run(store.retrieve(sender))
    assert [e.as_dict() for e in back.events] == [e.as_dict() for e in tracker.events]
    assert back.get_slot("application")["answers"]["id_number"] == ID
    # a second save appends only the new events, as Rasa's store does
    back.update(UserUttered("好的", {"name": "inform", "confidence": 1.0}))
    asyncio.run(store.save(back))
    assert len(asyncio.run(store.retrieve(sender)).events) == len(tracker.events) + 1
    raw = dump(url)
    assert sender in raw and "inform" in raw  # Rasa's query columns stay usable
    for secret in (ID, ID[:6] + ID[6:14], CARD, PHONE, "身份证", "answers"):
        assert secret not in raw, secret
    if url.startswith("sqlite:///"):
        assert ID.encode() not in open(url[len("sqlite:///"):], "rb").read()
    store.engine.dispose()


def test_a_row_is_bound_to_its_key_and_conversation(store_kwargs, monkeypatch):
    kwargs, url = store_kwargs
    store = EncryptedSQLTrackerStore(domain=DOMAIN, **kwargs)
    asyncio.run(store.save(conversation("alice")))
    store.engine.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # move alice's events to bob
        conn.execute(sa.text("UPDATE events SET sender_id = 'bob'"))
    engine.dispose()
    with pytest.raises(TrackerKeyError):
        asyncio.run(EncryptedSQLTrackerStore(domain=DOMAIN, **kwargs).retrieve("bob"))
    monkeypatch.setenv("DATA_ENCRYPTION_KEY", "another-key-" + "z" * 30)
    with pytest.raises(TrackerKeyError):
        asyncio.run(EncryptedSQLTrackerStore(domain=DOMAIN, **kwargs).retrieve("bob"))


def test_key_rotation(store_kwargs, monkeypatch):
    kwargs, url = store_kwargs
    old = "tracker-test-key-" + "k" * 20
    store = EncryptedSQLTrackerStore(domain=DOMAIN, **kwargs)
    asyncio.run(store.save(conversation("carol")))
    store.engine.dispose()
    new = "rotated-key-" + "n" * 30
    monkeypatch.setenv("TRACKER_ENCRYPTION_KEY", new)
    monkeypatch.setenv("TRACKER_ENCRYPTION_KEYS_OLD", old)
    # both keys configured: old rows read, new rows written with the new key
    assert asyncio.run(EncryptedSQLTrackerStore(domain=DOMAIN, **kwargs).retrieve("carol")) is not None
    assert rotate(url) == 4
    assert rotate(url) == 0
    monkeypatch.delenv("TRACKER_ENCRYPTION_KEYS_OLD")
    back = asyncio.run(EncryptedSQLTrackerStore(domain=DOMAIN, **kwargs).retrieve("carol"))
    assert back.get_slot("application")["answers"]["bank_card_number"] == CARD
    with pytest.raises(TrackerKeyError):
        EventCipher([old]).decrypt(dump_one(url), "carol")


def dump_one(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(sa.text("SELECT data FROM events ORDER BY id LIMIT 1")).scalar_one()
    engine.dispose()
    return value


def test_no_key_no_store(monkeypatch, tmp_path):
    for name in ("TRACKER_ENCRYPTION_KEY", "DATA_ENCRYPTION_KEY", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))  # no secrets.env there
    with pytest.raises(TrackerKeyError, match="No key"):
        EncryptedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))

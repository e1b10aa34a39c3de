"""Rasa's SQL tracker store, with every event encrypted at rest.

Rasa stores each event of a conversation as one row of the `events` table:
`data` is the serialized event - every message a person typed (ID numbers,
phones, bank cards) and every slot value (the `application` slot holds every
answer of the form). This store keeps Rasa's table, queries and behaviour and
replaces only `data` by an AES-256-GCM ciphertext:

    t1.<key id>.<base64(nonce | ciphertext)>

* the key is derived (HKDF-SHA256, label "yjs tracker events v1") from
  `TRACKER_ENCRYPTION_KEY`, by default the backend's data key
  `DATA_ENCRYPTION_KEY` (then `SECRET_KEY`); the environment wins, else
  `var/secrets.env` (`VAR_DIR`) is read, so a hand-started `rasa run` with
  bot/endpoints.yml works too. Without any key the store refuses to start:
  it never writes events in clear;
* the associated data is the conversation id: a row cannot be moved to
  another conversation;
* key rotation: `TRACKER_ENCRYPTION_KEYS_OLD` (comma-separated) are tried on
  reading (the key id picks the right one); `python -m bot.tracker_store
  rotate` rewrites every row with the current key, after which the old keys
  can go (README, "What is kept where").

The other columns stay clear, as Rasa needs them for its queries: sender id,
event type, timestamp, intent name, action or slot name - none personal.

    tracker_store:
      type: bot.tracker_store.EncryptedSQLTrackerStore
      dialect: sqlite            # or postgresql (url, port, db, username, password)
      db: var/tracker.db
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Text

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.orm import sessionmaker
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
VERSION = "t1"
KEY_LABEL = b"yjs tracker events v1"


class TrackerKeyError(RuntimeError):
    """No key, or a row that no configured key can open."""


def _secrets_file() -> Dict[str, str]:
    path = Path(os.environ.get("VAR_DIR") or ROOT / "var") / "secrets.env"
    values: Dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    return values


def _setting(name: str, file_values: Dict[str, str]) -> Optional[str]:
    return os.environ.get(name) or file_values.get(name) or None


def key_materials() -> List[str]:
    """[current, old...] key materials from the environment or var/secrets.env."""
    file_values = _secrets_file()
    current = (
        _setting("TRACKER_ENCRYPTION_KEY", file_values)
        or _setting("DATA_ENCRYPTION_KEY", file_values)
        or _setting("SECRET_KEY", file_values)
    )
    if not current:
        raise TrackerKeyError(
            "No key for the tracker store: set TRACKER_ENCRYPTION_KEY or DATA_ENCRYPTION_KEY "
            "(scripts/stack.py creates var/secrets.env with one)."
        )
    old = _setting("TRACKER_ENCRYPTION_KEYS_OLD", file_values) or ""
    return [current] + [k.strip() for k in old.split(",") if k.strip() and k.strip() != current]


class EventCipher:
    def __init__(self, materials: Iterable[str]) -> None:
        self._keys: Dict[str, AESGCM] = {}
        self.current_id = ""
        for material in materials:
            raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_LABEL).derive(material.encode())
            key_id = hashlib.sha256(raw).hexdigest()[:8]
            self._keys.setdefault(key_id, AESGCM(raw))
            if not self.current_id:
                self.current_id = key_id

    @classmethod
    def from_environment(cls) -> "EventCipher":
        return cls(key_materials())

    def encrypt(self, plaintext: str, conversation: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self.current_id].encrypt(nonce, plaintext.encode("utf-8"), conversation.encode())
        return f"{VERSION}.{self.current_id}.{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, conversation: str) -> str:
        try:
            version, key_id, payload = token.split(".", 2)
        except ValueError:
            raise TrackerKeyError("an event is not encrypted (written by another tracker store?)") from None
        aead = self._keys.get(key_id)
        if version != VERSION or aead is None:
            raise TrackerKeyError(f"no configured key opens tracker events with key id {key_id!r}")
        raw = base64.b64decode(payload)
        try:
            return aead.decrypt(raw[:12], raw[12:], conversation.encode()).decode("utf-8")
        except InvalidTag:
            raise TrackerKeyError("a tracker event does not match its key or its conversation") from None

    def is_current(self, token: str) -> bool:
        return token.startswith(f"{VERSION}.{self.current_id}.")


def _resolve_sqlite_path(kwargs: Dict[str, Any]) -> None:
    """A relative SQLite `db` is relative to the repository, and its folder is created."""
    if (kwargs.get("dialect") or "sqlite") != "sqlite":
        return
    db = kwargs.get("db") or "var/tracker.db"
    path = Path(db)
    if not path.is_absolute():
        path = ROOT / path
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs["db"] = str(path)


def _sqlite_engine(engine):
    """The same SQLite database with pooled connections, in WAL mode, ``synchronous=NORMAL``.

    Rasa's engine opened and closed a connection per query (SQLAlchemy 1.4's NullPool
    for SQLite files), and each close and commit waited for the disk: about 10 % of a
    turn's CPU. A killed Rasa still loses nothing (the WAL is written before a commit
    returns); only a power cut may lose the last commits, never corrupt the file.
    Connections are used by one coroutine at a time (pool checkout), hence
    ``check_same_thread`` off. The PostgreSQL store (several instances) is unchanged."""
    import sqlalchemy as sa

    url = engine.url
    engine.dispose()
    engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=8,
                              connect_args={"check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class EncryptedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` whose `events.data` is encrypted (see the module docstring)."""

    def __init__(self, domain=None, host: Optional[Text] = None, **kwargs: Any) -> None:
        from bot import speedups

        speedups.install()   # every Rasa server of this project loads this store: bot/speedups.py
        self.cipher = EventCipher.from_environment()
        _resolve_sqlite_path(kwargs)
        super().__init__(domain=domain, host=host, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self.engine = _sqlite_engine(self.engine)
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                intent = (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY)
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=self.cipher.encrypt(json.dumps(data), tracker.sender_id),
                    )
                )
            session.commit()

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool):
        with self.session_scope() as session:
            # only the data column, as plain rows: no ORM object per event (a third of a read)
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            ).with_entities(self.SQLEvent.data).all()
            events = [json.loads(self.cipher.decrypt(data, sender_id)) for (data,) in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None


# --------------------------------------------------------------------------- rotation
def rotate(url: str, cipher: Optional[EventCipher] = None, batch: int = 500) -> int:
    """Re-encrypt every event not under the current key; returns how many were rewritten."""
    import sqlalchemy as sa

    cipher = cipher or EventCipher.from_environment()
    engine = sa.create_engine(url)
    events = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("data"))
    done = 0
    with engine.begin() as conn:
        rows = conn.execute(sa.select(events.c.id, events.c.sender_id, events.c.data)).fetchall()
        for row in rows:
            if row.data is None or cipher.is_current(row.data):
                continue
            clear = cipher.decrypt(row.data, row.sender_id)
            conn.execute(
                events.update().where(events.c.id == row.id).values(data=cipher.encrypt(clear, row.sender_id))
            )
            done += 1
    engine.dispose()
    return done


def _main(argv: Optional[List[str]] = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bot.tracker_store", description=rotate.__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    rot = sub.add_parser("rotate", help="re-encrypt every tracker event with TRACKER_ENCRYPTION_KEY")
    rot.add_argument(
        "--url",
        default=os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{ROOT / 'var' / 'tracker.db'}",
        help="SQLAlchemy URL of the tracker database (default: TRACKER_STORE_URL or var/tracker.db)",
    )
    args = parser.parse_args(argv)
    count = rotate(args.url)
    print(f"re-encrypted {count} tracker events with the current key")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())

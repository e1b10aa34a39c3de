"""Faults: Rasa killed mid-form, the action server killed mid-form, PostgreSQL restarted
under the backend; the encrypted tracker stores (SQLite and PostgreSQL) after a complete
application and a lookup hold no full personal number.

The SQLite variants run on the session stack (tracker store SQLite under its var/). The
PostgreSQL variants run on a stack of their own: the backend on a PostgreSQL this module
starts itself (initdb/pg_ctl in a temporary folder - the machine's server is never
restarted), the tracker store on a fresh database of the machine's server. A supervisor
thread (scripts/stack.py's own `supervise`) restarts what was killed, as `make run` does.
"""
from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from knowledge import load_kb
from scripts.stack import Stack, StackConfig, ensure_model, free_port
from tests.e2e.conftest import Chat
from tests.e2e.test_application import BENEFIT, choose_benefit
from tests.personas import make_persona

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
MACHINE_PG = ("127.0.0.1", 5432)


def reachable(addr) -> bool:
    try:
        with socket.create_connection(addr, timeout=2):
            return True
    except OSError:
        return False


def machine_psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc", sql], check=True)


class OwnPostgres:
    """A throw-away PostgreSQL server in a temporary folder, on a free port."""

    def __init__(self, folder: Path) -> None:
        self.bin = Path(PG_BIN[-1])
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qc", "CREATE DATABASE yjs"], check=True)

    def _ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "pg.log"),
                  "-m", "fast", "-w", action)

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop")

    def restart(self) -> None:
        self._ctl("restart")

    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/yjs"

    def query(self, sql: str) -> str:
        return subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "yjs", "-tAc", sql],
            check=True, capture_output=True, text=True,
        ).stdout.strip()


@contextlib.contextmanager
def supervised(stack: Stack):
    """stack.supervise() in a thread, as `make run` does, for the length of a test."""
    stop = threading.Event()
    errors = []

    def loop():
        try:
            stack.supervise(stop.is_set)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=300)
        for svc in stack.services:  # a failed test must not leave the next one without a service
            if not svc.alive():
                svc.start(stack.cfg.log_dir)
                svc.wait_healthy()
    assert not errors, errors


def kill9(stack: Stack, name: str) -> None:
    svc = stack.service(name)
    os.killpg(svc.proc.pid, signal.SIGKILL)
    svc.proc.wait(timeout=30)


def wait_back(stack: Stack, name: str, timeout: float = 300) -> None:
    svc = stack.service(name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if svc.alive():
            try:
                with urllib.request.urlopen(svc.health_url, timeout=3) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
        time.sleep(0.5)
    raise AssertionError(f"{name} did not come back within {timeout:.0f} s (log: {svc.log_file})")


def application_state(stack: Stack, sender: str) -> dict:
    token = stack.secrets["RASA_AUTH_TOKEN"]
    with urllib.request.urlopen(f"{stack.cfg.rasa_url}/conversations/{sender}/tracker?token={token}", timeout=30) as r:
        return (json.loads(r.read())["slots"] or {}).get("application") or {}


def start_form(stack: Stack, seq: int, answers: int = 4):
    chat = Chat(stack)
    persona = make_persona(seq)
    script = persona.script(load_kb(), BENEFIT)
    choose_benefit(chat)
    for answer in script[:answers]:
        chat.say(answer)
    state = application_state(stack, chat.sender)
    assert state.get("stage") == "filling" and state.get("pending"), state
    return chat, persona, script, state


def rasa_killed_mid_form_continues(stack: Stack, seq: int) -> None:
    chat, _persona, script, before = start_form(stack, seq)
    with supervised(stack):
        kill9(stack, "rasa")
        wait_back(stack, "rasa")
    after = application_state(stack, chat.sender)
    assert after["pending"] == before["pending"] and after["answers"] == before["answers"]
    reply = Chat.texts(chat.say(script[4]))
    assert reply
    assert_moved_on(before, application_state(stack, chat.sender))


def assert_moved_on(before: dict, moved: dict) -> None:
    """The next field is asked and every earlier answer is still there."""
    assert moved["pending"] != before["pending"], moved
    assert all(moved["answers"].get(k) == v for k, v in before["answers"].items()), moved


def finish_and_look_up(stack: Stack, seq: int) -> tuple:
    chat = Chat(stack)
    persona = make_persona(seq)
    choose_benefit(chat)
    for answer in persona.script(load_kb(), BENEFIT):
        chat.say(answer)
    result = Chat.texts(chat.say("确认提交"))
    assert "办件编号" in result, result
    lookup = Chat(stack)
    lookup.say("/check_progress")
    lookup.say(persona.id_number)
    found = Chat.texts(lookup.say(persona.phone[-4:]))
    assert "办件编号" in found, found
    return persona, chat.sender, lookup.sender


def assert_no_personal_number(dump: str, persona) -> None:
    for number in (persona.id_number, persona.phone, persona.card, persona.id_number.lower()):
        assert number not in dump, "a full personal number is stored in clear"


# --------------------------------------------------------------------------- SQLite (session stack)
def test_sqlite_tracker_rasa_killed_mid_form_continues_at_the_same_field(stack):
    assert Path(stack.cfg.var_dir / "tracker.db").exists()
    rasa_killed_mid_form_continues(stack, 611)


def test_sqlite_tracker_dump_holds_no_personal_number(stack):
    persona, sender, _ = finish_and_look_up(stack, 612)
    files = sorted(Path(stack.cfg.var_dir).glob("tracker.db*"))
    raw = b"".join(p.read_bytes() for p in files)
    assert sender.encode() in raw  # the conversation is there...
    for number in (persona.id_number, persona.phone, persona.card):
        assert number.encode() not in raw  # ...its personal numbers are not
    conn = sqlite3.connect(stack.cfg.var_dir / "tracker.db")
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert_no_personal_number(dump, persona)


def test_action_server_killed_mid_form(stack):
    chat, _persona, script, before = start_form(stack, 613)
    with supervised(stack):
        kill9(stack, "actions")
        # a message while the action server is down: a polite answer, nothing lost
        status_ok = Chat.texts(chat.say(script[4]))
        assert status_ok
        wait_back(stack, "actions")
    during = application_state(stack, chat.sender)
    assert all(during["answers"].get(k) == v for k, v in before["answers"].items())
    if during["pending"] == before["pending"]:  # the message was not taken: send it again
        chat.say(script[4])
    assert_moved_on(before, application_state(stack, chat.sender))


# --------------------------------------------------------------------------- PostgreSQL
@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory):
    if not PG_BIN:
        pytest.skip("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (needed to start a server of our own)")
    if not reachable(MACHINE_PG):
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (the tracker store's database)")
    folder = tmp_path_factory.mktemp("faults")
    own = OwnPostgres(Path(f"/tmp/yjs-pg-{uuid.uuid4().hex[:8]}"))
    own.init()
    tracker_db = f"yjs_faults_{uuid.uuid4().hex[:10]}"
    machine_psql(f'CREATE DATABASE "{tracker_db}"')
    cfg = StackConfig.for_tests(folder)
    cfg.database_url = own.url()
    cfg.tracker_store_url = f"postgresql://postgres@127.0.0.1:5432/{tracker_db}"
    stack = Stack(cfg, ensure_model())
    try:
        stack.start()
        yield stack, own, tracker_db
    finally:
        stack.stop()
        with contextlib.suppress(Exception):
            own.stop()
        shutil.rmtree(own.folder, ignore_errors=True)
        machine_psql(f'DROP DATABASE IF EXISTS "{tracker_db}" WITH (FORCE)')


def test_postgresql_tracker_rasa_killed_mid_form_continues(pg_stack):
    stack, _own, _db = pg_stack
    rasa_killed_mid_form_continues(stack, 621)


def test_postgresql_tracker_dump_holds_no_personal_number(pg_stack):
    stack, _own, tracker_db = pg_stack
    persona, sender, _ = finish_and_look_up(stack, 622)
    dump = subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", tracker_db],
        check=True, capture_output=True, text=True,
    ).stdout
    assert sender in dump
    assert_no_personal_number(dump, persona)


def test_postgresql_restarted_under_the_backend_nothing_submitted_twice(pg_stack):
    stack, own, _db = pg_stack
    cases_before = int(own.query("SELECT count(*) FROM cases"))
    # 1. restarted between two requests: the backend reconnects by itself
    chat, persona, script, _ = start_form(stack, 623, answers=0)
    for answer in script:
        chat.say(answer)
    own.restart()
    first = Chat.texts(chat.say("确认提交"))
    assert "办件编号" in first, first
    # 2. down at the moment of submission: the form is kept, resubmitted once it is back
    chat2, persona2, script2, _ = start_form(stack, 624, answers=0)
    for answer in script2:
        chat2.say(answer)
    own.stop()
    try:
        text = Chat.texts(chat2.say("确认提交"))
        assert "已保留" in text and "办件编号" not in text, text
    finally:
        own.start()
    text = Chat.texts(chat2.say("重新提交"))
    assert "办件编号" in text, text
    number = text.split("办件编号：")[1].split("（")[0].strip()
    again = Chat.texts(chat2.say("重新提交"))
    assert "无需重复提交" in again and number in again
    with urllib.request.urlopen(f"{stack.cfg.backend_url}/ready", timeout=10) as resp:
        assert json.loads(resp.read())["database"] == "ok"
    # exactly the two applications, each once
    assert int(own.query("SELECT count(*) FROM cases")) == cases_before + 2
    assert own.query("SELECT count(*) FROM cases WHERE case_number = '%s'" % number) == "1"

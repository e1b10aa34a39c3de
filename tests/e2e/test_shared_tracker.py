"""Two Rasa instances behind one conversation: PostgreSQL tracker store + Redis lock store.

This is the production topology (README, "Configuration"): any instance may
receive any message of a conversation, the tracker lives in PostgreSQL and the
Redis lock store makes concurrent messages of one conversation run one at a
time.
"""
from __future__ import annotations

import json
import socket
import threading
import urllib.request
import uuid

import pytest

from scripts.stack import Stack, StackConfig, ensure_model, free_port
from tests.e2e.conftest import post_json

PG = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)


def reachable(addr) -> bool:
    try:
        with socket.create_connection(addr, timeout=2):
            return True
    except OSError:
        return False


def psql(sql: str) -> None:
    import psycopg2  # in the bot environment (Rasa's SQL tracker store uses it)

    conn = psycopg2.connect(host=PG[0], port=PG[1], user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


@pytest.fixture(scope="module")
def two_instances(tmp_path_factory):
    if not reachable(PG):
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (needed for the shared tracker store)")
    if not reachable(REDIS):
        pytest.skip("Redis is not reachable at 127.0.0.1:6379 (needed for the lock store)")
    db = f"yjs_tracker_{uuid.uuid4().hex[:10]}"
    psql(f'CREATE DATABASE "{db}"')
    cfg = StackConfig.for_tests(tmp_path_factory.mktemp("shared"))
    cfg.tracker_store_url = f"postgresql://postgres@127.0.0.1:5432/{db}"
    cfg.lock_store_redis_url = "redis://127.0.0.1:6379/0"
    stack = Stack(cfg, ensure_model())
    try:
        stack.start()
        second = stack.add_rasa_instance("rasa2", free_port())
        yield stack, cfg.rasa_url, second.health_url.split("/status")[0]
    finally:
        stack.stop()
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def tracker(base: str, token: str, sender: str) -> dict:
    with urllib.request.urlopen(f"{base}/conversations/{sender}/tracker?token={token}", timeout=30) as resp:
        return json.loads(resp.read())


def say(base: str, sender: str, text: str) -> list:
    status, body = post_json(f"{base}/webhooks/rest/webhook", {"sender": sender, "message": text})
    assert status == 200, body
    return body


def test_a_conversation_continues_on_the_other_instance(two_instances):
    stack, first, second = two_instances
    token = stack.secrets["RASA_AUTH_TOKEN"]
    sender = f"shared-{uuid.uuid4().hex[:8]}"
    say(first, sender, '/choose_bundle{"bundle":"unemployment"}')
    say(second, sender, '/select_items{"item":"unemployment_benefit"}')
    state = tracker(first, token, sender)
    assert "unemployment_benefit" in (state["slots"].get("selected_items") or [])
    # linked items were added on the second instance and are seen by the first
    assert "job_seeker_registration" in state["slots"]["selected_items"]


def test_concurrent_messages_are_processed_one_at_a_time(two_instances):
    stack, first, second = two_instances
    token = stack.secrets["RASA_AUTH_TOKEN"]
    sender = f"shared-{uuid.uuid4().hex[:8]}"
    say(first, sender, "你好")
    threads = [
        threading.Thread(target=say, args=(base, sender, text))
        for base, text in ((first, "谢谢"), (second, "你是机器人吗"), (first, "你能做什么"), (second, "再见"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    events = tracker(second, token, sender)["events"]
    users = [e["text"] for e in events if e["event"] == "user"]
    assert sorted(users) == sorted(["你好", "谢谢", "你是机器人吗", "你能做什么", "再见"])
    # with the lock store every user message is followed by its own bot turn: no interleaving
    kinds = [e["event"] for e in events if e["event"] in ("user", "action")]
    for i, kind in enumerate(kinds):
        if kind == "user" and i + 1 < len(kinds):
            assert kinds[i + 1] == "action"

"""Two Rasa instances behind HAProxy keep one conversation whole.

* turns sent alternately to the two instances: the application is filled,
  submitted once and found by the lookup, as on one instance;
* an instance killed (SIGKILL) in the middle of a form: the citizen goes on
  through the web page and the balancer, the other instance continues at the
  same field; nothing is lost (every answer, every message once in the
  conversation) and nothing is answered twice (one case, one bot turn per
  message).
"""
from __future__ import annotations

import json
import re
import urllib.request
import uuid
from typing import List

from knowledge import load_kb
from tests.e2e.conftest import Chat, post_json
from tests.e2e.test_application import BENEFIT
from tests.personas import make_persona

CASE_NUMBER = re.compile(r"[A-Z]{2}\d{8}-[0-9A-Z]{6}")
SELECTION = ["你好", '/choose_bundle{"bundle":"unemployment"}', "我想领失业金", "好了", "/start_application"]


class AlternatingChat:
    """One conversation whose turns go to the instances in turn (REST channel of each)."""

    def __init__(self, urls: List[str]) -> None:
        self.urls = urls
        self.sender = f"cluster-{uuid.uuid4().hex[:12]}"
        self.turn = 0

    def say(self, message: str) -> List[dict]:
        url = self.urls[self.turn % len(self.urls)]
        self.turn += 1
        status, body = post_json(f"{url}/webhooks/rest/webhook", {"sender": self.sender, "message": message})
        assert status == 200, body
        return body


def tracker(cluster, sender: str) -> dict:
    token = cluster.secrets["RASA_AUTH_TOKEN"]
    url = f"{cluster.cfg.rasa_url}/conversations/{sender}/tracker?token={token}"   # through the balancer
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())


def balancer_sessions(cluster) -> dict:
    """Requests each Rasa server has had, from HAProxy's statistics (CSV)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{cluster.stats_port}/stats;csv", timeout=10) as resp:
        lines = resp.read().decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
    return {r["svname"]: int(r["stot"] or 0) for r in rows if r["pxname"] == "rasa_instances" and r["svname"].startswith("s")}


def look_up(say, persona) -> str:
    say("/check_progress")
    say(persona.id_number)
    return Chat.texts(say(persona.phone[-4:]))


def assert_one_bot_turn_per_message(events: List[dict], sent: List[str]) -> None:
    users = [e["text"] for e in events if e["event"] == "user"]
    assert users == sent, "a message was lost or taken twice"
    # after each message the bot acted until it listened again, once: no second answer
    kinds = [e["event"] for e in events if e["event"] in ("user", "action")]
    for i, kind in enumerate(kinds):
        if kind == "user" and i + 1 < len(kinds):
            assert kinds[i + 1] == "action"


def test_turns_alternating_between_instances_keep_the_conversation(cluster):
    persona = make_persona(731)
    chat = AlternatingChat(cluster.rasa_instance_urls)
    sent = SELECTION + persona.script(load_kb(), BENEFIT) + ["确认提交"]
    replies = [Chat.texts(chat.say(message)) for message in sent]
    assert "失业保险金申领" in replies[2] and "求职登记" in replies[2]   # linked items, added on instance 1
    assert "材料" in replies[3]                                       # ... seen by instance 2
    submitted = replies[-1]
    assert "办件编号" in submitted, submitted
    numbers = set(CASE_NUMBER.findall(submitted))
    assert len(numbers) == 1
    state = tracker(cluster, chat.sender)
    assert_one_bot_turn_per_message(state["events"], sent)
    found = look_up(AlternatingChat(cluster.rasa_instance_urls).say, persona)
    assert set(CASE_NUMBER.findall(found)) == numbers


def test_an_instance_killed_mid_form_the_other_continues(cluster):
    persona = make_persona(732)
    script = persona.script(load_kb(), BENEFIT)
    chat = Chat(cluster)                      # the web page, through the balancer
    sent: List[str] = []

    def say(message: str) -> str:
        sent.append(message)
        text = Chat.texts(chat.say(message))
        assert text, f"no answer to {message!r}"
        return text

    for message in SELECTION + script[:4]:
        say(message)
    before = tracker(cluster, chat.sender)["slots"]["application"]
    assert before["stage"] == "filling" and before["pending"]
    served = balancer_sessions(cluster)
    assert all(served.get(s, 0) > 0 for s in ("s1", "s2")), served   # both instances took turns

    cluster.kill("rasa-1")       # not restarted: this is the last test of the session's cluster
    after = tracker(cluster, chat.sender)["slots"]["application"]
    assert after["pending"] == before["pending"] and after["answers"] == before["answers"]
    for message in script[4:]:
        say(message)
    submitted = say("确认提交")
    assert "办件编号" in submitted, submitted
    numbers = set(CASE_NUMBER.findall(submitted))
    assert len(numbers) == 1
    events = tracker(cluster, chat.sender)["events"]
    assert_one_bot_turn_per_message(events, sent)
    # the answers given before the kill reached the case: the lookup finds this one case only
    found = look_up(Chat(cluster).say, persona)
    assert set(CASE_NUMBER.findall(found)) == numbers

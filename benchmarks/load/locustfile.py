"""Simulated citizens for Locust, each in a conversation of their own (benchmarks/load/run.py).

Each virtual user repeats: greeting, bundle, item, two questions, done, the whole
application form, confirmation, and a progress lookup, with a new conversation id
every time. The messages come from LOAD_SCRIPT (a JSON file run.py writes from
knowledge/ and tests/personas.py, since this file runs in Locust's own venv).
Every request is named after its phase, so Locust's statistics are per phase.
Closed loop, no think time: the number of users is the number of messages in flight.
"""
from __future__ import annotations

import itertools
import json
import os
import uuid

from locust import HttpUser, task
from locust.exception import StopUser

with open(os.environ["LOAD_SCRIPT"], encoding="utf-8") as handle:
    SCRIPTS = json.load(handle)          # list of [[phase, message], ...], one per applicant
_next = itertools.count()


class Citizen(HttpUser):
    @task
    def conversation(self) -> None:
        script = SCRIPTS[next(_next) % len(SCRIPTS)]
        sender = f"load-{uuid.uuid4().hex[:12]}"
        for phase, message in script:
            with self.client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message},
                                  name=phase, catch_response=True, timeout=60) as resp:
                if resp.status_code != 200:
                    resp.failure(f"HTTP {resp.status_code}")
                    return
                try:
                    replies = resp.json()
                except ValueError:
                    resp.failure("not JSON")
                    return
                if not isinstance(replies, list) or not any(r.get("text") for r in replies):
                    resp.failure("no answer")
                    return
                if phase == "submit" and "办件编号" not in " ".join(r.get("text", "") for r in replies):
                    resp.failure("not submitted")
                    return
            if self.environment.runner is None:
                raise StopUser()

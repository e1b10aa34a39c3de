"""How fast the 12333 agent console answers during a call. Prints figures; not a test.

    .venv-bot/bin/python benchmarks/agent/run.py [--questions 20] [--model models/yjs-....tar.gz]

Starts the real stack on free ports (throw-away SQLite databases), creates an
agent account with the real CLI, signs in through the web page server like the
browser, and times what the console does in a call:

* one turn through `/agent/api/chat` (session check, Rasa's hotline channel,
  actions with the agent script) for questions about items (names from knowledge/);
* the knowledge card after it (`/agent/api/card`: Rasa's tracker API + knowledge/);
* a caller lookup (`/staff/api/caller-lookup`), saving a call note, one poll of the
  handoff queue (`/staff/api/handoffs`).

The target is “within a second or two” per step (issue 13).
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from knowledge import load_kb  # noqa: E402
from scripts.stack import BACKEND_PY, Stack, StackConfig, ensure_model  # noqa: E402


class Browser:
    def __init__(self, web: str) -> None:
        self.web = web
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, method: str, path: str, body=None) -> tuple[int, float, object]:
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        req = urllib.request.Request(self.web + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "Origin": self.web})
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=120) as resp:
                payload = json.loads(resp.read() or b"null")
                status = resp.status
        except urllib.error.HTTPError as exc:
            payload, status = None, exc.code
        return status, (time.perf_counter() - started) * 1000, payload


def figures(name: str, values: list) -> None:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    print(f"{name:<34} n={len(values):<3} median {statistics.median(values):7.0f} ms   p95 {p95:7.0f} ms   max {values[-1]:7.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=20)
    ap.add_argument("--model", type=Path, default=None)
    args = ap.parse_args()
    kb = load_kb()
    names = [i.name for i in kb.items.values()]
    forms = ["{}需要什么材料", "{}多久能办好", "{}在哪里办", "哪些人可以办{}"]
    questions = [forms[n % len(forms)].format(names[n % len(names)]) for n in range(args.questions)]

    cfg = StackConfig.for_tests(Path(tempfile.mkdtemp(prefix="agent-bench-")))
    stack = Stack(cfg, args.model or ensure_model())
    stack.start()
    try:
        password = "pw-" + secrets.token_urlsafe(12)
        username = "bench-" + secrets.token_hex(3)
        subprocess.run([str(BACKEND_PY), "-m", "backend.app.cli", "create-staff", "--role", "agent", "--name", "测速坐席",
                        "--username", username], input=password + "\n", capture_output=True, text=True, cwd=ROOT,
                       env=stack.env(), check=True, timeout=60)
        b = Browser(cfg.web_url)
        status, ms, _ = b.call("POST", "/staff/api/session", {"username": username, "password": password})
        assert status == 201, status
        print(f"sign-in: {ms:.0f} ms")
        turns, cards, scripted = [], [], 0
        sender = f"hotline-{uuid.uuid4().hex[:16]}"
        b.call("POST", "/agent/api/chat", {"sender": sender, "message": "你好"})   # warm-up
        for q in questions:
            status, ms, replies = b.call("POST", "/agent/api/chat", {"sender": sender, "message": q})
            turns.append(ms)
            scripted += any(isinstance(r.get("custom"), dict) and "agent" in r["custom"] for r in replies or [])
            status, ms, _ = b.call("GET", f"/agent/api/card?sender={sender}")
            cards.append(ms)
        figures("call turn (/agent/api/chat)", turns)
        figures("knowledge card (/agent/api/card)", cards)
        print(f"answers with an agent script: {scripted}/{len(questions)}")
        lookups, notes, polls = [], [], []
        for n in range(10):
            lookups.append(b.call("POST", "/staff/api/caller-lookup", {"id_number": "11010519491231002X", "phone_last4": f"{n:04d}"})[1])
            notes.append(b.call("POST", "/staff/api/call-notes", {"conversation_id": sender, "text": f"测速小结 {n}"})[1])
            polls.append(b.call("GET", "/staff/api/handoffs")[1])
        figures("caller lookup", lookups)
        figures("save call note", notes)
        figures("handoff queue poll", polls)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()

"""Drives complete applications over the REST channel and prints per-turn latency.

    .venv-bot/bin/python benchmarks/conversation/run.py [--applications 5]

Starts the real stack on free ports with a throw-away SQLite database, with a
timing proxy in front of the action server and another in front of the
backend, so each turn's time splits into Rasa, the action server and the
backend. Only loopback traffic; bounded number of requests. Not a test.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from knowledge import load_kb  # noqa: E402
from tests.personas import make_persona  # noqa: E402
from scripts.stack import Stack, StackConfig, ensure_model, free_port  # noqa: E402


class TimingProxy:
    """Forwards every request to ``target`` and records how long each took."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.durations: List[float] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                req = urllib.request.Request(proxy.target + self.path, data=body, headers=headers, method=self.command)
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(req, timeout=60) as resp:
                        status, payload, rheaders = resp.status, resp.read(), resp.headers
                except urllib.error.HTTPError as exc:
                    status, payload, rheaders = exc.code, exc.read(), exc.headers
                with proxy.lock:
                    proxy.durations.append(time.perf_counter() - started)
                self.send_response(status)
                self.send_header("Content-Type", rheaders.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _forward

            def log_message(self, *args) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def take(self) -> float:
        with self.lock:
            total = sum(self.durations)
            self.durations.clear()
        return total


def script(kb, n: int) -> List[Tuple[str, str]]:
    """(phase, message) for one complete application and a lookup afterwards."""
    applicant = make_persona(n, name="测试" + "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10])
    return [
        ("menu", "你好"),
        ("selection", '/choose_bundle{"bundle":"unemployment"}'),
        ("selection", '/select_items{"item":"unemployment_benefit"}'),
        ("question", "失业保险金申领要带什么材料？"),
        ("selection", "/done_selecting"),
        ("form", "/start_application"),
        *[("form", text) for text in applicant.script(kb, ["unemployment_benefit"])],
        ("form", "手机号写错了"),
        ("form", applicant.phone),
        ("submit", "确认提交"),
        ("lookup", "/check_progress"),
        ("lookup", applicant.id_number),
        ("lookup", applicant.phone[-4:]),
    ]


def pct(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=5)
    parser.add_argument("--verbose", action="store_true", help="print every turn and the replies")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="yjs-bench-"))
    cfg = StackConfig.for_tests(tmp)
    actions_proxy = TimingProxy(cfg.actions_url)
    backend_proxy = TimingProxy(cfg.backend_url)
    cfg.action_endpoint_url = f"{actions_proxy.url}/webhook"
    cfg.backend_url_for_actions = backend_proxy.url
    kb = load_kb()
    stack = Stack(cfg, ensure_model())
    print("starting the stack ...", flush=True)
    stack.start()
    turns: Dict[str, List[float]] = defaultdict(list)
    totals = {"turn": 0.0, "actions": 0.0, "backend": 0.0}
    failures = 0
    try:
        for n in range(1, args.applications + 1):
            sender = f"bench-{uuid.uuid4().hex[:8]}"
            submitted = False
            for phase, message in script(kb, n):
                actions_proxy.take(), backend_proxy.take()
                body = json.dumps({"sender": sender, "message": message}).encode()
                req = urllib.request.Request(
                    f"{cfg.rasa_url}/webhooks/rest/webhook", data=body,
                    headers={"Content-Type": "application/json"}, method="POST",
                )
                started = time.perf_counter()
                with urllib.request.urlopen(req, timeout=120) as resp:
                    replies = json.loads(resp.read())
                elapsed = time.perf_counter() - started
                turns[phase].append(elapsed)
                turns["all"].append(elapsed)
                totals["turn"] += elapsed
                totals["actions"] += actions_proxy.take()
                totals["backend"] += backend_proxy.take()
                text = " ".join(r.get("text", "") for r in replies)
                if args.verbose:
                    print(f"> {message}\n  {text[:160]!r}", flush=True)
                if phase == "submit" and "办件编号" in text:
                    submitted = True
            failures += 0 if submitted else 1
    finally:
        stack.stop()

    print(f"\napplications: {args.applications}, not submitted: {failures}, turns: {len(turns['all'])}")
    print(f"{'phase':<10}{'turns':>7}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for phase in ("menu", "selection", "question", "form", "submit", "lookup", "all"):
        values = turns.get(phase) or []
        if values:
            print(f"{phase:<10}{len(values):>7}{pct(values, .5) * 1000:>10.0f}{pct(values, .95) * 1000:>10.0f}{max(values) * 1000:>10.0f}")
    total = totals["turn"] or 1.0
    backend = totals["backend"]
    actions_only = max(0.0, totals["actions"] - backend)
    print(
        f"\nshare of turn time: Rasa {100 * (total - totals['actions']) / total:.0f}%, "
        f"action server {100 * actions_only / total:.0f}%, backend {100 * backend / total:.0f}% "
        f"(total {total:.1f} s)"
    )
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

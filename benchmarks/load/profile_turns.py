"""Where a turn's time goes: one client, complete applications, per phase.

    .venv-bot/bin/python benchmarks/load/profile_turns.py [--applications 3] [--py-spy PATH]

Starts the real stack on free ports with throw-away SQLite databases (like
benchmarks/conversation/run.py), with a recording proxy in front of the
action server. For every phase (menu, selection, question, form, submit,
lookup) it prints the turn's latency (p50/p95), the action-server calls per
turn and the bytes Rasa sent per call (the tracker it serialises for each
call), and for the whole run the CPU seconds that Rasa and the action server
used per message (``/proc/<pid>/stat``, so a busy shared machine changes it
less than wall time). ``--py-spy`` records a flame graph of Rasa during the
run (py-spy is not a project dependency: install it in a scratch venv).
Loopback only, bounded number of requests. Not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
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
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.conversation.run import pct, script  # noqa: E402
from benchmarks.load.cpu import process_tree_cpu  # noqa: E402
from knowledge import load_kb  # noqa: E402
from scripts.stack import Stack, StackConfig, ensure_model, free_port  # noqa: E402


class RecordingProxy:
    """Forwards to ``target``; records (path, request bytes, seconds) of every call."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.calls: List[tuple] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

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
                name = ""
                if body:
                    try:
                        name = json.loads(body).get("next_action", "")
                    except ValueError:
                        pass
                with proxy.lock:
                    proxy.calls.append((name, len(body or b""), time.perf_counter() - started))
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

    def take(self) -> List[tuple]:
        with self.lock:
            calls, self.calls = self.calls, []
        return calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=3)
    parser.add_argument("--py-spy", help="path of a py-spy binary: record Rasa into results/profile-rasa.svg")
    parser.add_argument("--raw", action="store_true", help="with --py-spy: collapsed stacks and a summary")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="yjs-profile-"))
    cfg = StackConfig.for_tests(tmp)
    proxy = RecordingProxy(cfg.actions_url)
    cfg.action_endpoint_url = f"{proxy.url}/webhook"
    kb = load_kb()
    stack = Stack(cfg, ensure_model())
    print("starting the stack ...", flush=True)
    stack.start()
    rasa_pid, actions_pid = stack.service("rasa").proc.pid, stack.service("actions").proc.pid
    spy = None
    out = ROOT / "results" / ("profile-rasa.txt" if args.raw else "profile-rasa.svg")
    turns: Dict[str, List[float]] = defaultdict(list)
    calls: Dict[str, List[int]] = defaultdict(list)
    sizes: Dict[str, List[int]] = defaultdict(list)
    by_action: Dict[str, List[int]] = defaultdict(list)
    messages = 0
    try:
        # one warm-up conversation: first calls load lazily (jieba, TF graphs, the knowledge base)
        warm = f"warm-{uuid.uuid4().hex[:8]}"
        for _phase, message in script(kb, 999)[:8]:
            _say(cfg.rasa_url, warm, message)
        proxy.take()
        cpu0 = process_tree_cpu(rasa_pid), process_tree_cpu(actions_pid)
        if args.py_spy:
            out.parent.mkdir(exist_ok=True)
            spy = subprocess.Popen([args.py_spy, "record", "-p", str(rasa_pid), "-o", str(out), "-r", "200",
                                    "-f", "raw" if args.raw else "flamegraph"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(1)
        wall0 = time.perf_counter()
        for n in range(1, args.applications + 1):
            sender = f"profile-{uuid.uuid4().hex[:8]}"
            for phase, message in script(kb, n):
                started = time.perf_counter()
                replies = _say(cfg.rasa_url, sender, message)
                elapsed = time.perf_counter() - started
                messages += 1
                made = proxy.take()
                for key in (phase, "all"):
                    turns[key].append(elapsed)
                    calls[key].append(len(made))
                    sizes[key].extend(size for _n, size, _s in made)
                for name, size, _s in made:
                    by_action[name].append(size)
                if args.verbose:
                    text = " ".join(r.get("text", "") for r in replies)
                    print(f"> {message}\n  {elapsed * 1000:.0f} ms, {len(made)} calls: {text[:120]!r}", flush=True)
        wall = time.perf_counter() - wall0
        cpu1 = process_tree_cpu(rasa_pid), process_tree_cpu(actions_pid)
    finally:
        if spy:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        stack.stop()

    print(f"\n{messages} messages in {wall:.1f} s, one client, load average {os.getloadavg()[0]:.1f}")
    print(f"{'phase':<10}{'turns':>6}{'p50 ms':>8}{'p95 ms':>8}{'calls/turn':>11}{'KB/call':>9}")
    for phase in ("menu", "selection", "question", "form", "submit", "lookup", "all"):
        values = turns.get(phase) or []
        if not values:
            continue
        per_call = sizes[phase]
        print(f"{phase:<10}{len(values):>6}{pct(values, .5) * 1000:>8.0f}{pct(values, .95) * 1000:>8.0f}"
              f"{sum(calls[phase]) / len(values):>11.2f}{(sum(per_call) / len(per_call) / 1024 if per_call else 0):>9.1f}")
    print("\naction-server calls: action, count, mean KB sent")
    for name, values in sorted(by_action.items(), key=lambda kv: -len(kv[1])):
        print(f"  {name:<40}{len(values):>5}{sum(values) / len(values) / 1024:>8.1f}")
    rasa_cpu, actions_cpu = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    print(f"\nCPU per message: Rasa {rasa_cpu / messages * 1000:.0f} ms, action server "
          f"{actions_cpu / messages * 1000:.0f} ms (process CPU time / messages)")
    if args.py_spy:
        print(f"profile of Rasa: {out}")
        if args.raw:
            print(summarise(out))
    return 0


def summarise(path: Path, top: int = 25) -> str:
    """Share of samples in which a function is on the stack (cumulative), from py-spy's raw format."""
    total = 0
    inclusive: Dict[str, int] = defaultdict(int)
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        for frame in {f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0] + ")" for f in stack.split(";")}:
            inclusive[frame] += n
    lines = [f"{total} samples; functions by share of samples (on the stack):"]
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {100 * n / max(total, 1):5.1f}%  {frame}")
    return "\n".join(lines)


def _say(rasa_url: str, sender: str, message: str) -> list:
    body = json.dumps({"sender": sender, "message": message}).encode()
    req = urllib.request.Request(f"{rasa_url}/webhooks/rest/webhook", data=body,
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


if __name__ == "__main__":
    sys.exit(main())

"""How long one message can hold Rasa, and what the edges cost. Prints figures; not a test.

    .venv-bot/bin/python benchmarks/edge/run.py [--repeat 3] [--model models/yjs-....tar.gz]

Starts the real stack on free ports (throw-away SQLite databases) and sends, over
Rasa's REST channel:

* messages of 10 to 1,000 characters (the longest that reaches NLU) and over the
  limit (2,000 / 10,000 / 200,000 characters: refused at the edge);
* the same long messages while a second conversation says 你好: the 你好 latency
  shows how long the long message held the event loop;
* malformed requests (empty body, bad JSON, a 3 MB body).

Loopback only, a bounded number of requests.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scripts.stack import Stack, StackConfig, ensure_model  # noqa: E402


def post(url: str, body: bytes, timeout: float = 600) -> tuple[int, float]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    except (urllib.error.URLError, OSError):
        status = 0  # connection closed by the server (body refused while being sent)
    return status, time.perf_counter() - started


def message(text: str) -> bytes:
    return json.dumps({"sender": f"bench-{uuid.uuid4().hex[:10]}", "message": text}, ensure_ascii=False).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", type=Path, default=None, help="default: scripts/stack.py's model (trained if needed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="yjs-edge-bench-") as tmp:
        stack = Stack(StackConfig.for_tests(Path(tmp)), args.model or ensure_model())
        stack.start()
        rest = f"{stack.cfg.rasa_url}/webhooks/rest/webhook"
        try:
            post(rest, message("你好"))  # warm-up
            unit = "我想申请失业保险金需要什么材料"
            rows = []
            for length in (10, 100, 500, 1000, 2000, 10000, 200000):
                text = (unit * (length // len(unit) + 1))[:length]
                alone, blocked = [], []
                status = 0
                for _ in range(args.repeat):
                    status, took = post(rest, message(text))
                    alone.append(took)
                    # the same message again, with a 你好 from someone else 50 ms later
                    result = {}
                    worker = threading.Thread(target=lambda: result.update(long=post(rest, message(text))))
                    worker.start()
                    time.sleep(0.05)
                    _, other = post(rest, message("你好"))
                    worker.join()
                    blocked.append(other)
                rows.append((length, status, statistics.median(alone), max(alone), statistics.median(blocked), max(blocked)))
            print("\nRasa REST channel, one message (median / max of", args.repeat, "runs, seconds)")
            print(f"{'chars':>8} {'HTTP':>5} {'alone p50':>10} {'alone max':>10} {'你好 meanwhile p50':>18} {'max':>7}")
            for length, status, a50, amax, b50, bmax in rows:
                print(f"{length:>8} {status:>5} {a50:>10.3f} {amax:>10.3f} {b50:>18.3f} {bmax:>7.3f}")
            print("\nmalformed requests")
            for name, body in (
                ("empty body", b""),
                ("bad JSON", b"{not json"),
                ("no sender", b'{"message": "hi"}'),
                ("message not text", b'{"sender": "a", "message": 5}'),
                ("3 MB body", b'{"sender": "a", "message": "' + b"x" * (3 * 1024 * 1024) + b'"}'),
            ):
                status, took = post(rest, body)
                print(f"  {name:<18} HTTP {status or 'closed':<6} {took:.3f} s")
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

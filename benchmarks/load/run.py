"""Load benchmark with Locust: one Rasa instance, then the cluster behind HAProxy.

    .venv-bot/bin/python benchmarks/load/run.py                       # 1, 4, 16, 32 users, 30 s each, both targets
    .venv-bot/bin/python benchmarks/load/run.py --targets single --users 1,4 --seconds 20

For each target it starts the real stack on free ports with throw-away
databases: ``single`` is ``make run``'s defaults (one Rasa, SQLite tracker
store and backend), ``cluster`` is ``make run-cluster`` (``--instances`` Rasa
instances and action servers behind HAProxy, PostgreSQL tracker store and
backend, Redis lock store; needs PostgreSQL, Redis and haproxy). Then, for
each number of users, Locust runs headless for ``--seconds`` against the REST
channel (the balancer for the cluster); every simulated citizen fills a whole
application and looks it up (benchmarks/load/locustfile.py). Printed per step:
messages/s, p50/p95/p99, errors, and the CPU time Rasa used per message
(``/proc``, all instances together: less noisy than wall time on a shared
machine); then per phase (menu, selection, question, form, submit, lookup).
Bounded: at most 64 users, 300 s a step, 127.0.0.1 only. Not a test.

Locust runs from its own venv (``benchmarks/load/locust.lock.txt``, built once
in the cache folder with Python 3.11): its gevent/Flask pins conflict with Rasa's.
The Locust client shares the machine's cores with what it measures.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.load.cpu import process_tree_cpu  # noqa: E402
from scripts.stack import CACHE_DIR, HOST, Stack, StackConfig, ensure_model, free_port, log  # noqa: E402

HERE = Path(__file__).resolve().parent
LOCK = HERE / "locust.lock.txt"
PHASES = ("menu", "selection", "question", "form", "submit", "lookup")
MAX_USERS, MAX_SECONDS = 64, 300


def locust_binary() -> Path:
    """Locust in a cached venv of its own, built from locust.lock.txt the first time."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    venv = CACHE_DIR / "venvs" / f"locust-{digest}"
    binary = venv / "bin" / "locust"
    if (venv / ".complete").exists() and binary.exists():
        return binary
    python = shutil.which("python3.11") or shutil.which("python3")
    if not python:
        raise SystemExit("Python 3.11 is needed for Locust's venv")
    log(f"building Locust's venv {venv} (first time only)")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", "--no-deps",
                    "-r", str(LOCK)], check=True)
    (venv / ".complete").write_text(digest)
    return binary


def scripts(applicants: int = 40) -> List[List[Tuple[str, str]]]:
    from knowledge import load_kb
    from tests.e2e.test_application import BENEFIT
    from tests.personas import make_persona

    kb = load_kb()
    out = []
    for n in range(applicants):
        person = make_persona(500 + n, name="测试" + "甲乙丙丁戊己庚辛壬癸"[n % 10])
        out.append([
            ("menu", "你好"),
            ("selection", '/choose_bundle{"bundle":"unemployment"}'),
            ("selection", "我想领失业金"),
            ("question", "失业保险金申领要带什么材料？"),
            ("question", "多久能办好"),
            ("selection", "好了"),
            ("form", "/start_application"),
            *[("form", text) for text in person.script(kb, BENEFIT)],
            ("submit", "确认提交"),
            ("lookup", "/check_progress"),
            ("lookup", person.id_number),
            ("lookup", person.phone[-4:]),
        ])
    return out


def read_stats(prefix: Path) -> Dict[str, dict]:
    rows: Dict[str, dict] = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = row
    return rows


def run_step(locust: Path, locustfile: Path, script_file: Path, url: str, users: int, seconds: int,
             rasa_pids: List[int], out: Path) -> dict:
    assert url.startswith(f"http://{HOST}:"), "the load goes to 127.0.0.1 only"
    prefix = out / f"u{users}"
    cpu0 = sum(process_tree_cpu(p) for p in rasa_pids)
    load0 = os.getloadavg()[0]
    started = time.monotonic()
    subprocess.run(
        [str(locust), "-f", str(locustfile), "--headless", "-u", str(users), "-r", str(users),
         "-t", f"{seconds}s", "--host", url, "--csv", str(prefix), "--only-summary",
         "--loglevel", "WARNING", "--stop-timeout", "30"],
        env={**os.environ, "LOAD_SCRIPT": str(script_file)}, cwd=HERE,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
    )
    wall = time.monotonic() - started
    cpu = sum(process_tree_cpu(p) for p in rasa_pids) - cpu0
    stats = read_stats(prefix)
    total = stats.get("Aggregated") or {}
    count = int(total.get("Request Count") or 0)
    return {
        "users": users, "messages": count, "errors": int(total.get("Failure Count") or 0),
        "rps": float(total.get("Requests/s") or 0), "p50": total.get("50%"), "p95": total.get("95%"),
        "p99": total.get("99%"), "cpu_ms": 1000 * cpu / count if count else 0.0, "wall": wall,
        "load": f"{load0:.1f}-{os.getloadavg()[0]:.1f}",
        "phases": {name: stats[name] for name in PHASES if name in stats},
    }


def print_step(target: str, r: dict) -> None:
    print(f"{target:<8}{r['users']:>6}{r['messages']:>8}{r['rps']:>8.1f}{r['p50']:>8}{r['p95']:>8}{r['p99']:>8}"
          f"{r['errors']:>7}{r['cpu_ms']:>10.0f}   {r['load']}", flush=True)
    for name, row in r["phases"].items():
        print(f"{'':<14}{name:<10}{row['Request Count']:>6} msgs  p50 {row['50%']:>5}  p95 {row['95%']:>5}  "
              f"p99 {row['99%']:>5} ms  errors {row['Failure Count']}", flush=True)


def start_target(target: str, tmp: Path, instances: int):
    model = ensure_model()
    if target == "single":
        stack = Stack(StackConfig.for_tests(tmp / "single"), model)
        stack.start()
        return stack, stack.cfg.rasa_url, [stack.service("rasa").proc.pid], lambda: None
    from scripts.cluster import ClusterStack, missing_parts
    from tests.cluster.conftest import _psql

    suffix = uuid.uuid4().hex[:8]
    tracker_db, backend_db = f"yjs_load_tracker_{suffix}", f"yjs_load_backend_{suffix}"
    pg = "postgresql://postgres@127.0.0.1:5432"
    missing = missing_parts(f"{pg}/x", f"{pg}/x", "redis://127.0.0.1:6379/0")
    if missing:
        raise SystemExit("the cluster cannot run here: " + "; ".join(missing))
    for db in (tracker_db, backend_db):
        _psql(f'CREATE DATABASE "{db}"')
    cfg = StackConfig.for_tests(tmp / "cluster")
    cfg.tracker_store_url = f"{pg}/{tracker_db}"
    cfg.database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{backend_db}"
    cfg.lock_store_redis_url = "redis://127.0.0.1:6379/0"
    stack = ClusterStack(cfg, model, instances=instances, rasa_ports=[free_port() for _ in range(instances)],
                         actions_ports=[free_port() for _ in range(instances)], stats_port=free_port())

    def drop() -> None:
        for db in (tracker_db, backend_db):
            _psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    try:
        stack.start()
    except Exception:
        drop()
        raise
    pids = [stack.service(f"rasa-{i}").proc.pid for i in range(1, instances + 1)]
    return stack, cfg.rasa_url, pids, drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="1,4,16,32")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--targets", default="single,cluster")
    parser.add_argument("--instances", type=int, default=2)
    args = parser.parse_args()
    users = [int(u) for u in args.users.split(",")]
    if max(users) > MAX_USERS or args.seconds > MAX_SECONDS:
        raise SystemExit(f"bounded: at most {MAX_USERS} users and {MAX_SECONDS} s a step")
    locust = locust_binary()
    tmp = Path(tempfile.mkdtemp(prefix="yjs-load-"))
    script_file = tmp / "scripts.json"
    script_file.write_text(json.dumps(scripts(), ensure_ascii=False), encoding="utf-8")
    results = []
    print(f"{'target':<8}{'users':>6}{'msgs':>8}{'msg/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>7}"
          f"{'CPU ms/msg':>11}  load avg", flush=True)
    for target in args.targets.split(","):
        stack, url, pids, cleanup = start_target(target, tmp, args.instances)
        try:
            for n in users:
                out = tmp / target
                out.mkdir(exist_ok=True)
                result = run_step(locust, HERE / "locustfile.py", script_file, url, n, args.seconds, pids, out)
                result["target"] = target
                results.append(result)
                print_step(target, result)
        finally:
            stack.stop()
            cleanup()
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "load.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"\nlatencies in ms; CPU ms/msg = CPU time of the Rasa process(es) / messages; {os.cpu_count()} cores; "
          f"results/load.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Backend throughput and latency: case submissions and progress lookups over HTTP.

    .venv-backend/bin/python benchmarks/backend/run.py [--requests 200] [--concurrency 4] [--db sqlite,postgresql]

For each database (a fresh SQLite file, then a fresh PostgreSQL database
`yjs_bench_<random>` on 127.0.0.1:5432, dropped afterwards) it migrates the
schema, starts uvicorn on a free loopback port, drives N submissions and then
N lookups (each lookup finds one case) with C concurrent keep-alive clients,
and prints throughput and p50/p95 latency per operation. Request counts are
bounded; nothing leaves 127.0.0.1. This is not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from knowledge.personal_data import complete_card_number, complete_id_number  # noqa: E402
from backend.app.migrations import upgrade  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SERVICE_TOKEN = "bench-service-token"
MAX_REQUESTS = 5000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_id(n: int) -> str:
    return complete_id_number(f"445202{1960 + n % 40}0101{n % 1000:03d}")


def make_card(n: int) -> str:
    return complete_card_number(f"62220{n:013d}")


def body_for(n: int) -> dict:
    return {
        "bundle_id": "unemployment",
        "item_ids": ["unemployment_benefit"],
        "channel": "web",
        "applicant": {"name": "测试", "id_number": make_id(n), "phone": f"138{n:08d}"},
        "form": {
            "hukou_region": "广东省揭阳市",
            "work_region": "广东省揭阳市",
            "job_title": "会计",
            "employment_form": "全职",
            "salary_type": "月薪",
            "unemployed_type": "企业解除人员",
            "service_agency": "榕城区公共就业服务中心",
            "bank_card_type": "银行储蓄卡",
            "bank_name": "中国工商银行",
            "bank_card_number": make_card(n),
            "user_confirmation": True,
        },
    }


def pg_create() -> str:
    from sqlalchemy import create_engine, text

    name = f"yjs_bench_{secrets.token_hex(4)}"
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def pg_drop(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    engine.dispose()


class Server:
    def __init__(self, db_url: str, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(
            APP_ENV="test",
            DATABASE_URL=db_url,
            SERVICE_TOKEN=SERVICE_TOKEN,
            LOG_LEVEL="WARNING",
            RATE_LIMIT_REDIS_URL="",
        )
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "backend.app.main:app", "--host", "127.0.0.1",
             "--port", str(self.port), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("backend did not become ready")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def drive(url: str, n: int, concurrency: int, make_request) -> tuple[list[float], int, float]:
    """Send n requests from `concurrency` keep-alive clients; return latencies, errors, wall time."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(n))

    def worker(_):
        nonlocal errors
        with httpx.Client(base_url=url, timeout=60) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                method, path, kwargs, ok = make_request(i)
                t0 = time.perf_counter()
                r = client.request(method, path, **kwargs)
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    if not ok(r):
                        errors += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def bench(db: str, n: int, concurrency: int, workdir: Path) -> list[tuple]:
    db_url = f"sqlite:///{workdir / 'bench.db'}" if db == "sqlite" else pg_create()
    rows = []
    server = None
    try:
        upgrade(db_url)
        server = Server(db_url, workdir / f"uvicorn-{db}.log")
        server.wait_ready()
        auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}

        def submit(i):
            headers = {**auth, "Idempotency-Key": f"bench-{i}"}
            return "POST", "/api/v1/cases", {"json": body_for(i), "headers": headers}, lambda r: r.status_code == 201

        def lookup(i):
            body = {"id_number": make_id(i), "phone_last4": f"{i:08d}"[-4:]}
            # one client address per lookup (as the edge would pass on), so the flood limit does not apply
            headers = {**auth, "X-Client-Address": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"}
            return "POST", "/api/v1/lookup", {"json": body, "headers": headers}, (
                lambda r: r.status_code == 200 and len(r.json()["cases"]) >= 1
            )

        for name, fn in (("submit", submit), ("lookup", lookup)):
            latencies, errors, wall = drive(server.url, n, concurrency, fn)
            rows.append(
                (db, name, n, errors, n / wall, percentile(latencies, 50) * 1000, percentile(latencies, 95) * 1000)
            )
    finally:
        if server:
            server.stop()
        if db == "postgresql":
            pg_drop(db_url)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", "-n", type=int, default=200, help="requests per operation (max 5000)")
    parser.add_argument("--concurrency", "-c", type=int, default=4, help="concurrent clients (max 32)")
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    args = parser.parse_args()
    n = max(1, min(args.requests, MAX_REQUESTS))
    concurrency = max(1, min(args.concurrency, 32))

    print(f"backend benchmark: {n} requests per operation, {concurrency} concurrent clients, "
          f"uvicorn (1 worker) on 127.0.0.1, {os.cpu_count()} CPUs")
    rows = []
    with tempfile.TemporaryDirectory(prefix="yjs-bench-") as tmp:
        for db in [d.strip() for d in args.db.split(",") if d.strip()]:
            rows.extend(bench(db, n, concurrency, Path(tmp)))
    print(f"\n{'db':<11}{'operation':<10}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for db, op, count, errors, rps, p50, p95 in rows:
        print(f"{db:<11}{op:<10}{count:>9}{errors:>8}{rps:>9.1f}{p50:>9.1f}{p95:>9.1f}")
    return 0 if all(r[3] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

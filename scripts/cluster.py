"""Several Rasa instances and action servers behind HAProxy, sharing PostgreSQL and Redis.

    python scripts/cluster.py run                 # make run-cluster; RASA_INSTANCES=2 by default
    python scripts/cluster.py run --instances 3
    python scripts/cluster.py config              # print the HAProxy configuration it would use

Topology (README, "Throughput and scale-out"):

    web page :8080 ─┐
    channels  ──────┴─▶ HAProxy :5005 ─▶ Rasa 1..N (:5105+i) ─┐
                        HAProxy :5055 ◀──────────────────────┘ (action endpoint)
                                │
                                ▼
                        action servers 1..N (:5155+i) ─▶ backend :8000 ─▶ PostgreSQL

    every Rasa: tracker store PostgreSQL (TRACKER_STORE_URL, events encrypted),
                lock store Redis (LOCK_STORE_REDIS_URL, bot/lock_store.py)
    backend:    PostgreSQL (DATABASE_URL)

Any instance may take any message of any conversation: the conversation is in
PostgreSQL, and the Redis lock makes two messages of one conversation run one
after the other even on two instances. HAProxy checks every server each second
and re-sends a request whose connection failed (a killed instance) to another
server; a request that reached a server is never sent twice. socket.io is
sticky (a cookie), as engine.io sessions live in one process. The two
databases are created when missing. Standard library only, like stack.py.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import sys
from pathlib import Path
from typing import List, Optional, Tuple
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.stack import HOST, Service, Stack, StackConfig, ensure_model, log, port_free  # noqa: E402

DEFAULT_TRACKER_URL = "postgresql://postgres@127.0.0.1:5432/yjs_tracker"
DEFAULT_BACKEND_DB_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/yjs_backend"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def haproxy_binary() -> Optional[str]:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if os.access(p, os.X_OK)), None)


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or HOST, parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def missing_parts(tracker_url: str, backend_db_url: str, redis_url: str) -> List[str]:
    """What the cluster needs and this machine lacks, each with the reason (empty: all there)."""
    missing = []
    if not haproxy_binary():
        missing.append("HAProxy is not installed (Debian package `haproxy`; scripts/bootstrap.sh installs it)")
    for name, url, port in (("PostgreSQL (tracker store)", tracker_url, 5432),
                            ("PostgreSQL (backend)", backend_db_url, 5432), ("Redis (lock store)", redis_url, 6379)):
        if not reachable(url, port):
            parsed = urlparse(url)
            missing.append(f"{name} is not reachable at {parsed.hostname}:{parsed.port or port}")
    return missing


def ensure_database(url: str) -> None:
    """CREATE DATABASE when it does not exist (psycopg2, in the bot environment)."""
    import psycopg2

    parsed = urlparse(url.replace("+psycopg", ""))
    name = parsed.path.strip("/")
    conn = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
                            password=parsed.password, dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
                log(f"created database {name}")
    finally:
        conn.close()


def haproxy_config(rasa: List[Tuple[str, int]], actions: List[Tuple[str, int]], rasa_port: int,
                   actions_port: int, stats_port: int, bind: str = HOST) -> str:
    """The balancer: Rasa (REST, WeChat, HTTP API round robin; socket.io sticky) and the action servers."""
    def servers(pairs, check: str, extra: str = "") -> str:
        return "".join(f"    server s{i} {h}:{p} check {check}{extra.format(i=i)}\n" for i, (h, p) in enumerate(pairs, 1))

    # A busy Rasa (one event loop, CPU-bound) answers a check late: a short timeout marked every
    # instance down at 32 users (HAProxy answered 503). A killed instance needs no check to be
    # avoided: its refused connection is retried on another server at once (retry-on conn-failure).
    check = "inter 2s fastinter 1s fall 3 rise 2"
    # at most this many messages in flight per instance; more wait in HAProxy's queue (fair
    # order, the instance's event loop stays responsive)
    maxconn = "maxconn 8"
    return f"""# written by scripts/cluster.py
global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 130s
    timeout server 130s
    timeout http-keep-alive 10s
    timeout check 10s
    timeout queue 120s
    # a connection that failed (server killed or not listening) is retried on another
    # server; a request that reached a server is never re-sent (no double answers)
    retries 3
    option redispatch 1
    retry-on conn-failure

frontend rasa
    bind {bind}:{rasa_port}
    # keep the web page server's X-Forwarded-For (the citizen's address for the lookup limits)
    option forwardfor if-none
    acl socketio path_beg /socket.io
    use_backend rasa_socketio if socketio
    default_backend rasa_instances

backend rasa_instances
    balance roundrobin
    option httpchk GET /
{servers(rasa, f"{check} {maxconn}")}
backend rasa_socketio
    balance roundrobin
    cookie YJS_RASA insert indirect nocache httponly
    option httpchk GET /
{servers(rasa, check, " cookie s{i}")}
frontend actions
    bind {HOST}:{actions_port}
    default_backend action_servers

backend action_servers
    balance leastconn
    option httpchk GET /health
{servers(actions, check)}
frontend stats
    bind {HOST}:{stats_port}
    monitor-uri /health
    stats enable
    stats uri /stats
    stats refresh 5s
"""


class ClusterStack(Stack):
    """``Stack`` with N Rasa instances and N action servers behind HAProxy.

    ``cfg.rasa_port`` and ``cfg.actions_port`` are the balancer's ports (what the web
    page, the channels and Rasa's action endpoint use); instance ports are
    ``instance_ports`` (defaults: 5105+i and 5155+i).
    """

    def __init__(self, cfg: StackConfig, model: Path, instances: int = 2,
                 rasa_ports: Optional[List[int]] = None, actions_ports: Optional[List[int]] = None,
                 stats_port: int = 8404) -> None:
        super().__init__(cfg, model)
        self.instances = instances
        self.rasa_ports = rasa_ports or [cfg.rasa_port + 100 + i for i in range(instances)]
        self.actions_ports = actions_ports or [cfg.actions_port + 100 + i for i in range(instances)]
        self.stats_port = stats_port

    @property
    def rasa_instance_urls(self) -> List[str]:
        return [f"http://{HOST}:{p}" for p in self.rasa_ports]

    def check_ports(self) -> None:
        super().check_ports()
        busy = [p for p in [*self.rasa_ports, *self.actions_ports, self.stats_port] if not port_free(p)]
        if busy:
            raise RuntimeError(f"端口已被占用 / port in use: {busy}. Another cluster may still be running.")

    def build(self) -> None:
        super().build()
        by_name = {s.name: s for s in self.services}
        actions, rasa = by_name["actions"], by_name["rasa"]
        token = self.secrets["RASA_AUTH_TOKEN"]
        action_servers = [
            Service(f"actions-{i}", _with_port(actions.cmd, port), f"http://{HOST}:{port}/health",
                    env=actions.env, startup_timeout=actions.startup_timeout)
            for i, port in enumerate(self.actions_ports, 1)
        ]
        rasa_servers = [
            Service(f"rasa-{i}", _with_port(rasa.cmd, port), f"http://{HOST}:{port}/status?token={token}",
                    env=rasa.env, startup_timeout=rasa.startup_timeout)
            for i, port in enumerate(self.rasa_ports, 1)
        ]
        cfg_file = self.cfg.run_dir / "haproxy.cfg"
        cfg_file.write_text(haproxy_config(
            [(HOST, p) for p in self.rasa_ports], [(HOST, p) for p in self.actions_ports],
            self.cfg.rasa_port, self.cfg.actions_port, self.stats_port,
        ))
        balancer = Service("haproxy", [haproxy_binary() or "haproxy", "-db", "-f", str(cfg_file)],
                           f"http://{HOST}:{self.stats_port}/health", env=self.env(), startup_timeout=20)
        rest = [s for s in self.services if s.name not in ("actions", "rasa")]
        backend = [s for s in rest if s.name == "backend"]
        others = [s for s in rest if s.name != "backend"]
        self.services = [*backend, *action_servers, *rasa_servers, balancer, *others]

    def kill(self, name: str) -> None:
        """SIGKILL a service's whole process group (no graceful shutdown), as a crash would."""
        svc = self.service(name)
        try:
            os.killpg(svc.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        svc.proc.wait(timeout=30)


def _with_port(cmd: List[str], port: int) -> List[str]:
    out = list(cmd)
    out[out.index("--port") + 1] = str(port)
    return out


def cluster_config_from_env(instances: Optional[int] = None) -> Tuple[StackConfig, int]:
    cfg = StackConfig.from_env()
    env = os.environ
    cfg.tracker_store_url = env.get("TRACKER_STORE_URL") or DEFAULT_TRACKER_URL
    cfg.database_url = env.get("DATABASE_URL") or DEFAULT_BACKEND_DB_URL
    cfg.lock_store_redis_url = env.get("LOCK_STORE_REDIS_URL") or DEFAULT_REDIS_URL
    return cfg, instances or int(env.get("RASA_INSTANCES", 2))


def cmd_run(args: argparse.Namespace) -> int:
    cfg, instances = cluster_config_from_env(args.instances)
    missing = missing_parts(cfg.tracker_store_url, cfg.database_url, cfg.lock_store_redis_url)
    if missing:
        for line in missing:
            log(f"集群无法启动 / cannot start the cluster: {line}")
        return 1
    ensure_database(cfg.tracker_store_url)
    ensure_database(cfg.database_url)
    stack = ClusterStack(cfg, ensure_model(), instances=instances,
                         stats_port=int(os.environ.get("BALANCER_STATS_PORT", 8404)))
    stopping = {"flag": False}

    def on_signal(_signum, _frame):
        stopping["flag"] = True

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        stack.start()
    except RuntimeError as exc:
        log(f"启动失败 / could not start: {exc}")
        return 1
    print(
        "\n"
        f"  集群已启动 / the cluster is running: {instances} Rasa instances, {instances} action servers\n"
        f"  打开 / open:     {cfg.web_url}\n"
        f"  balancer:        Rasa {cfg.rasa_url} (REST, socket.io, WeChat, HTTP API), actions {cfg.actions_url}\n"
        f"  balancer stats:  http://{HOST}:{stack.stats_port}/stats\n"
        f"  Rasa instances:  {', '.join(stack.rasa_instance_urls)}\n"
        f"  tracker store:   {_masked(cfg.tracker_store_url)}; lock store {cfg.lock_store_redis_url}\n"
        f"  backend DB:      {_masked(cfg.database_url)}\n"
        f"  logs:            {cfg.log_dir}/\n"
        "  按 Ctrl-C 停止 / press Ctrl-C to stop\n",
        flush=True,
    )
    try:
        stack.supervise(lambda: stopping["flag"])
    except RuntimeError as exc:
        log(str(exc))
        return 1
    finally:
        stack.stop()
        log("stopped")
    return 0


def _masked(url: str) -> str:
    parsed = urlparse(url)
    return url.replace(f":{parsed.password}@", ":***@") if parsed.password else url


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="start the cluster and wait for Ctrl-C")
    run.add_argument("--instances", type=int, help="Rasa instances and action servers (default RASA_INSTANCES or 2)")
    conf = sub.add_parser("config", help="print the HAProxy configuration")
    conf.add_argument("--instances", type=int)
    args = parser.parse_args(argv)
    if args.cmd == "run":
        return cmd_run(args)
    cfg, instances = cluster_config_from_env(args.instances)
    print(haproxy_config([(HOST, cfg.rasa_port + 100 + i) for i in range(instances)],
                         [(HOST, cfg.actions_port + 100 + i) for i in range(instances)],
                         cfg.rasa_port, cfg.actions_port, int(os.environ.get("BALANCER_STATS_PORT", 8404))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

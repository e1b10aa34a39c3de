"""Starts, watches and stops the assistant's processes.

    python scripts/stack.py run      # train if needed, migrate, start all, print the URL, Ctrl-C stops
    python scripts/stack.py train    # train only when config, domain, data or dictionary changed
    python scripts/stack.py fingerprint

Standard library only, so any Python >= 3.10 can run it (scripts/run.sh uses
the bot environment's). The end-to-end tests import ``Stack`` to start the
same processes on free ports with a throw-away database.

Processes (all on 127.0.0.1), each started as ``python -m logmask <module>``
so that every line it logs or prints has personal numbers masked:

    web page  WEB_PORT      8080  web/server.py   -> Rasa REST channel
    Rasa      RASA_PORT     5005  rasa run        -> action server
    actions   ACTIONS_PORT  5055  rasa_sdk        -> backend (HTTP, service token)
    backend   BACKEND_PORT  8000  uvicorn backend.app.main:app -> SQLite / PostgreSQL
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
BOT_PY = ROOT / ".venv-bot" / "bin" / "python"
BACKEND_PY = ROOT / ".venv-backend" / "bin" / "python"
CACHE_DIR = Path(
    os.environ.get("YJS_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "yijianshi-assistant"
)
HOST = "127.0.0.1"

# Inputs of a trained model: any change here means retraining.
# bot/components: the custom NLU steps shape the features the model is trained on;
# knowledge: their vocabulary and rules (aspects, items) come from the knowledge base.
MODEL_INPUTS = ["bot/config.yml", "bot/domain", "data", "bot/dictionary", "bot/components", "knowledge"]

BASE_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONUNBUFFERED": "1",
    "PYTHONPATH": str(ROOT),
}


def log(msg: str) -> None:
    try:
        print(f"[stack] {msg}", flush=True)
    except (BrokenPipeError, OSError):
        pass   # the terminal or pipe is gone (e.g. `make run | tee` and Ctrl-C): keep shutting down


# --------------------------------------------------------------------------- model
def fingerprint() -> str:
    """Hash of everything a trained model depends on (file paths and contents)."""
    digest = hashlib.sha256()
    for rel in MODEL_INPUTS:
        base = ROOT / rel
        files = [base] if base.is_file() else sorted(
            p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
        for path in files:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    version = subprocess.run(
        [str(BOT_PY), "-c", "import rasa; print(rasa.__version__)"],
        capture_output=True, text=True, env={**os.environ, **BASE_ENV},
    ).stdout.strip()
    digest.update(version.encode())
    return digest.hexdigest()[:16]


def ensure_model(force: bool = False) -> Path:
    """Returns models/<fingerprint>.tar.gz, training it only when inputs changed.

    ``YJS_MODEL`` names a model file to use as it is (every machine of a cluster runs
    the same model file; benchmarks compare code changes on one model)."""
    given = os.environ.get("YJS_MODEL")
    if given and not force:
        path = Path(given) if Path(given).is_absolute() else ROOT / given
        if not path.is_file():
            raise SystemExit(f"[stack] YJS_MODEL={given}: no such model file")
        log(f"model given by YJS_MODEL: {path}")
        return path
    fp = fingerprint()
    name = f"yjs-{fp}"
    model = ROOT / "models" / f"{name}.tar.gz"
    cached = CACHE_DIR / "models" / f"{name}.tar.gz"
    if model.exists() and not force:
        log(f"model up to date: {model.relative_to(ROOT)}")
        return model
    model.parent.mkdir(parents=True, exist_ok=True)
    if cached.exists() and not force:
        shutil.copy2(cached, model)
        log(f"model taken from cache: {model.relative_to(ROOT)}")
        return model
    log("training the Rasa model (config, domain, data or dictionary changed) ...")
    started = time.monotonic()
    cmd = [
        str(BOT_PY), "-m", "rasa", "train",
        "--config", "bot/config.yml", "--domain", "bot/domain", "--data", "data",
        "--out", "models", "--fixed-model-name", name,
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **BASE_ENV})
    if proc.returncode != 0 or not model.exists():
        raise SystemExit("[stack] 训练失败 / training failed: see the output above")
    log(f"trained in {time.monotonic() - started:.0f} s: {model.relative_to(ROOT)}")
    cached.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(model, cached)
    return model


# --------------------------------------------------------------------------- secrets
SECRET_NAMES = [
    "SECRET_KEY", "SERVICE_TOKEN", "DATA_ENCRYPTION_KEY", "LOOKUP_HMAC_KEY",
    "RASA_AUTH_TOKEN", "DEV_WORKER_TOKEN", "DEV_AGENT_TOKEN",
]


def load_or_create_secrets(path: Path) -> Dict[str, str]:
    """Per-installation secrets, kept beside the database they protect.

    The encryption key must stay the same for the life of the database, so it is
    created once and reused. Values already set in the environment win.
    """
    values: Dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, val = line.split("=", 1)
                values[key.strip()] = val.strip()
    changed = False
    for name in SECRET_NAMES:
        if name not in values:
            values[name] = secrets.token_urlsafe(32)
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "# generated by scripts/stack.py - keep with the database, never commit\n"
        body += "".join(f"{k}={v}\n" for k, v in sorted(values.items()))
        path.write_text(body)
        path.chmod(0o600)
    for name in SECRET_NAMES:
        if os.environ.get(name):
            values[name] = os.environ[name]
    return values


# --------------------------------------------------------------------------- processes
def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return 200 <= resp.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _cpu_seconds(pid: int) -> float:
    """CPU time a process used so far (Linux /proc; 0 elsewhere): a start-up figure a busy machine changes less."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


@dataclass
class Service:
    name: str
    cmd: List[str]
    health_url: str
    env: Dict[str, str] = field(default_factory=dict)
    startup_timeout: float = 60.0
    proc: Optional[subprocess.Popen] = None
    restarts: List[float] = field(default_factory=list)
    log_file: Optional[Path] = None
    started_at: float = 0.0

    def start(self, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_file = log_dir / f"{self.name}.log"
        out = open(self.log_file, "ab")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        out.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with code {self.proc.returncode}; log: {self.log_file}")
            if http_ok(self.health_url):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not healthy after {self.startup_timeout:.0f} s; log: {self.log_file}")

    def stop(self, grace: float = 10.0) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass


@dataclass
class StackConfig:
    backend_port: int = 8000
    actions_port: int = 5055
    rasa_port: int = 5005
    web_port: int = 8080
    database_url: Optional[str] = None       # default: the backend's own (SQLite under var/)
    var_dir: Path = ROOT / "var"
    log_dir: Path = ROOT / "logs"
    run_dir: Path = ROOT / ".run"
    lock_store_redis_url: Optional[str] = None
    tracker_store_url: Optional[str] = None
    extra_env: Dict[str, str] = field(default_factory=dict)
    # where Rasa calls the action server / the action server calls the backend, when
    # something sits in between (the benchmark's timing proxies); default: direct
    action_endpoint_url: Optional[str] = None
    backend_url_for_actions: Optional[str] = None
    # the local WeChat simulator (tools/wechat_sim), off by default: WECHAT_SIM=1 make run
    wechat_sim_port: Optional[int] = None

    @classmethod
    def from_env(cls) -> "StackConfig":
        env = os.environ
        return cls(
            backend_port=int(env.get("BACKEND_PORT", 8000)),
            actions_port=int(env.get("ACTIONS_PORT", 5055)),
            rasa_port=int(env.get("RASA_PORT", 5005)),
            web_port=int(env.get("WEB_PORT", 8080)),
            database_url=env.get("DATABASE_URL") or None,
            lock_store_redis_url=env.get("LOCK_STORE_REDIS_URL") or None,
            tracker_store_url=env.get("TRACKER_STORE_URL") or None,
            wechat_sim_port=int(env.get("WECHAT_SIM_PORT", 8090)) if env.get("WECHAT_SIM", "0") not in ("", "0") else None,
        )

    @classmethod
    def for_tests(cls, tmp: Path) -> "StackConfig":
        return cls(
            backend_port=free_port(), actions_port=free_port(), rasa_port=free_port(), web_port=free_port(),
            var_dir=tmp / "var", log_dir=tmp / "logs", run_dir=tmp / "run",
            extra_env={"APP_ENV": "test"},
        )

    @property
    def backend_url(self) -> str:
        return f"http://{HOST}:{self.backend_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://{HOST}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{HOST}:{self.actions_port}"

    @property
    def web_url(self) -> str:
        return f"http://{HOST}:{self.web_port}"


def write_endpoints(cfg: StackConfig) -> Path:
    """endpoints.yml for this run (JSON is valid YAML)."""
    endpoints: Dict[str, dict] = {"action_endpoint": {"url": cfg.action_endpoint_url or f"{cfg.actions_url}/webhook"}}
    if cfg.lock_store_redis_url:
        from urllib.parse import urlparse

        url = urlparse(cfg.lock_store_redis_url)
        endpoints["lock_store"] = {
            # not Rasa's "redis" type: see bot/lock_store.py for why
            "type": "bot.lock_store.AtomicRedisLockStore", "url": url.hostname or HOST, "port": url.port or 6379,
            "db": int((url.path or "/0").strip("/") or 0), "key_prefix": "yjs",
        }
        if url.password:
            endpoints["lock_store"]["password"] = url.password
    # Conversations survive a restart: an SQL tracker store, SQLite under var/ unless
    # TRACKER_STORE_URL names another database; events encrypted (bot/tracker_store.py).
    store = _sql_tracker_store(cfg.tracker_store_url) if cfg.tracker_store_url else {
        "dialect": "sqlite", "db": str(cfg.var_dir / "tracker.db"),
    }
    endpoints["tracker_store"] = {"type": "bot.tracker_store.EncryptedSQLTrackerStore", **store}
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.run_dir / "endpoints.yml"
    path.write_text(json.dumps(endpoints, indent=2))
    return path


def _sql_tracker_store(url_text: str) -> dict:
    from urllib.parse import urlparse

    url = urlparse(url_text)
    dialect = url.scheme.split("+")[0]
    if dialect == "sqlite":
        return {"dialect": "sqlite", "db": url_text.split(":///", 1)[1] if ":///" in url_text else url.path}
    return {
        "dialect": "postgresql" if dialect == "postgres" else dialect, "url": url.hostname, "port": url.port,
        "db": url.path.strip("/"), "username": url.username, "password": url.password,
    }


class Stack:
    def __init__(self, cfg: StackConfig, model: Path) -> None:
        self.cfg = cfg
        self.model = model
        self.secrets = load_or_create_secrets(cfg.var_dir / "secrets.env")
        self.services: List[Service] = []

    def env(self, **extra: str) -> Dict[str, str]:
        env = {**os.environ, **BASE_ENV, **self.secrets, **self.cfg.extra_env, **extra}
        env["VAR_DIR"] = str(self.cfg.var_dir)
        if self.cfg.database_url:
            env["DATABASE_URL"] = self.cfg.database_url
        else:
            env.pop("DATABASE_URL", None)
            env["DATABASE_URL"] = f"sqlite:///{self.cfg.var_dir / 'backend.db'}"
        return env

    def check_ports(self) -> None:
        busy = [
            (name, port) for name, port in (
                ("BACKEND_PORT", self.cfg.backend_port), ("ACTIONS_PORT", self.cfg.actions_port),
                ("RASA_PORT", self.cfg.rasa_port), ("WEB_PORT", self.cfg.web_port),
            ) if not port_free(port)
        ]
        if busy:
            detail = ", ".join(f"{n}={p}" for n, p in busy)
            raise RuntimeError(
                f"端口已被占用 / port in use: {detail}. Another run may still be going: stop it, "
                f"or choose other ports, e.g. {busy[0][0]}={busy[0][1] + 100} make run"
            )

    def migrate(self) -> None:
        self.cfg.var_dir.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [str(BACKEND_PY), "-m", "backend.app.cli", "migrate"], cwd=ROOT, env=self.env(),
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"database migration failed:\n{proc.stdout}{proc.stderr}")

    def build(self) -> None:
        cfg = self.cfg
        endpoints = write_endpoints(cfg)
        token = self.secrets["RASA_AUTH_TOKEN"]
        self.services = [
            Service(
                "backend",
                [str(BACKEND_PY), "-m", "logmask", "uvicorn", "backend.app.main:app",
                 "--host", HOST, "--port", str(cfg.backend_port), "--no-access-log"],
                f"{cfg.backend_url}/health",
                env=self.env(BACKEND_HOST=HOST, BACKEND_PORT=str(cfg.backend_port)),
                startup_timeout=60,
            ),
            Service(
                "actions",
                [str(BOT_PY), "-m", "logmask", "rasa_sdk", "--actions", "actions", "--port", str(cfg.actions_port)],
                f"{cfg.actions_url}/health",
                env=self.env(BACKEND_URL=cfg.backend_url_for_actions or cfg.backend_url),
                startup_timeout=90,
            ),
            Service(
                "rasa",
                [str(BOT_PY), "-m", "logmask", "rasa", "run", "--model", str(self.model),
                 "--endpoints", str(endpoints), "--credentials", "bot/credentials.yml",
                 "--interface", HOST, "--port", str(cfg.rasa_port),
                 # one argument: a token_urlsafe token may start with "-", which argparse
                 # would read as an option ("expected one argument", seen in CI)
                 "--enable-api", f"--auth-token={token}"],
                f"{cfg.rasa_url}/status?token={token}",
                env=self.env(),
                startup_timeout=240,
            ),
            Service(
                "web",
                [str(BOT_PY), "-m", "logmask", "web.server"],
                f"{cfg.web_url}/api/health",
                env=self.env(WEB_HOST=HOST, WEB_PORT=str(cfg.web_port), RASA_URL=cfg.rasa_url, BACKEND_URL=cfg.backend_url),
                startup_timeout=30,
            ),
        ]

        if cfg.wechat_sim_port:
            self._add_wechat_simulator()

    def _add_wechat_simulator(self) -> None:
        """The WeChat simulator, and Rasa's WeChat channel pointed at it with throw-away credentials."""
        port = self.cfg.wechat_sim_port
        sim_env = {
            "WECHAT_TOKEN": secrets.token_hex(16), "WECHAT_APP_ID": "wxsim" + secrets.token_hex(6),
            "WECHAT_APP_SECRET": secrets.token_hex(16), "WECHAT_ENCODING_AES_KEY": secrets.token_hex(22)[:43],
            "WECHAT_API_BASE": f"http://{HOST}:{port}",
        }
        self.service("rasa").env.update(sim_env)
        self.services.insert(0, Service(
            "wechat-sim",
            [str(BOT_PY), "-m", "tools.wechat_sim", "serve", "--port", str(port),
             "--channel", f"{self.cfg.rasa_url}/webhooks/wechat/webhook"],
            f"http://{HOST}:{port}/sim/health", env=self.env(**sim_env), startup_timeout=30,
        ))

    @property
    def pid_file(self) -> Path:
        return self.cfg.run_dir / "pids.json"

    def _write_pids(self) -> None:
        self.cfg.run_dir.mkdir(parents=True, exist_ok=True)
        pids = {s.name: s.proc.pid for s in self.services if s.proc is not None}
        self.pid_file.write_text(json.dumps(pids))

    def stop_stale(self) -> None:
        """Stops what an earlier run left behind (killed hard, so it could not clean up)."""
        if not self.pid_file.exists():
            return
        try:
            pids = json.loads(self.pid_file.read_text())
        except ValueError:
            pids = {}
        for name, pid in pids.items():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(ROOT) in cmdline or "rasa" in cmdline or "uvicorn" in cmdline or "web.server" in cmdline:
                log(f"stopping {name} left over from an earlier run (pid {pid})")
                try:
                    os.killpg(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pids.values()):
            time.sleep(0.2)
        self.pid_file.unlink(missing_ok=True)

    def start(self) -> None:
        self.stop_stale()
        self.check_ports()
        log("migrating the database ...")
        self.migrate()
        self.build()
        # backend and action server first; Rasa loads its model meanwhile
        for svc in self.services:
            log(f"starting {svc.name} ...")
            svc.start(self.cfg.log_dir)
        self._write_pids()
        try:
            for svc in self.services:
                svc.wait_healthy()
                up = time.monotonic() - svc.started_at
                what = (f"model loaded, ready {up:.1f} s after start, {_cpu_seconds(svc.proc.pid):.1f} CPU-s"
                        if svc.name.startswith("rasa") else f"{up:.1f} s")
                log(f"{svc.name} is up ({svc.health_url.split('?')[0]}; {what})")
        except Exception:
            self.stop()
            raise

    def add_rasa_instance(self, name: str, port: int) -> Service:
        """Another Rasa server on the same endpoints (tracker store, lock store, actions)."""
        first = self.service("rasa")
        cmd = list(first.cmd)
        cmd[cmd.index("--port") + 1] = str(port)
        token = self.secrets["RASA_AUTH_TOKEN"]
        svc = Service(name, cmd, f"http://{HOST}:{port}/status?token={token}", env=first.env, startup_timeout=240)
        self.services.append(svc)
        svc.start(self.cfg.log_dir)
        svc.wait_healthy()
        return svc

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def restart(self, name: str) -> None:
        svc = self.service(name)
        svc.stop()
        svc.start(self.cfg.log_dir)
        svc.wait_healthy()

    def supervise(self, should_stop: Callable[[], bool]) -> None:
        """Restarts a service that dies, at most 5 times a minute each."""
        while not should_stop():
            time.sleep(1)
            for svc in self.services:
                if svc.alive() or should_stop():
                    continue
                now = time.monotonic()
                svc.restarts = [t for t in svc.restarts if now - t < 60] + [now]
                if len(svc.restarts) > 5:
                    raise RuntimeError(f"{svc.name} keeps failing; see {svc.log_file}")
                log(f"{svc.name} stopped (code {svc.proc.returncode}); restarting ...")
                svc.start(self.cfg.log_dir)
                self._write_pids()
                try:
                    svc.wait_healthy()
                    log(f"{svc.name} is up again")
                except RuntimeError as exc:
                    log(str(exc))

    def stop(self) -> None:
        for svc in reversed(self.services):
            svc.stop()
        self.pid_file.unlink(missing_ok=True)


# --------------------------------------------------------------------------- CLI
def cmd_run(args: argparse.Namespace) -> int:
    cfg = StackConfig.from_env()
    model = ensure_model()
    stack = Stack(cfg, model)
    stopping = {"flag": False}

    def on_signal(signum, _frame):
        stopping["flag"] = True

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        stack.start()
    except RuntimeError as exc:
        log(f"启动失败 / could not start: {exc}")
        return 1
    db = cfg.database_url or f"SQLite {cfg.var_dir / 'backend.db'}"
    print(
        "\n"
        "  人社“一件事”智能助手已启动 / the assistant is running\n"
        f"  打开 / open:   {cfg.web_url}\n"
        f"  REST channel:  POST {cfg.rasa_url}/webhooks/rest/webhook\n"
        f"  WeChat:        {_wechat_line(cfg)}\n"
        f"  backend API:   {cfg.backend_url}/docs\n"
        f"  database:      {db}\n"
        f"  tokens:        {cfg.var_dir / 'secrets.env'}\n"
        f"  logs:          {cfg.log_dir}/\n"
        "  按 Ctrl-C 停止 / press Ctrl-C to stop\n",
        flush=True,
    )
    try:
        stack.supervise(lambda: stopping["flag"])
    except RuntimeError as exc:
        log(str(exc))
        return 1
    finally:
        stack.stop()          # first: printing may fail when the terminal is gone
        log("stopped")
    return 0


def _wechat_line(cfg: StackConfig) -> str:
    if cfg.wechat_sim_port:
        return (f"simulator on {HOST}:{cfg.wechat_sim_port}; chat as a WeChat user: "
                f".venv-bot/bin/python -m tools.wechat_sim chat --sim http://{HOST}:{cfg.wechat_sim_port}")
    return f"POST {cfg.rasa_url}/webhooks/wechat/webhook (local simulator: WECHAT_SIM=1 make run)"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("run", help="start everything and wait for Ctrl-C")
    train = sub.add_parser("train", help="train the model if its inputs changed")
    train.add_argument("--force", action="store_true")
    sub.add_parser("fingerprint", help="print the model fingerprint")
    args = parser.parse_args(argv)
    if args.cmd == "run":
        return cmd_run(args)
    if args.cmd == "train":
        print(ensure_model(force=args.force))
        return 0
    print(fingerprint())
    return 0


if __name__ == "__main__":
    sys.exit(main())

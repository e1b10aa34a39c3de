"""Model load time of a Rasa instance: ``Agent.load`` of the current model, in fresh processes.

    .venv-bot/bin/python benchmarks/startup/model_load.py                 # as the server: 3 runs, median
    .venv-bot/bin/python benchmarks/startup/model_load.py --way both      # and Rasa's own load beside it
    .venv-bot/bin/python benchmarks/startup/model_load.py --repeat 5 --model models/x.tar.gz

``patched`` is how this project's Rasa server loads (bot.speedups installed, as
the tracker store does before the model is loaded); ``stock`` is Rasa 3.6 as
installed. Each run is a new process, so TensorFlow and Rasa start cold, as in
``rasa run``. Printed per run: imports (Rasa, TensorFlow), ``Agent.load`` wall
time and CPU time, the part of it spent in TED's ``RasaModel.load``, and the
first prediction after loading (a parsed message and the policies' answer; it
would show a build or trace step merely postponed to the first message). Then
the median per way. The issue's target: model load <= 20 s on this machine.
Run it on a quiet machine (``uptime``): on 2 cores anything else running adds
to the wall time.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def one_run(way: str, model: str) -> Dict[str, float]:
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    import asyncio
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    from rasa.core.agent import Agent
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.tensorflow.models import RasaModel

    logging.getLogger().setLevel(logging.ERROR)
    if way == "patched":
        from bot import speedups

        speedups.install()
    imported = time.perf_counter()

    ted_load = {"s": 0.0}
    timed = RasaModel.load.__func__

    def load(cls, *args, **kwargs):
        t = time.perf_counter()
        try:
            return timed(cls, *args, **kwargs)
        finally:
            ted_load["s"] += time.perf_counter() - t

    RasaModel.load = classmethod(load)

    cpu = time.process_time()
    t = time.perf_counter()
    agent = Agent.load(model)
    load_s, load_cpu = time.perf_counter() - t, time.process_time() - cpu

    t = time.perf_counter()
    parsed = asyncio.run(agent.parse_message("工伤认定要带什么材料"))
    tracker = DialogueStateTracker.from_events("bench", [ActionExecuted("action_listen")], agent.domain.slots)
    tracker.update(UserUttered(parsed["text"], parsed["intent"], parsed["entities"], parsed), agent.domain)
    agent.processor._predict_next_with_tracker(tracker)
    first_s = time.perf_counter() - t
    result = {"imports_s": imported - started, "load_s": load_s, "load_cpu_s": load_cpu,
              "rasa_model_load_s": ted_load["s"], "first_prediction_s": first_s}
    if way == "patched":
        result["fast_ted_loads"] = speedups.model_load_paths["fast"]
        result["rasa_ted_loads"] = speedups.model_load_paths["rasa"]
    return result


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model file (default: scripts/stack.py's current model)")
    parser.add_argument("--way", choices=["patched", "stock", "both"], default="patched")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", choices=["patched", "stock"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print("RESULT " + json.dumps(one_run(args.one, args.model)))
        return 0

    if not args.model:
        sys.path.insert(0, str(ROOT))
        from scripts.stack import ensure_model

        args.model = str(ensure_model())
    ways = ["patched", "stock"] if args.way == "both" else [args.way]
    print(f"model {args.model}; load average {os.getloadavg()[0]:.2f} at start; {os.cpu_count()} CPUs")
    runs: Dict[str, List[Dict[str, float]]] = {w: [] for w in ways}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for i in range(args.repeat):
        for way in ways:
            proc = subprocess.run([sys.executable, __file__, "--one", way, "--model", args.model],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
            if proc.returncode != 0 or line is None:
                print(proc.stderr[-3000:])
                print(f"{way} run {i + 1}: failed (exit {proc.returncode})")
                return 1
            r = json.loads(line[len("RESULT "):])
            runs[way].append(r)
            extra = f", TED fast/Rasa loads {r['fast_ted_loads']}/{r['rasa_ted_loads']}" if way == "patched" else ""
            print(f"{way:8s} run {i + 1}: Agent.load {r['load_s']:.1f} s ({r['load_cpu_s']:.1f} CPU-s; "
                  f"TED RasaModel.load {r['rasa_model_load_s']:.1f} s), imports {r['imports_s']:.1f} s, "
                  f"first prediction {r['first_prediction_s'] * 1000:.0f} ms{extra}; "
                  f"load average {os.getloadavg()[0]:.2f}")
    for way in ways:
        med = {k: statistics.median(r[k] for r in runs[way])
               for k in ("load_s", "load_cpu_s", "rasa_model_load_s", "imports_s", "first_prediction_s")}
        print(f"{way:8s} median of {len(runs[way])}: model load (Agent.load) {med['load_s']:.1f} s "
              f"({med['load_cpu_s']:.1f} CPU-s), TED {med['rasa_model_load_s']:.1f} s of it; "
              f"imports {med['imports_s']:.1f} s; first prediction {med['first_prediction_s'] * 1000:.0f} ms")
    if "patched" in runs and any(r["rasa_ted_loads"] or not r["fast_ted_loads"] for r in runs["patched"]):
        print("WARNING: TED was not loaded by the fast path in every patched run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

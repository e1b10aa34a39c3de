"""Same model, loaded the way Rasa does and the way bot/speedups.py does: same answers?

    .venv-bot/bin/python benchmarks/startup/compare_load.py               # all trackers and messages
    .venv-bot/bin/python benchmarks/startup/compare_load.py --limit 40    # a quick check (tests/e2e)
    .venv-bot/bin/python benchmarks/startup/compare_load.py --model models/x.tar.gz

Each way runs in its own process (a fresh TensorFlow, one after the other):

* ``stock``: Rasa 3.6 as installed, nothing of this project patched;
* ``patched``: ``bot.speedups.install()`` as in the server (the load patch and the
  other speed fixes); it must have loaded TED by the fast path.

Both processes predict the same inputs and write what came out; then this script compares:

* TED's probability vector (``run_TEDPolicy*`` node of the model's graph, as the
  processor runs it, precomputations included) and the ensemble's chosen action,
  policy and probabilities, before every action of every story in tests/stories
  and data/stories (Rasa's test-story replay: no augmentation, no concatenation),
  and after one parsed message for a fixed sample of data/nlu examples (entities
  and intents from the NLU pipeline);
* the NLU parse of those messages (intent, ranking, entities).

Probabilities must agree within ``--atol`` (1e-5); names must be equal. The
Agent.load time of each process is printed. Exit code 1 on any difference.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

STORY_SOURCES = [ROOT / "tests" / "stories", ROOT / "data" / "stories"]
NLU_DIR = ROOT / "data" / "nlu"
# what the two processes import and read, copied once for both
SNAPSHOT = ["bot", "knowledge", "actions", "data", "tests/stories", "benchmarks/startup", "scripts"]
NLU_EVERY = 7          # every 7th example of data/nlu, in file order: a fixed, varied sample


def _quiet() -> None:
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger().setLevel(logging.ERROR)
    try:
        import structlog

        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    except ImportError:
        pass


def nlu_sample() -> List[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    texts: List[str] = []
    for path in sorted(NLU_DIR.glob("*.yml")):
        data = load_data(str(path))
        texts.extend(m.get("text") for m in data.intent_examples if m.get("text"))
    return texts[::NLU_EVERY]


def story_trackers(agent) -> List[Any]:
    from rasa.core.test import _create_data_generator

    trackers = []
    for source in STORY_SOURCES:
        if source.exists():
            trackers.extend(_create_data_generator(str(source), agent).generate_story_trackers())
    return trackers


def _ted_node(agent) -> str:
    schema = agent.processor.model_metadata.predict_schema
    names = [name for name, node in schema.nodes.items() if node.uses.__name__ == "TEDPolicy"]
    if len(names) != 1:
        raise SystemExit(f"expected one TEDPolicy node, found {names}")
    return names[0]


def _prediction_record(results: Dict[str, Any], ted: str, core: str, domain) -> Dict[str, Any]:
    ted_pred, chosen = results[ted], results[core]
    best = max(range(len(chosen.probabilities)), key=chosen.probabilities.__getitem__)
    return {
        "ted": [float(p) for p in ted_pred.probabilities],
        "core": [float(p) for p in chosen.probabilities],
        "action": domain.action_names_or_texts[best],
        "policy": chosen.policy_name,
    }


def _rng_fingerprint() -> str:
    """The state of Python's, NumPy's and TensorFlow's global random generators after loading."""
    import hashlib
    import random

    import numpy as np
    import tensorflow as tf

    state = np.random.get_state()
    text = repr((random.getstate(), state[1].tolist(), state[2:], tf.random.uniform([4]).numpy().tolist()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_one(mode: str, model: str, limit: Optional[int], out: Path) -> None:
    """One way of loading: load, predict everything, write it to ``out``."""
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    _quiet()
    from rasa.core.agent import Agent
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.engine.constants import PLACEHOLDER_TRACKER
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    speedups = None
    if mode == "patched":
        from bot import speedups

        speedups.install()
    imported = time.perf_counter()
    cpu0 = time.process_time()
    agent = Agent.load(model)
    load_s, load_cpu = time.perf_counter() - imported, time.process_time() - cpu0
    _quiet()
    rng = _rng_fingerprint()     # Rasa's training step draws random numbers; the responses' variations too

    nodes = agent.processor.graph_runner._instantiated_nodes
    teds = [n._component for n in nodes.values() if isinstance(getattr(n, "_component", None), TEDPolicy)]
    problems = []
    if not teds or any(t.model is None for t in teds):
        problems.append("TEDPolicy loaded without its model")
    if speedups is not None and (speedups.model_load_paths["fast"] < 1 or speedups.model_load_paths["rasa"]):
        problems.append(f"TED not loaded by the fast path: {speedups.model_load_paths}")

    domain = agent.domain
    ted, core = _ted_node(agent), agent.processor.model_metadata.core_target
    runner = agent.processor.graph_runner

    def predict(tracker) -> Dict[str, Any]:
        results = runner.run(inputs={PLACEHOLDER_TRACKER: tracker.copy()}, targets=[ted, core])
        return _prediction_record(results, ted, core, domain)

    records: Dict[str, Any] = {}
    for t_index, story in enumerate(story_trackers(agent)):
        events = list(story.events)
        partial = DialogueStateTracker.from_events(story.sender_id, events[:1], domain.slots)
        for e_index, event in enumerate(events[1:], start=1):
            if isinstance(event, ActionExecuted):
                key = f"story {t_index:03d} {story.sender_id} @{e_index:03d} -> {event.action_name or event.action_text}"
                records[key] = predict(partial)
            partial.update(event)
        if limit and len(records) >= limit:
            break

    texts = nlu_sample()
    if limit:
        texts = texts[: max(1, limit // 4)]
    for i, text in enumerate(texts):
        parsed = asyncio.run(agent.parse_message(text))
        records[f"parse {i:04d} {text}"] = {
            "intent": parsed["intent"]["name"],
            "confidence": float(parsed["intent"]["confidence"]),
            "ranking": [(r["name"], float(r["confidence"])) for r in parsed.get("intent_ranking", [])],
            "entities": [(e["entity"], e.get("value"), e.get("start"), e.get("end"), e.get("extractor"))
                         for e in parsed.get("entities", [])],
        }
        tracker = DialogueStateTracker.from_events(f"nlu-{i}", [ActionExecuted("action_listen")], domain.slots)
        tracker.update(UserUttered(text, parsed["intent"], parsed["entities"], parsed), domain)
        records[f"after {i:04d} {text}"] = predict(tracker)

    out.write_text(json.dumps({
        "mode": mode, "import_s": imported - started, "load_s": load_s, "load_cpu_s": load_cpu,
        "problems": problems, "records": records, "rng": rng,
        "load_paths": speedups.model_load_paths if speedups else None,
    }, ensure_ascii=False), encoding="utf-8")


def _close(a: List[float], b: List[float], atol: float) -> bool:
    import numpy as np

    return len(a) == len(b) and bool(np.allclose(a, b, rtol=0.0, atol=atol))


def compare(stock: Dict[str, Any], patched: Dict[str, Any], atol: float) -> List[str]:
    import numpy as np

    diffs: List[str] = [f"{patched['mode']}: {p}" for p in patched["problems"]]
    diffs += [f"{stock['mode']}: {p}" for p in stock["problems"]]
    if stock["rng"] != patched["rng"]:
        diffs.append("the random generators are in another state after loading")
    a, b = stock["records"], patched["records"]
    if a.keys() != b.keys():
        diffs.append(f"different inputs: {sorted(set(a) ^ set(b))[:5]}")
    worst = 0.0
    for key in sorted(a.keys() & b.keys()):
        x, y = a[key], b[key]
        if key.startswith("parse"):
            if (x["intent"], x["entities"]) != (y["intent"], y["entities"]) \
                    or [n for n, _ in x["ranking"]] != [n for n, _ in y["ranking"]] \
                    or not _close([x["confidence"]] + [c for _, c in x["ranking"]],
                                  [y["confidence"]] + [c for _, c in y["ranking"]], atol):
                what = "entities" if x["entities"] != y["entities"] else "intent or ranking"
                diffs.append(f"{key}: parse ({what}) {x['intent']} {x['entities']} vs {y['intent']} {y['entities']}")
            continue
        for field in ("ted", "core"):
            if not _close(x[field], y[field], atol):
                diffs.append(f"{key}: {field} probabilities differ")
            elif x[field]:
                worst = max(worst, float(np.max(np.abs(np.subtract(x[field], y[field])))))
        if (x["action"], x["policy"]) != (y["action"], y["policy"]):
            diffs.append(f"{key}: {x['action']} ({x['policy']}) vs {y['action']} ({y['policy']})")
    stories = sum(k.startswith("story") for k in a)
    parses = sum(k.startswith("parse") for k in a)
    print(f"compared {stories} story prediction points, {parses} parsed messages and "
          f"{sum(k.startswith('after') for k in a)} predictions after them; "
          f"largest probability difference {worst:.2e} (atol {atol:g})")
    return diffs


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model file (default: scripts/stack.py's current model)")
    parser.add_argument("--limit", type=int, help="about this many story predictions (and limit/4 messages)")
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--one", choices=["stock", "patched"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        run_one(args.one, args.model, args.limit, Path(args.out))
        return 0

    if not args.model:
        sys.path.insert(0, str(ROOT))
        from scripts.stack import ensure_model

        args.model = str(ensure_model())
    model = str(Path(args.model).resolve())
    outputs = {}
    with tempfile.TemporaryDirectory() as tmp:
        # both ways run on one copy of the code and knowledge (the components read
        # knowledge/ when they load): edits in the shared tree meanwhile change neither
        tree = Path(tmp) / "tree"
        for part in SNAPSHOT:
            if (ROOT / part).is_dir():
                shutil.copytree(ROOT / part, tree / part, ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONPATH": str(tree)}
        for mode in ("stock", "patched"):
            out = Path(tmp) / f"{mode}.json"
            cmd = [sys.executable, str(tree / "benchmarks" / "startup" / "compare_load.py"),
                   "--one", mode, "--model", model, "--out", str(out)]
            if args.limit:
                cmd += ["--limit", str(args.limit)]
            proc = subprocess.run(cmd, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
            if proc.returncode != 0 or not out.exists():
                print(proc.stdout[-4000:])
                print(f"{mode}: failed (exit {proc.returncode})")
                return 1
            outputs[mode] = json.loads(out.read_text(encoding="utf-8"))
            o = outputs[mode]
            print(f"{mode:8s} Agent.load {o['load_s']:.1f} s ({o['load_cpu_s']:.1f} CPU-s), "
                  f"imports {o['import_s']:.1f} s" + (f", TED loads {o['load_paths']}" if o["load_paths"] else ""))
    diffs = compare(outputs["stock"], outputs["patched"], args.atol)
    for d in diffs[:30]:
        print("DIFF", d)
    print("same answers" if not diffs else f"{len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())

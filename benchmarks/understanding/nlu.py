"""Intent classification on the held-out set, beside a simple baseline on the same data.

    .venv-bot/bin/python benchmarks/understanding/nlu.py                    # train bot/config.yml's NLU, evaluate
    .venv-bot/bin/python benchmarks/understanding/nlu.py --config other.yml  # compare a pipeline variant
    .venv-bot/bin/python benchmarks/understanding/nlu.py --model models/x.tar.gz   # evaluate a trained model
    .venv-bot/bin/python benchmarks/understanding/nlu.py --errors dev       # list the dev half's errors
    .venv-bot/bin/python benchmarks/understanding/nlu.py --model models/x.tar.gz --fresh acts hotline
        # new study sets before they are studied: their intents, model and baseline trained without them

The held-out messages (``heldout.yml``) are split in two fixed halves: ``dev``
(even positions) may be looked at while improving the assistant, ``test`` (odd
positions) never is; both are printed, and the test half is the honest figure.
The baseline is TF-IDF over character 1-3-grams + logistic regression
(scikit-learn), trained on exactly the training examples of ``data/nlu`` after
the same text normalisation as the pipeline's first step.

Also prints, for the ``ask_question`` messages, how well the knowledge-driven
extractor (knowledge/understand.py) finds the labelled items, services and
aspects. Training time is printed. Nothing is asserted: this prints figures.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Sequence

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HELDOUT = ROOT / "benchmarks" / "understanding" / "heldout.yml"


def quiet_logs() -> None:
    import logging

    import structlog

    logging.getLogger().setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def load_heldout(path: Path = HELDOUT) -> List[Dict]:
    import yaml

    messages = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    for i, m in enumerate(messages):
        m["half"] = "dev" if i % 2 == 0 else "test"
    return messages


def load_fresh(names: List[str]) -> List[Dict]:
    """Study sets named on the command line, each message tagged with its set; refuses a set
    whose messages are already training examples (data/nlu/study.yml)."""
    import yaml

    out: List[Dict] = []
    study = ROOT / "benchmarks" / "understanding" / "study"
    generated_file = ROOT / "data" / "nlu" / "study.yml"
    generated = {t for t, _ in training_examples(generated_file)} if generated_file.exists() and names else set()
    for name in names:
        path = study / (name if name.endswith(".yml") else f"{name}.yml")
        messages = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
        if sum(m["text"] in generated for m in messages) > len(messages) // 2:
            raise SystemExit(f"{path.name} is already in data/nlu/study.yml: it is no longer fresh")
        out += [{**m, "half": path.stem} for m in messages]
    return out


def fresh_report(messages: List[Dict], preds: List[str], base: List[str]) -> Dict:
    out = {}
    for name in list(dict.fromkeys(m["half"] for m in messages)) + ["all"]:
        idx = [i for i, m in enumerate(messages) if name == "all" or m["half"] == name]
        y = [messages[i]["intent"] for i in idx]
        labels = sorted(set(y))
        row = {"n": len(y)}
        for who, p in (("rasa", preds), ("baseline", base)):
            q = [p[i] for i in idx]
            row[who] = {"accuracy": round(sum(a == b for a, b in zip(y, q)) / len(y), 3),
                        "macro_f1": round(macro_f1(y, q, labels), 3)}
        out[name] = row
    return out


def training_examples(nlu_dir: Path) -> List[tuple]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(nlu_dir))
    return [(e.get("text"), e.get_full_intent()) for e in data.intent_examples]


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, labels=list(labels), average="macro", zero_division=0))


def report(name: str, messages: List[Dict], preds: List[str]) -> Dict:
    labels = sorted({m["intent"] for m in messages})
    out = {}
    for half in ("dev", "test", "all"):
        idx = [i for i, m in enumerate(messages) if half == "all" or m["half"] == half]
        y = [messages[i]["intent"] for i in idx]
        p = [preds[i] for i in idx]
        acc = sum(a == b for a, b in zip(y, p)) / len(y)
        out[half] = {"n": len(y), "accuracy": round(acc, 3), "macro_f1": round(macro_f1(y, p, labels), 3)}
    return out


def per_intent(messages: List[Dict], preds: List[str]) -> Dict[str, float]:
    from sklearn.metrics import f1_score

    labels = sorted({m["intent"] for m in messages})
    y = [m["intent"] for m in messages]
    scores = f1_score(y, preds, labels=labels, average=None, zero_division=0)
    return dict(zip(labels, (round(float(s), 3) for s in scores)))


def per_category(messages: List[Dict], preds: List[str]) -> Dict[str, str]:
    tot, ok = Counter(), Counter()
    for m, p in zip(messages, preds):
        tot[m["category"]] += 1
        ok[m["category"]] += m["intent"] == p
    return {c: f"{ok[c] / tot[c]:.3f} ({tot[c]})" for c in sorted(tot)}


def baseline_predictions(train: List[tuple], texts: List[str]) -> List[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from bot.components.normalizer import normalize_text

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True),
        LogisticRegression(max_iter=3000, C=10.0),
    )
    model.fit([normalize_text(t) for t, _ in train], [y for _, y in train])
    return list(model.predict([normalize_text(t) for t in texts]))


def train_nlu(config: Path, out_dir: Path) -> tuple:
    from rasa.model_training import train_nlu as rasa_train_nlu

    started = time.monotonic()
    path = rasa_train_nlu(
        config=str(config), nlu_data=str(ROOT / "data"), output=str(out_dir),
        fixed_model_name="heldout-nlu", domain=str(ROOT / "bot" / "domain"),
    )
    return Path(path), time.monotonic() - started


def rasa_predictions(model: Path, texts: List[str]) -> tuple:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    preds, raw, latencies = [], [], []

    async def run():
        for t in texts:
            t0 = time.perf_counter()
            result = await agent.parse_message(t)
            latencies.append(time.perf_counter() - t0)
            ranking = [r["name"] for r in result.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
            raw.append(result["intent"]["name"])
            preds.append(ranking[0] if ranking else result["intent"]["name"])

    asyncio.run(run())
    return preds, raw, latencies


def extraction_report(messages: List[Dict]) -> Dict:
    """Items / services / aspects found by knowledge.understand vs the labels (ask_question only)."""
    from knowledge import load_kb
    from knowledge.understand import analyze

    kb = load_kb()
    stats = defaultdict(Counter)
    for m in messages:
        if m["intent"] != "ask_question":
            continue
        a = analyze(kb, m["text"])
        for key, found in (("items", a.items), ("services", a.services), ("aspects", a.aspects)):
            want = set(m.get(key) or [])
            got = set(found)
            s = stats[(m["half"], key)]
            s["tp"] += len(want & got)
            s["fp"] += len(got - want)
            s["fn"] += len(want - got)
            s["exact"] += want == got
            s["n"] += 1
    out = {}
    for (half, key), s in sorted(stats.items()):
        p = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 1.0
        r = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else 1.0
        out[f"{half}/{key}"] = {"precision": round(p, 3), "recall": round(r, 3), "exact": round(s["exact"] / s["n"], 3)}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(ROOT / "bot" / "config.yml"))
    parser.add_argument("--model", help="a trained model (.tar.gz) instead of training one")
    parser.add_argument("--errors", choices=["dev", "none"], default="none",
                        help="list the misclassified messages of the dev half (never the test half)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--fresh", nargs="+", metavar="NAME",
                        help="also score these study sets (study/NAME.yml), which the model and the baseline must not "
                             "have been trained on: data/nlu/study.yml is generated before they are studied")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    quiet_logs()
    fresh = load_fresh(args.fresh or [])

    messages = load_heldout()
    texts = [m["text"] for m in messages]
    train = training_examples(ROOT / "data" / "nlu")
    figures: Dict = {"training_examples": len(train), "heldout": len(messages)}

    t0 = time.monotonic()
    base = baseline_predictions(train, texts)
    figures["baseline"] = report("baseline", messages, base)
    figures["baseline_seconds"] = round(time.monotonic() - t0, 1)

    if args.model:
        model, seconds = Path(args.model), None
    else:
        tmp = Path(tempfile.mkdtemp(prefix="yjs-nlu-"))
        model, seconds = train_nlu(Path(args.config), tmp)
    figures["nlu_training_seconds"] = None if seconds is None else round(seconds, 1)
    preds, raw, lat = rasa_predictions(model, texts + [m["text"] for m in fresh])
    if fresh:
        fresh_preds, preds, raw = preds[len(texts):], preds[:len(texts)], raw[:len(texts)]
        fresh_base = baseline_predictions(train, [m["text"] for m in fresh])
        figures["fresh"] = fresh_report(fresh, fresh_preds, fresh_base)
    figures["rasa"] = report("rasa", messages, preds)
    figures["rasa_with_fallback"] = report("rasa", messages, raw)
    lat.sort()
    figures["parse_ms"] = {"p50": round(lat[len(lat) // 2] * 1000, 1), "p95": round(lat[int(len(lat) * 0.95)] * 1000, 1)}
    figures["per_intent_f1"] = {"rasa": per_intent(messages, preds), "baseline": per_intent(messages, base)}
    figures["per_category_accuracy"] = {"rasa": per_category(messages, preds), "baseline": per_category(messages, base)}
    figures["extraction"] = extraction_report(messages)

    print(f"training examples: {len(train)}   held-out messages: {len(messages)}  "
          f"(dev {sum(m['half'] == 'dev' for m in messages)}, test {sum(m['half'] == 'test' for m in messages)})")
    if seconds is not None:
        print(f"NLU training: {seconds:.0f} s   ({args.config})")
    print(f"parse latency: p50 {figures['parse_ms']['p50']} ms, p95 {figures['parse_ms']['p95']} ms")
    print(f"\n{'':<28}{'dev acc':>9}{'dev F1':>9}{'test acc':>10}{'test F1':>9}")
    for name in ("rasa", "rasa_with_fallback", "baseline"):
        r = figures[name]
        print(f"{name:<28}{r['dev']['accuracy']:>9.3f}{r['dev']['macro_f1']:>9.3f}{r['test']['accuracy']:>10.3f}{r['test']['macro_f1']:>9.3f}")
    print("\nper intent F1 (all)       rasa  baseline")
    for intent, f1 in figures["per_intent_f1"]["rasa"].items():
        print(f"  {intent:<24}{f1:>6.3f}{figures['per_intent_f1']['baseline'][intent]:>9.3f}")
    print("\nper category accuracy (all)   rasa          baseline")
    for cat, v in figures["per_category_accuracy"]["rasa"].items():
        print(f"  {cat:<16}{v:>16}{figures['per_category_accuracy']['baseline'][cat]:>16}")
    print("\nknowledge extraction on ask_question (precision / recall / exact)")
    for key, v in figures["extraction"].items():
        print(f"  {key:<16}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['exact']:>7.3f}")
    if fresh:
        print("\nfresh study sets (not in the training data): accuracy / macro-F1")
        for name, r in figures["fresh"].items():
            print(f"  {name:<14}{r['n']:>5}  rasa {r['rasa']['accuracy']:.3f} / {r['rasa']['macro_f1']:.3f}"
                  f"   baseline {r['baseline']['accuracy']:.3f} / {r['baseline']['macro_f1']:.3f}")
    if args.errors == "dev":
        print("\ndev errors (label -> predicted):")
        for m, p in zip(messages, preds):
            if m["half"] == "dev" and p != m["intent"]:
                print(f"  {m['intent']:>20} -> {p:<20} {m['text'][:60]}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

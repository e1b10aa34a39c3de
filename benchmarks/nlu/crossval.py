"""NLU cross-validation: the Rasa pipeline against a simple baseline, same folds.

    .venv-bot/bin/python benchmarks/nlu/crossval.py              # 3 folds
    .venv-bot/bin/python benchmarks/nlu/crossval.py --folds 5 --seed 7
    .venv-bot/bin/python benchmarks/nlu/crossval.py --baseline-only

Runs ``rasa test nlu --cross-validation`` (in this process, so that the folds
can be fixed: Rasa's own fold generator shuffles without a seed) and a
baseline - TF-IDF over character 1-3-grams + logistic regression
(scikit-learn) - on exactly the same stratified folds, then prints per-intent
F1 of both side by side. Everything is written under ``results/`` (gitignored):

    results/nlu_crossval/rasa/intent_report.json   Rasa's own report
    results/nlu_crossval/folds.json                which example was in which test fold
    results/nlu_crossval/summary.json / summary.md the side-by-side table

Run from the repository root (the pipeline's jieba dictionary path is relative).
Takes about 10-15 minutes on 2 cores (3 trainings of the pipeline).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[2]


def load_examples(nlu_path: str):
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(nlu_path)
    return data


def make_folds(labels: Sequence[str], n_folds: int, seed: int) -> List[Tuple[List[int], List[int]]]:
    """Stratified folds over example indices, reproducible with ``seed``."""
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [(list(tr), list(te)) for tr, te in skf.split(list(range(len(labels))), list(labels))]


def patch_rasa_folds(n_folds: int, seed: int, record: List[Dict]) -> None:
    """Makes ``rasa test nlu --cross-validation`` use our seeded folds."""
    import rasa.nlu.test as nlu_test
    from rasa.shared.nlu.training_data.training_data import TrainingData

    def generate_folds(n: int, training_data: TrainingData) -> Iterator[Tuple[TrainingData, TrainingData]]:
        x = training_data.intent_examples
        y = [example.get_full_intent() for example in x]
        for train_idx, test_idx in make_folds(y, n, seed):
            record.append(
                {
                    "train": [(x[i].get("text"), y[i]) for i in train_idx],
                    "test": [(x[i].get("text"), y[i]) for i in test_idx],
                }
            )
            common = dict(
                entity_synonyms=training_data.entity_synonyms,
                regex_features=training_data.regex_features,
                lookup_tables=training_data.lookup_tables,
                responses=training_data.responses,
            )
            yield (
                TrainingData(training_examples=[x[i] for i in train_idx], **common),
                TrainingData(training_examples=[x[i] for i in test_idx], **common),
            )

    nlu_test.generate_folds = generate_folds


def run_rasa(nlu: str, config: str, n_folds: int, out: Path) -> float:
    from rasa.__main__ import main as rasa_main

    argv = [
        "rasa", "test", "nlu",
        "--nlu", nlu,
        "--config", config,
        "--cross-validation",
        "--folds", str(n_folds),
        "--out", str(out),
        "--successes",
        "--no-plot",
    ]
    started = time.monotonic()
    old_argv = sys.argv
    sys.argv = argv
    try:
        rasa_main()
    except SystemExit as exc:  # argparse / rasa may exit; non-zero is a failure
        if exc.code not in (0, None):
            raise
    finally:
        sys.argv = old_argv
    return time.monotonic() - started


def run_baseline(folds: List[Dict]) -> Tuple[List[str], List[str], float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    y_true: List[str] = []
    y_pred: List[str] = []
    started = time.monotonic()
    for fold in folds:
        texts, labels = zip(*fold["train"])
        model = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True),
            LogisticRegression(max_iter=3000, C=10.0),
        )
        model.fit(list(texts), list(labels))
        test_texts, test_labels = zip(*fold["test"])
        y_true += list(test_labels)
        y_pred += list(model.predict(list(test_texts)))
    return y_true, y_pred, time.monotonic() - started


def baseline_report(y_true: List[str], y_pred: List[str]) -> Dict:
    from sklearn.metrics import classification_report

    return classification_report(y_true, y_pred, output_dict=True, zero_division=0)


def side_by_side(rasa_report: Dict, base_report: Dict) -> Tuple[str, Dict]:
    skip = {"accuracy", "macro avg", "weighted avg", "micro avg"}
    intents = sorted(
        {k for k in base_report if k not in skip} | {k for k in rasa_report if k not in skip and isinstance(rasa_report[k], dict)}
    )
    rows = []
    for intent in intents:
        r = rasa_report.get(intent, {})
        b = base_report.get(intent, {})
        rows.append(
            {
                "intent": intent,
                "support": int(b.get("support", r.get("support", 0)) or 0),
                "rasa_f1": r.get("f1-score"),
                "baseline_f1": b.get("f1-score"),
            }
        )
    summary = {
        "rasa": {
            "accuracy": rasa_report.get("accuracy"),
            "macro_f1": (rasa_report.get("macro avg") or {}).get("f1-score"),
            "weighted_f1": (rasa_report.get("weighted avg") or {}).get("f1-score"),
        },
        "baseline": {
            "accuracy": base_report.get("accuracy"),
            "macro_f1": base_report["macro avg"]["f1-score"],
            "weighted_f1": base_report["weighted avg"]["f1-score"],
        },
        "intents": rows,
    }

    def fmt(v):
        return f"{v:.3f}" if isinstance(v, (int, float)) else "  -  "

    lines = [f"{'intent':<24} {'n':>4}  {'rasa F1':>8}  {'base F1':>8}  {'diff':>7}"]
    for row in rows:
        diff = (
            f"{row['rasa_f1'] - row['baseline_f1']:+.3f}"
            if isinstance(row["rasa_f1"], (int, float)) and isinstance(row["baseline_f1"], (int, float))
            else ""
        )
        lines.append(f"{row['intent']:<24} {row['support']:>4}  {fmt(row['rasa_f1']):>8}  {fmt(row['baseline_f1']):>8}  {diff:>7}")
    lines.append("")
    for key in ("accuracy", "macro_f1", "weighted_f1"):
        lines.append(f"{key:<24} {'':>4}  {fmt(summary['rasa'][key]):>8}  {fmt(summary['baseline'][key]):>8}")
    return "\n".join(lines), summary


def fallback_table(rasa_dir: Path, thresholds=(0.3, 0.4, 0.45, 0.5, 0.55, 0.6)) -> str:
    """How a FallbackClassifier threshold would split the test predictions:
    right answers lost to a 您是想问 question vs wrong answers caught."""
    try:
        right = json.loads((rasa_dir / "intent_successes.json").read_text(encoding="utf-8"))
        wrong = json.loads((rasa_dir / "intent_errors.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ""
    conf = lambda rows: [r["intent_prediction"]["confidence"] or 0.0 for r in rows]
    rc, wc = conf(right), conf(wrong)
    lines = ["fallback threshold   correct asked again   errors caught"]
    for t in thresholds:
        lost = sum(c < t for c in rc)
        caught = sum(c < t for c in wc)
        lines.append(
            f"{t:<20} {lost:>5} / {len(rc):<4} ({lost / max(len(rc), 1):.0%})   {caught:>4} / {len(wc):<4} ({caught / max(len(wc), 1):.0%})"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--nlu", default="data/nlu")
    parser.add_argument("--config", default="bot/config.yml")
    parser.add_argument("--out", default="results/nlu_crossval")
    parser.add_argument("--baseline-only", action="store_true", help="skip Rasa (reuse nothing; quick check)")
    args = parser.parse_args(argv)

    os.chdir(ROOT)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    record: List[Dict] = []
    rasa_report: Dict = {}
    rasa_seconds = None
    if not args.baseline_only:
        patch_rasa_folds(args.folds, args.seed, record)
        rasa_seconds = run_rasa(args.nlu, args.config, args.folds, out / "rasa")
        report_path = out / "rasa" / "intent_report.json"
        rasa_report = json.loads(report_path.read_text(encoding="utf-8"))
    else:
        data = load_examples(args.nlu)
        x = data.intent_examples
        y = [e.get_full_intent() for e in x]
        for tr, te in make_folds(y, args.folds, args.seed):
            record.append({"train": [(x[i].get("text"), y[i]) for i in tr], "test": [(x[i].get("text"), y[i]) for i in te]})

    (out / "folds.json").write_text(
        json.dumps([{"test": f["test"]} for f in record], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    y_true, y_pred, base_seconds = run_baseline(record)
    base_report = baseline_report(y_true, y_pred)
    table, summary = side_by_side(rasa_report, base_report)
    summary.update(
        folds=args.folds, seed=args.seed, examples=sum(len(f["test"]) for f in record),
        rasa_seconds=rasa_seconds, baseline_seconds=base_seconds,
    )
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "summary.md").write_text("```\n" + table + "\n```\n", encoding="utf-8")
    print()
    print(f"NLU cross-validation, {args.folds} folds (seed {args.seed}), {summary['examples']} examples")
    print(table)
    if rasa_seconds is not None:
        fb = fallback_table(out / "rasa")
        if fb:
            print("\n" + fb)
            (out / "fallback_thresholds.txt").write_text(fb + "\n", encoding="utf-8")
        print(f"\nrasa: {rasa_seconds:.0f}s   baseline: {base_seconds:.1f}s   results in {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

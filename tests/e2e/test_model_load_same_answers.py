"""TED answers the same whether the model is loaded by Rasa or by bot/speedups.py.

Runs benchmarks/startup/compare_load.py on a part of its inputs: the current
model loaded in two fresh processes (Rasa 3.6 as installed; the server's
patches), TED's probabilities and the ensemble's choice before every action of
the first test stories, and the NLU parse and the prediction after it for a
few data/nlu messages, compared within 1e-5. The full comparison:
``.venv-bot/bin/python benchmarks/startup/compare_load.py``.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts.stack import ensure_model

ROOT = Path(__file__).resolve().parents[2]


def test_patched_load_predicts_like_rasas_load():
    model = ensure_model()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "startup" / "compare_load.py"),
         "--model", str(model), "--limit", "40"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "same answers" in proc.stdout
    assert "TED loads {'fast': 1, 'rasa': 0}" in proc.stdout, proc.stdout[-1500:]

"""The held-out questions over REST against the real stack: an accuracy check.

Every ``ask_question`` message of benchmarks/understanding/heldout.yml goes to a
fresh conversation; the reply must contain the facts knowledge/ holds for its
labels (benchmarks/understanding/expect.py). The benchmark
(benchmarks/understanding/run.py) prints the figures per half and category;
this test fails when the share right drops below MIN_RIGHT or any reply states
something the fidelity checker finds wrong, so a regression cannot land unseen.

MIN_RIGHT is the issue's floor for this test (0.90 of all held-out questions;
0.966 over REST on 2026-12-02 16:35 UTC, dev 0.990 / test 0.941, see README).
The benchmark's own target, 0.95, is not reached on the unseen half yet.
"""
from __future__ import annotations

from benchmarks.understanding.run import evaluate, load_questions, print_summary, rest_sender

MIN_RIGHT = 0.90


def test_heldout_questions_are_answered_from_the_knowledge_base(stack):
    summary = evaluate(rest_sender(stack.cfg.rasa_url), load_questions())
    print_summary(summary)
    assert summary["all"]["n"] >= 300
    assert summary["all"]["right"] >= MIN_RIGHT, summary["per_category"]
    assert summary["all"]["wrong_statements"] == 0

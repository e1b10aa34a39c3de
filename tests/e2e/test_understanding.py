"""The held-out questions over REST against the real stack: an accuracy check.

Every ``ask_question`` message of benchmarks/understanding/heldout.yml goes to a
fresh conversation; the reply must contain the facts knowledge/ holds for its
labels (benchmarks/understanding/expect.py). The benchmark
(benchmarks/understanding/run.py) prints the figures per half and category;
this test fails when the share right drops below MIN_RIGHT or any reply states
something the fidelity checker finds wrong, so a regression cannot land unseen.

MIN_RIGHT is a regression guard just below what the assistant reaches today
(0.87-0.88 over REST, see README): the targets (0.90 in this test, 0.95 for the
benchmark) are not reached yet. Raise it as understanding improves.
"""
from __future__ import annotations

from benchmarks.understanding.run import evaluate, load_questions, print_summary, rest_sender

MIN_RIGHT = 0.85


def test_heldout_questions_are_answered_from_the_knowledge_base(stack):
    summary = evaluate(rest_sender(stack.cfg.rasa_url), load_questions())
    print_summary(summary)
    assert summary["all"]["n"] >= 300
    assert summary["all"]["right"] >= MIN_RIGHT, summary["per_category"]
    assert summary["all"]["wrong_statements"] == 0

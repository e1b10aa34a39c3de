"""The study sets (benchmarks/understanding/study/*.yml) pass the held-out set's label checks,
and the generated training examples (data/nlu/study.yml) are up to date with them."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.understanding.study.check import STUDY, check

SETS = sorted(STUDY.glob("*.yml"))


@pytest.mark.parametrize("path", SETS, ids=[p.stem for p in SETS])
def test_study_set_is_labelled_like_the_held_out_set(kb, path):
    assert check(path, kb) == []


def test_study_sets_exist():
    assert len(SETS) >= 3


def test_generated_training_examples_are_up_to_date():
    from benchmarks.understanding.study_to_nlu import OUT, render

    assert OUT.read_text(encoding="utf-8") == render()[0], \
        "run: .venv-bot/bin/python benchmarks/understanding/study_to_nlu.py"

"""Every generated question (tests/fidelity/cases.py) answered by the real answer
action, and every reply checked against the knowledge base: no material,
deadline or rule of another item, nothing invented, citations by region, the
region asked first. Runs in the bot environment (it needs rasa_sdk)."""
from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk", reason="the answer action runs in the bot environment (.venv-bot)")

from benchmarks.understanding.run import answer_offline  # noqa: E402
from knowledge import load_kb  # noqa: E402
from tests.fidelity.cases import all_cases  # noqa: E402
from tests.fidelity.checker import check_answer  # noqa: E402

KB = load_kb()
CASES = all_cases(KB)


@pytest.mark.parametrize("case", CASES, ids=[c.text for c in CASES])
def test_answer_states_only_what_the_guides_say(case):
    reply = answer_offline(KB, case.text)
    problems = check_answer(KB, items=case.items, services=case.services, aspects=case.aspects,
                            region=case.region, text=reply)
    assert problems == [], "\n".join([reply, "---"] + [str(p) for p in problems])

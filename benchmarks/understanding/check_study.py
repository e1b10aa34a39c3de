"""Check a study set (benchmarks/understanding/study/*.yml) with the held-out set's own checks.

Runs the label, duplicate and category-shape checks of
tests/knowledge/test_heldout_set.py on the given files, but not its size
minimums (a study file is smaller than the held-out set). Prints counts per
intent, category, aspect, item, 湖南 service and region.

    PYTHONPATH=. python benchmarks/understanding/check_study.py benchmarks/understanding/study/agents.yml
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

from knowledge import load_kb
from tests.knowledge import test_heldout_set as checks


def load(path: Path) -> list:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert data["version"] == 1, f"{path}: version must be 1"
    assert isinstance(data["messages"], list), f"{path}: messages must be a list"
    return data["messages"]


def report(messages: list, kb) -> None:
    questions = [m for m in messages if m["intent"] == checks.QUESTION]
    print(f"{len(messages)} messages, {len(questions)} {checks.QUESTION}")
    tables = [
        ("intent", Counter(m["intent"] for m in messages), None),
        ("category", Counter(m["category"] for m in messages), checks.CATEGORIES),
        ("aspect (questions)", Counter(a for m in questions for a in m["aspects"]), checks.ASPECTS),
        ("item (questions)", Counter(i for m in questions for i in m["items"]), list(kb.items)),
        ("service (questions)", Counter(s for m in questions for s in m["services"]),
         [sid for sid, s in kb.services.items() if not s.item_id]),
        ("region (questions)", Counter(r for m in questions for r in checks._regions(m)), checks.REGIONS),
    ]
    for title, counts, universe in tables:
        keys = sorted(set(counts) | set(universe or ()), key=lambda k: (-counts[k], k))
        print(f"\n{title}:")
        for key in keys:
            print(f"  {key:40s} {counts[key]:4d}")


def main(argv: list) -> int:
    kb = load_kb()
    failed = False
    for name in argv or sorted(str(p) for p in (Path(__file__).parent / "study").glob("*.yml")):
        messages = load(Path(name))
        for check in (lambda: checks.test_every_message_has_known_keys_and_labels(messages, kb),
                      lambda: checks.test_no_two_messages_are_identical(messages),
                      lambda: checks.test_categories_have_their_shape(messages)):
            try:
                check()
            except AssertionError as err:
                failed = True
                print(f"{name}: FAILED\n{err}\n")
        print(f"== {name}")
        report(messages, kb)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Check a study file with the held-out set's own checks (all but the size minimums).

    PYTHONPATH=. python benchmarks/understanding/study/check.py [benchmarks/understanding/study/citizens.yml ...]   # default: every study set

Reuses tests/knowledge/test_heldout_set.py: known keys, intents, aspects,
categories, regions and knowledge ids; services that are items labelled as
items; no identical messages; each category's shape. The coverage minimums
(>= 620 messages, ...) are for the whole held-out set and are not applied.
Exits 1 when a check fails.
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from knowledge import load_kb  # noqa: E402
from tests.knowledge import test_heldout_set as checks  # noqa: E402

STUDY = Path(__file__).resolve().parent


def check(path: Path, kb) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if data.get("version") != 1 or not isinstance(data.get("messages"), list):
        return [f"{path}: needs version: 1 and a messages list"]
    messages = data["messages"]
    failures = []
    for name, run in (
        ("labels", lambda: checks.test_every_message_has_known_keys_and_labels(messages, kb)),
        ("duplicates", lambda: checks.test_no_two_messages_are_identical(messages)),
        ("category shapes", lambda: checks.test_categories_have_their_shape(messages)),
    ):
        try:
            run()
        except AssertionError as exc:
            failures.append(f"{path} [{name}]: {exc}")
    return failures


def main(argv: list[str]) -> int:
    kb = load_kb()
    paths = [Path(a) for a in argv] or sorted(STUDY.glob("*.yml"))
    failures = [f for p in paths for f in check(p, kb)]
    for f in failures:
        print(f)
    print("OK" if not failures else f"{len(failures)} check(s) failed", "-", ", ".join(map(str, paths)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

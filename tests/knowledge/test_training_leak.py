"""No held-out message is trained on (benchmarks/understanding/leak.py says how it is decided)."""
from __future__ import annotations

from benchmarks.understanding.leak import leaks, squash


def test_squash_ignores_form_not_words():
    assert squash("什麼情況下會被註銷失業登記？") == squash("什么情况下会被注销失业登记")
    assert squash("第２次提交，材料已补") == "第2次提交材料已补"


def test_no_heldout_message_is_in_the_training_data():
    found = leaks()
    # only the training side is shown: whoever writes training data must not read the held-out set
    shown = "\n".join(f"{f['file'].name}:{f['line']} {f['example']!r}" for f in found[:20])
    assert not found, f"{len(found)} training examples copy held-out messages (delete them):\n{shown}"

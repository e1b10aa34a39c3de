"""What a custom component's output depends on beyond its config and inputs.

Rasa caches every graph node's output under a fingerprint of the component's
class name, config and inputs; our components also read knowledge/ (items,
lexicon) and their own code. Without these in the fingerprint a changed word
list or feature layout reuses stale cached features (seen: the classifier
trained on 51,316 features, asked with 51,317). Each component returns
``addon()`` from ``fingerprint_addon``.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=None)
def addon() -> str:
    digest = hashlib.sha256()
    files = sorted(Path(__file__).parent.glob("*.py")) + sorted((ROOT / "knowledge").glob("*.py"))
    files += sorted((ROOT / "knowledge" / "data").rglob("*.yml"))
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()

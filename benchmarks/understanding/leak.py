"""Does a held-out message (or a close variant) sit in the training data?

    python benchmarks/understanding/leak.py           # list the leaks
    python benchmarks/understanding/leak.py --remove  # drop them from data/nlu/

The held-out set is only worth something while no message of it is trained on.
A training example leaks when, with NFKC, simplified characters, no spaces and
no punctuation or emoji, it equals a held-out message of at least
``MIN_EXACT`` characters, or shares ``NEAR`` of its character pairs with one of
at least ``MIN_NEAR`` characters. Short chit-chat (你好, 谢谢) is left alone:
people say it the same way. Used by tests/knowledge/test_training_leak.py.
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import yaml
import zhconv

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "benchmarks" / "understanding" / "heldout.yml"
NLU_DIR = ROOT / "data" / "nlu"
MIN_EXACT = 6
MIN_NEAR = 10
NEAR = 0.85
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")
_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def squash(text: str) -> str:
    text = zhconv.convert(unicodedata.normalize("NFKC", text), "zh-hans").lower()
    return _NOISE.sub("", text)


def _pairs(text: str) -> set:
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def training_examples(nlu_dir: Path = NLU_DIR) -> Iterator[Tuple[Path, int, str]]:
    """(file, line number, plain text) of every intent example (lookup tables and synonyms are names, not messages)."""
    for path in sorted(nlu_dir.glob("*.yml")):
        in_intent = False
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("- "):
                in_intent = line.startswith("- intent:")
                continue
            stripped = line.strip()
            if in_intent and stripped.startswith("- ") and line.startswith("    "):
                yield path, no, _ANNOTATION.sub(lambda m: m.group(1), stripped[2:])


def leaks(heldout: Path = HELDOUT, nlu_dir: Path = NLU_DIR) -> List[Dict]:
    messages = [m["text"] for m in yaml.safe_load(heldout.read_text(encoding="utf-8"))["messages"]]
    held = [(m, squash(m)) for m in messages]
    exact = {s: m for m, s in held if len(s) >= MIN_EXACT}
    near = [(m, s, _pairs(s)) for m, s in held if len(s) >= MIN_NEAR]
    found = []
    for path, no, text in training_examples(nlu_dir):
        s = squash(text)
        if s in exact:
            found.append({"file": path, "line": no, "example": text, "heldout": exact[s], "similarity": 1.0})
            continue
        if len(s) < MIN_NEAR:
            continue
        p = _pairs(s)
        for m, hs, hp in near:
            sim = len(p & hp) / len(p | hp)
            if sim >= NEAR:
                found.append({"file": path, "line": no, "example": text, "heldout": m, "similarity": round(sim, 2)})
                break
    return found


def remove(found: List[Dict]) -> None:
    by_file: Dict[Path, set] = {}
    for f in found:
        by_file.setdefault(f["file"], set()).add(f["line"])
    for path, lines in by_file.items():
        kept = [l for no, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if no not in lines]
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--remove", action="store_true", help="drop the leaking examples from data/nlu/")
    args = parser.parse_args()
    found = leaks()
    for f in found:
        print(f"{f['file'].relative_to(ROOT)}:{f['line']}  {f['similarity']:.2f}  {f['example']!r}  ~  {f['heldout']!r}")
    print(f"{len(found)} leaking training examples")
    if args.remove and found:
        remove(found)
        print("removed")
    return 1 if found and not args.remove else 0


if __name__ == "__main__":
    sys.exit(main())

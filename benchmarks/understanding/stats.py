"""Print the counts of the held-out understanding set (heldout.yml).

Usage: python benchmarks/understanding/stats.py [path/to/heldout.yml]
Needs only PyYAML. Prints Markdown tables: messages per intent, per category,
per aspect and per knowledge item / 湖南 service (ask_question messages only).
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

DEFAULT = Path(__file__).resolve().parent / "heldout.yml"


def load(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)["messages"]


def table(title: str, counts: Counter, order: list[str] | None = None) -> str:
    keys = order if order is not None else [k for k, _ in counts.most_common()]
    lines = [f"| {title} | messages |", "|---|---:|"]
    lines += [f"| {k} | {counts[k]} |" for k in keys]
    lines.append(f"| **total** | {sum(counts[k] for k in keys)} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT
    messages = load(path)
    questions = [m for m in messages if m["intent"] == "ask_question"]
    print(f"{len(messages)} messages, {len(questions)} ask_question\n")
    print(table("intent", Counter(m["intent"] for m in messages)), "\n")
    print(table("category", Counter(m["category"] for m in messages)), "\n")
    print("ask_question messages per aspect (a message may count for several):\n")
    print(table("aspect", Counter(a for m in questions for a in m.get("aspects", []))), "\n")
    print("ask_question messages per item:\n")
    print(table("item", Counter(i for m in questions for i in m.get("items", []))), "\n")
    print("ask_question messages per 湖南 service (services that are not items):\n")
    print(table("service", Counter(s for m in questions for s in m.get("services", []))), "\n")
    print("ask_question messages per named region:\n")
    regions = Counter()
    for m in questions:
        r = m.get("region")
        for name in ([r] if isinstance(r, str) else r or []):
            regions[name] += 1
    print(table("region", regions))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

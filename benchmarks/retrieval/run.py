#!/usr/bin/env python
"""Retrieval benchmark for knowledge.search.

    .venv-backend/bin/python benchmarks/retrieval/run.py [--k 5] [--verbose]

Prints load/index times, recall@1, recall@5, MRR (all / tuning split /
held-out split: every 5th question), per-query latency p50/p95 and the misses.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

QUESTIONS = Path(__file__).with_name("questions.yml")


def is_hit(passage, q) -> bool:
    if "expect" in q:
        return passage.id in q["expect"]
    return passage.item_id == q["item"] and ("topic" not in q or passage.topic == q["topic"])


def metrics(rows):
    n = len(rows)
    if not n:
        return {"n": 0, "r1": 0.0, "r5": 0.0, "mrr": 0.0}
    r1 = sum(1 for r in rows if r["rank"] == 1) / n
    r5 = sum(1 for r in rows if r["rank"] and r["rank"] <= 5) / n
    mrr = sum(1 / r["rank"] for r in rows if r["rank"]) / n
    return {"n": n, "r1": r1, "r5": r5, "mrr": mrr}


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--verbose", action="store_true", help="print every question")
    ap.add_argument("--show-held-out", action="store_true",
                    help="also list the held-out misses (keep them unseen while tuning)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    from knowledge import load_kb

    kb = load_kb()
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = kb.index
    t_index = time.perf_counter() - t0

    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    known = {p.id for p in index.passages}
    for q in questions:
        for pid in q.get("expect", []):
            if pid not in known:
                print(f"unknown passage id in questions.yml: {pid} ({q['q']})", file=sys.stderr)
                return 2

    rows, latencies = [], []
    for n, q in enumerate(questions):
        t0 = time.perf_counter()
        results = kb.search(q["q"], k=args.k)
        latencies.append((time.perf_counter() - t0) * 1000)
        rank = next((i for i, p in enumerate(results, 1) if is_hit(p, q)), None)
        rows.append({"n": n, "q": q, "rank": rank, "results": results, "held_out": n % 5 == 4})
        if args.verbose and (not rows[-1]["held_out"] or args.show_held_out):
            print(f"{'ok ' if rank == 1 else 'MISS' if not rank else f'@{rank} '} {q['q']} -> "
                  + ", ".join(f"{p.id}({p.score:.2f})" for p in results[:3]))

    print(f"knowledge base: load_kb() {t_load * 1000:.0f} ms, search index build {t_index * 1000:.0f} ms "
          f"({len(index.passages)} passages)")
    print(f"questions: {len(rows)}")
    for label, subset in (("all", rows), ("tuning", [r for r in rows if not r["held_out"]]),
                          ("held-out", [r for r in rows if r["held_out"]])):
        m = metrics(subset)
        print(f"  {label:9s} n={m['n']:3d}  recall@1={m['r1']:.3f}  recall@5={m['r5']:.3f}  MRR={m['mrr']:.3f}")
    print(f"latency per query: p50={statistics.median(latencies):.1f} ms  p95={pct(latencies, 95):.1f} ms  "
          f"max={max(latencies):.1f} ms")
    misses = [r for r in rows if r["rank"] != 1]
    hidden = [r for r in misses if r["held_out"] and not args.show_held_out]
    misses = [r for r in misses if r not in hidden]
    if hidden:
        print(f"held-out misses at rank 1: {len(hidden)} (not listed; --show-held-out lists them)")
    if misses:
        print(f"misses at rank 1 ({len(misses)}):")
        for r in misses:
            exp = r["q"].get("expect") or [f"item:{r['q']['item']}"]
            got = ", ".join(f"{p.id}({p.score:.2f})" for p in r["results"][:3])
            tag = " [held-out]" if r["held_out"] else ""
            print(f"  #{r['n']}{tag} {r['q']['q']}  rank={r['rank']}  expected={exp[0]}{'...' if len(exp) > 1 else ''}  got={got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

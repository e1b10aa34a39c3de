"""End-to-end understanding: every held-out question over REST, judged against knowledge/.

    .venv-bot/bin/python benchmarks/understanding/run.py            # starts its own stack (trains if needed)
    .venv-bot/bin/python benchmarks/understanding/run.py --rasa-url http://127.0.0.1:5005
    .venv-bot/bin/python benchmarks/understanding/run.py --errors dev   # list what the dev half got wrong
    .venv-bot/bin/python benchmarks/understanding/run.py --offline --set study   # the study sets (study/*.yml)
    .venv-bot/bin/python benchmarks/understanding/run.py --set study --files hotline   # one new set, before studying it

Each ``ask_question`` message of ``heldout.yml`` goes to a fresh conversation
through Rasa's REST channel; the reply must contain the facts that
``expect.expected_facts`` reads from knowledge/ for its labels (materials,
deadline, eligibility, channel ... of the named item in the named region).
Replies are also checked by the fidelity checker (tests/fidelity/checker.py)
for wrong or invented statements (and for omissions: a fact of the guide the
reply leaves out, kinds ``missing_*``). Prints the share right per half and per
category, and every problem found. The dev half (even positions) may
be studied; the test half (odd positions) is the honest figure: its
messages are never printed. ``--set study`` runs the study sets instead
(``study/*.yml``: written by outsiders like the held-out set, but meant to be
read, so every miss is listed with ``--errors study``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.understanding.expect import judge  # noqa: E402


HERE = ROOT / "benchmarks" / "understanding"
HALVES = ("dev", "test", "study", "all")


def load_questions(which: str = "heldout", only: Optional[List[str]] = None) -> List[Dict]:
    import yaml

    if which == "heldout":
        files = [HERE / "heldout.yml"]
    else:
        files = sorted(p for p in (HERE / "study").glob("*.yml") if not only or p.name in only or p.stem in only)
    out = []
    for path in files:
        messages = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
        for i, m in enumerate(messages):
            m["half"] = ("dev" if i % 2 == 0 else "test") if which == "heldout" else "study"
            if m["intent"] == "ask_question":
                out.append(m)
    return out


def rest_sender(rasa_url: str) -> Callable[[str], str]:
    def send(text: str) -> str:
        body = json.dumps({"sender": f"bench-{uuid.uuid4().hex[:12]}", "message": text}, ensure_ascii=False).encode()
        req = urllib.request.Request(f"{rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=60) as resp:
            replies = json.loads(resp.read() or b"[]")
        return "\n".join(r.get("text", "") for r in replies if r.get("text"))
    return send


def answer_offline(kb, text: str) -> str:
    """The answer action alone, as if the classifier had said ask_question (no Rasa)."""
    from rasa_sdk import Tracker

    from actions.answers.action import answer_reply
    from bot.components.normalizer import normalize_text

    latest = {"text": normalize_text(text), "intent": {"name": "ask_question", "confidence": 1.0}, "entities": []}
    return answer_reply(kb, Tracker("offline", {}, latest, [], False, None, {}, "")).text


def offline_sender() -> Callable[[str], str]:
    """Separates what the answers get right from what the classifier does."""
    from actions import kb_support as ks

    kb = ks.get_kb()
    return lambda text: answer_offline(kb, text)


def fidelity_checker():
    """The fidelity checker, when present: (kb, message, reply) -> [problem texts]."""
    try:
        from tests.fidelity.checker import check_answer
    except Exception:
        return None

    def check(kb, m: Dict, reply: str) -> List[str]:
        region = m.get("region")
        region = region[0] if isinstance(region, list) and len(region) == 1 else (None if isinstance(region, list) else region)
        problems = check_answer(kb, items=m.get("items") or [], services=m.get("services") or [],
                                aspects=m.get("aspects") or [], region=region, text=reply)
        return [str(p) for p in problems]
    return check


def evaluate(send: Callable[[str], str], questions: List[Dict]) -> Dict:
    from knowledge import load_kb

    kb = load_kb()
    check = fidelity_checker()
    results = []
    started = time.monotonic()
    for m in questions:
        reply = send(m["text"])
        verdict = judge(kb, m, reply)
        verdict["wrong"] = check(kb, m, reply) if check else []
        results.append({**verdict, "text": m["text"], "half": m["half"], "category": m["category"], "reply": reply})
    seconds = time.monotonic() - started
    summary: Dict = {"seconds": round(seconds, 1), "checker": bool(check)}
    for half in HALVES:
        rs = [r for r in results if half == "all" or r["half"] == half]
        if not rs:
            continue
        summary[half] = {"n": len(rs), "right": round(sum(r["ok"] for r in rs) / max(len(rs), 1), 3),
                         "wrong_statements": sum(not w.startswith("missing_") for r in rs for w in r["wrong"]),
                         "omissions": sum(w.startswith("missing_") for r in rs for w in r["wrong"])}
    tot, ok = Counter(), Counter()
    for r in results:
        for half in (r["half"], "all"):
            tot[(half, r["category"])] += 1
            ok[(half, r["category"])] += r["ok"]
    summary["per_category"] = {f"{c}/{h}" if h != "all" else c: f"{ok[(h, c)]}/{tot[(h, c)]}"
                               for h, c in sorted(tot)}
    summary["results"] = results
    return summary


def print_summary(summary: Dict, errors: str = "none") -> None:
    print(f"{summary['all']['n']} questions in {summary['seconds']} s"
          + ("" if summary["checker"] else "   (fidelity checker not available: wrong statements not counted)"))
    print(f"{'':<8}{'n':>5}{'right':>8}{'wrong statements':>18}{'omissions':>11}")
    for half in HALVES:
        if half not in summary:
            continue
        s = summary[half]
        print(f"{half:<8}{s['n']:>5}{s['right']:>8.3f}{s['wrong_statements']:>18}{s['omissions']:>11}")
    print("\nper category (right/n):")
    for c, v in summary["per_category"].items():
        print(f"  {c:<20}{v}")
    # the test half is never printed: it stays an honest figure
    wrong = [(r["text"] if r["half"] != "test" else "(test half)", w) for r in summary["results"] for w in r["wrong"]]
    if wrong:
        print("\nwrong statements and omissions (fidelity checker):")
        for text, w in wrong:
            print(f"  [{text[:40]}] {w}")
    if errors in ("dev", "study"):
        print(f"\n{errors}, not right:")
        for r in summary["results"]:
            if r["half"] == errors and not r["ok"]:
                print(f"- {r['text'][:70]}\n    missing: {r['missing']}  unknown: {r['unknown']}\n    reply: {r['reply'][:160]!r}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa-url", help="a running Rasa (default: start a stack here)")
    parser.add_argument("--offline", action="store_true",
                        help="no Rasa: the answer action alone, with the intent taken as ask_question")
    parser.add_argument("--set", choices=["heldout", "study"], default="heldout",
                        help="heldout.yml (dev/test halves) or the study sets (study/*.yml)")
    parser.add_argument("--files", nargs="+", metavar="NAME",
                        help="with --set study: these study files only (a new set, run before it is studied)")
    parser.add_argument("--errors", choices=["dev", "study", "none"], default="none")
    parser.add_argument("--json", help="write the figures and every reply to this file")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    questions = load_questions(args.set, args.files)
    if not questions:
        parser.error("no questions: check --files")
    stack = None
    send = None
    if args.offline:
        send = offline_sender()
    elif args.rasa_url:
        send = rest_sender(args.rasa_url.rstrip("/"))
    else:
        import tempfile

        from scripts.stack import Stack, StackConfig, ensure_model

        stack = Stack(StackConfig.for_tests(Path(tempfile.mkdtemp(prefix="yjs-bench-"))), ensure_model())
        stack.start()
        send = rest_sender(stack.cfg.rasa_url)
    try:
        summary = evaluate(send, questions)
    finally:
        if stack is not None:
            stack.stop()
    print_summary(summary, args.errors)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Parse time against message length: no message may hold Rasa's event loop.

    .venv-bot/bin/python benchmarks/understanding/length.py [--model models/yjs-….tar.gz]

Parses messages of 10 to 200,000 characters with the trained model (NLU only,
in this process) and prints the time of each. The pipeline's first step
(bot/components/normalizer.py) caps what reaches the featurizers, so the time
should stay flat; the web server and Rasa's REST edge refuse long bodies before
that (bot/edge.py, web/server.py).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

STORY = "我上个月被公司辞退了，老板还欠着我两个月工资没发，现在也没找到新工作，家里还有老人孩子要养。"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    from benchmarks.understanding.nlu import quiet_logs
    from rasa.core.agent import Agent

    quiet_logs()
    model = args.model or str(max(ROOT.glob("models/yjs-*.tar.gz"), key=lambda p: p.stat().st_mtime))
    agent = Agent.load(model)
    question = "请问失业登记要什么材料，多久能办好？"

    async def run():
        await agent.parse_message("你好")
        print(f"model: {Path(model).name}\n{'characters':>12}{'parse ms':>10}  intent")
        for n in (10, 100, 300, 1000, 5000, 20000, 200000):
            text = (STORY * (n // len(STORY) + 1))[: max(0, n - len(question))] + question
            t0 = time.perf_counter()
            result = await agent.parse_message(text)
            ms = (time.perf_counter() - t0) * 1000
            print(f"{len(text):>12}{ms:>10.1f}  {result['intent']['name']}")

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""python -m logmask <module> [args...]: run a module (like ``python -m``) with masked logs.

    python -m logmask rasa run --model ...
    python -m logmask uvicorn backend.app.main:app --port 8000
"""
from __future__ import annotations

import runpy
import sys

from logmask import install


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m logmask <module> [args...]")
    install()
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

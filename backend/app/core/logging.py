"""Logging setup with masking of personal data.

The masking is the stack's one log filter, `logmask` (shared with Rasa, the
action server and the web page server): `install_masking()` wraps the
process-wide LogRecord factory, so every record - ours, uvicorn's,
SQLAlchemy's - has ID numbers, mobile numbers and bank cards masked in its
message and in its formatted traceback before any handler sees it.
`MaskingFilter` does the same for a single handler when wanted. Under the
stack, `python -m logmask uvicorn ...` also masks stdout and stderr.
"""
from __future__ import annotations

import logging
import sys

from logmask import MaskingFilter, install, mask_record

__all__ = ["MaskingFilter", "configure_logging", "install_masking", "mask_record"]


def install_masking() -> None:
    # Streams are left alone here (tests capture them); the launcher masks them.
    install(streams=False)


def configure_logging(level: str = "INFO") -> None:
    install_masking()
    root = logging.getLogger()
    if not any(getattr(h, "_yjs_handler", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(MaskingFilter())
        handler._yjs_handler = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    logging.getLogger("backend").setLevel(level)

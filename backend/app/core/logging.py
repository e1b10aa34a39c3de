"""Logging setup with masking of personal data.

`install_masking()` wraps the process-wide LogRecord factory, so every record -
ours, uvicorn's, SQLAlchemy's - has ID numbers, mobile numbers and bank cards
masked in its message and in its formatted traceback before any handler sees
it. `MaskingFilter` does the same for a single handler when wanted.
"""
from __future__ import annotations

import logging
import sys
import traceback

from knowledge.personal_data import mask_text

_installed = False


def _mask_arg(value):
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, (bool, float)) or value is None:
        return value
    text = str(value)
    masked = mask_text(text)
    return value if masked == text else masked


def _mask_message(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep the raw template, masked
        record.msg, record.args = mask_text(str(record.msg)), None
        return
    masked = mask_text(message)
    if masked == message:
        return  # nothing personal: leave msg/args alone (formatters such as uvicorn's need args)
    # Mask the template and each argument in place, keeping the args' shape...
    if isinstance(record.msg, str):
        record.msg = mask_text(record.msg)
    if isinstance(record.args, dict):
        record.args = {k: _mask_arg(v) for k, v in record.args.items()}
    elif isinstance(record.args, tuple):
        record.args = tuple(_mask_arg(a) for a in record.args)
    try:
        if mask_text(record.getMessage()) == record.getMessage():
            return
    except Exception:  # noqa: BLE001 - e.g. %d given a masked string
        pass
    # ...and when that is not enough, keep only the masked text.
    record.msg, record.args = masked, None


def _mask_record(record: logging.LogRecord) -> None:
    if getattr(record, "_yjs_masked", False):
        return
    _mask_message(record)
    if record.exc_info and not record.exc_text:
        record.exc_text = mask_text("".join(traceback.format_exception(*record.exc_info)).rstrip())
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    record._yjs_masked = True


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record)
        return True


def install_masking() -> None:
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        _mask_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


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

"""One masking of personal data for the logs of every process.

Every process of the stack (backend, action server, Rasa with Sanic, web page
server) is started through ``python -m logmask <module> [args]`` (see
scripts/stack.py), which calls `install()` before the module is imported:

* the process-wide LogRecord factory masks each record's message, arguments,
  traceback and stack (ours, Rasa's, Sanic's, uvicorn's, SQLAlchemy's...);
* `sys.stdout` and `sys.stderr` are replaced by masking streams, so what does
  not go through `logging` is masked as well: `warnings` (Rasa's
  ``Failed to parse arguments in line '/...{"id_number": ...}'``), structlog,
  print(), uncaught tracebacks.

Masking is `knowledge.personal_data.mask_log_text`: ID numbers, mobiles and
bank cards (also with spaces or dashes) become 4452**********1236,
138****5678, 6222 **** **** 1234. Standard library + knowledge.personal_data
only, so both environments (Python 3.10 and 3.11) import it.
"""
from __future__ import annotations

import io
import logging
import sys
import traceback
from typing import Any, Optional, TextIO

from knowledge.personal_data import mask_log_text

__all__ = ["MaskingFilter", "MaskingStream", "install", "mask", "mask_record"]

mask = mask_log_text
_factory_installed = False
_streams_installed = False


def _mask_arg(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    try:
        text = str(value)
    except Exception:  # noqa: BLE001 - an object whose str() fails: leave it to logging
        return value
    masked = mask(text)
    return value if masked == text else masked


def _mask_message(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string: keep the raw template, masked
        record.msg, record.args = mask(str(record.msg)), None
        return
    masked = mask(message)
    if masked == message:
        return  # nothing personal: leave msg/args alone (formatters such as uvicorn's need args)
    # Mask the template and each argument in place, keeping the args' shape...
    if isinstance(record.msg, str):
        record.msg = mask(record.msg)
    if isinstance(record.args, dict):
        record.args = {k: _mask_arg(v) for k, v in record.args.items()}
    elif isinstance(record.args, tuple):
        record.args = tuple(_mask_arg(a) for a in record.args)
    try:
        again = record.getMessage()
        if mask(again) == again:
            return
    except Exception:  # noqa: BLE001 - e.g. %d given a masked string
        pass
    # ...and when that is not enough, keep only the masked text.
    record.msg, record.args = masked, None


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask a record in place (idempotent) and return it."""
    if getattr(record, "_yjs_masked", False):
        return record
    _mask_message(record)
    if record.exc_info and not record.exc_text:
        record.exc_text = mask("".join(traceback.format_exception(*record.exc_info)).rstrip())
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    record._yjs_masked = True
    return record


class MaskingFilter(logging.Filter):
    """For a handler or logger that must mask on its own (e.g. one made before `install`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


class MaskingStream(io.TextIOBase):
    """A text stream that masks what is written, line by line.

    Whole lines are masked (a number is never split between two writes of one
    line); a partial line waits for its end, for `flush()`, or for 8 kB."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner
        self._pending = ""

    # what code inspects on sys.stdout / sys.stderr
    @property
    def encoding(self):  # type: ignore[override]
        return getattr(self._inner, "encoding", "utf-8")

    @property
    def errors(self):  # type: ignore[override]
        return getattr(self._inner, "errors", "strict")

    @property
    def buffer(self):
        return getattr(self._inner, "buffer", None)

    def isatty(self) -> bool:
        return bool(getattr(self._inner, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self._inner.fileno()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:  # type: ignore[override]
        if not isinstance(text, str):
            text = str(text)
        self._pending += text
        cut = self._pending.rfind("\n")
        if cut >= 0:
            ready, self._pending = self._pending[: cut + 1], self._pending[cut + 1 :]
            self._inner.write(mask(ready))
        if len(self._pending) > 8192:
            self._inner.write(mask(self._pending))
            self._pending = ""
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._inner.write(mask(self._pending))
            self._pending = ""
        self._inner.flush()

    def close(self) -> None:
        self.flush()


def install(streams: bool = True) -> None:
    """Mask every log record of this process, and (by default) stdout and stderr."""
    global _factory_installed, _streams_installed
    if not _factory_installed:
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs):
            return mask_record(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _factory_installed = True
    if streams and not _streams_installed:
        for name in ("stdout", "stderr"):
            current: Optional[TextIO] = getattr(sys, name)
            if current is not None and not isinstance(current, MaskingStream):
                setattr(sys, name, MaskingStream(current))
        _streams_installed = True

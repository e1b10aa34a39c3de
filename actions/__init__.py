"""Custom actions for the 人社“一件事” assistant (rasa-sdk).

Run from the repository root: ``rasa run actions --actions actions``.
Every module here holds one feature; external systems sit behind one
small client class each (see ``backend_client.py``).
"""

import logging as _logging


def _warm_up() -> None:
    """Load the knowledge base and build its search index (jieba included) when the
    action server starts, not on the first user's first question (about 0.8 s)."""
    try:
        from knowledge import load_kb

        load_kb().search("失业登记需要什么材料", k=1)
    except Exception:  # the actions report an unavailable knowledge base themselves
        _logging.getLogger(__name__).exception("knowledge base warm-up failed")


_warm_up()

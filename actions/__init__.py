"""Custom actions for the 人社“一件事” assistant (rasa-sdk).

Run from the repository root: ``rasa run actions --actions actions``.
Every module here holds one feature; external systems sit behind one
small client class each (see ``backend_client.py``).
"""

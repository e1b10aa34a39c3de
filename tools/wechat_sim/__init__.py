"""A local WeChat simulator: plays WeChat's API and message sender on 127.0.0.1 (see server.py)."""

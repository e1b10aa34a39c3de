"""Human-readable case numbers: ``SY20261122-7K3F9Q``.

Bundle prefix (catalog), the submission date in China time, and six random
characters from a 32-symbol alphabet without the look-alikes 0/O and 1/I
(30 bits of randomness). Uniqueness is enforced by the database; the caller
retries on a collision.
"""
from __future__ import annotations

import re
import secrets
from datetime import date

from backend.app import catalog

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RANDOM_LENGTH = 6
CASE_NUMBER_RE = re.compile(rf"^[A-Z]{{2}}\d{{8}}-[{ALPHABET}]{{{RANDOM_LENGTH}}}$")


def new_case_number(bundle_id: str, on: date) -> str:
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{catalog.case_number_prefix(bundle_id)}{on:%Y%m%d}-{suffix}"


def normalize_case_number(raw: str) -> str:
    return raw.strip().upper()

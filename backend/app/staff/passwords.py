"""Staff passwords: scrypt with a random salt, parameters stored with the hash.

Stored form: ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>``. Verification
is constant-time; an unknown name is checked against a dummy hash of the same
cost, so a failed sign-in takes as long whether the name exists or not.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

SCHEME = "scrypt"
LOG2_N = 14  # n = 16384, r = 8: 16 MiB and ~50 ms per check
R = 8
P = 1
DKLEN = 32
MIN_LENGTH = 10
MAX_LENGTH = 128


class WeakPassword(ValueError):
    """A password the policy refuses; the message is Chinese and shown to the user."""


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"密码至少需要{MIN_LENGTH}个字符。")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"密码不能超过{MAX_LENGTH}个字符。")
    if password.strip() != password:
        raise WeakPassword("密码开头和结尾不能是空格。")
    if len(set(password)) < 4:
        raise WeakPassword("密码过于简单，请混合使用字母、数字或符号。")


def _derive(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=1 << log2_n, r=r, p=p, dklen=DKLEN, maxmem=256 * 1024 * 1024
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = _derive(password, salt, LOG2_N, R, P)
    return f"{SCHEME}${LOG2_N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, log2_n, r, p, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(digest)
        actual = _derive(password, base64.b64decode(salt), int(log2_n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def dummy_hash() -> str:
    """Checked when the name is unknown, so both failures cost the same."""
    return hash_password(os.urandom(12).hex())

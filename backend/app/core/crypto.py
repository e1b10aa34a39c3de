"""Encryption of personal data at rest and keyed hashes for lookups.

* `Cipher` - AES-256-GCM; the key is derived with HKDF-SHA256 from
  `DATA_ENCRYPTION_KEY` (default: `SECRET_KEY`). Ciphertexts are stored as text: ``v1.<base64(nonce|ct)>``.
  The associated data binds a ciphertext to its purpose (a personal-data blob
  cannot be swapped into the form column, for example).
* `Hasher` - HMAC-SHA256 with a key derived from `LOOKUP_HMAC_KEY` (default:
  `SECRET_KEY`; a different HKDF label, so never the encryption key), for equality lookups on values
  that must never be stored in clear (ID number, phone last 4 digits).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"


class DecryptionError(ValueError):
    pass


def _derive(material: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        material.encode("utf-8")
    )


class Cipher:
    def __init__(self, key_material: str) -> None:
        self._aead = AESGCM(_derive(key_material, b"yjs-backend personal data v1"))

    def encrypt(self, plaintext: bytes, purpose: str) -> str:
        nonce = os.urandom(12)
        ct = self._aead.encrypt(nonce, plaintext, purpose.encode())
        return f"{_VERSION}.{base64.b64encode(nonce + ct).decode('ascii')}"

    def decrypt(self, token: str, purpose: str) -> bytes:
        try:
            version, payload = token.split(".", 1)
            if version != _VERSION:
                raise DecryptionError(f"unknown ciphertext version {version!r}")
            raw = base64.b64decode(payload)
            return self._aead.decrypt(raw[:12], raw[12:], purpose.encode())
        except (ValueError, InvalidTag) as exc:
            raise DecryptionError("ciphertext cannot be decrypted with this key") from exc

    def encrypt_json(self, value: Any, purpose: str) -> str:
        return self.encrypt(
            json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(), purpose
        )

    def decrypt_json(self, token: str, purpose: str) -> Any:
        return json.loads(self.decrypt(token, purpose))


class Hasher:
    def __init__(self, key_material: str) -> None:
        self._key = _derive(key_material, b"yjs-backend lookup hmac v1")

    def hexdigest(self, *parts: str) -> str:
        msg = "\x1f".join(parts).encode("utf-8")
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()


def hash_token(token: str) -> str:
    """Staff/service tokens are 256-bit random strings: plain SHA-256 suffices."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()

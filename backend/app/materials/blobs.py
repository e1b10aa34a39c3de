"""The encrypted blob store of uploaded files.

* A blob's name is a keyed hash (HMAC-SHA256, its own HKDF label) of the case
  and the stored content: equal content in one case gets one blob, and the name
  tells nothing about the content to someone without the key.
* The bytes are AES-256-GCM encrypted (key derived from `DATA_ENCRYPTION_KEY`
  with its own label) in memory before anything touches the disk; the blob
  name is the associated data, so a blob cannot be passed off as another.
  On disk: ``v1`` + 12-byte nonce + ciphertext, written to a temporary name in
  the same folder (ciphertext only) and renamed into place.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"v1"


def _derive(material: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material.encode("utf-8"))


class BlobError(RuntimeError):
    """A blob is missing or cannot be decrypted with this key."""


class BlobStore:
    def __init__(self, root: Path | str, key_material: str) -> None:
        self.root = Path(root)
        self._aead = AESGCM(_derive(key_material, b"yjs-backend material files v1"))
        self._name_key = _derive(key_material, b"yjs-backend material names v1")

    def name_for(self, case_number: str, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        return hmac.new(self._name_key, f"{case_number}\x1f{digest}".encode(), hashlib.sha256).hexdigest()

    def path(self, name: str) -> Path:
        if len(name) != 64 or any(c not in "0123456789abcdef" for c in name):
            raise BlobError("malformed blob name")
        return self.root / name[:2] / f"{name}.bin"

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def put(self, name: str, content: bytes) -> None:
        target = self.path(name)
        if target.is_file():
            return
        nonce = os.urandom(12)
        sealed = MAGIC + nonce + self._aead.encrypt(nonce, content, name.encode())
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.{secrets.token_hex(4)}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(sealed)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)

    def get(self, name: str) -> bytes:
        try:
            sealed = self.path(name).read_bytes()
        except FileNotFoundError:
            raise BlobError("blob is missing") from None
        if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + 12 + 16:
            raise BlobError("not a blob of this store")
        nonce = sealed[len(MAGIC):len(MAGIC) + 12]
        try:
            return self._aead.decrypt(nonce, sealed[len(MAGIC) + 12:], name.encode())
        except InvalidTag:
            raise BlobError("blob cannot be decrypted with this key") from None

    def delete(self, name: str) -> None:
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            pass

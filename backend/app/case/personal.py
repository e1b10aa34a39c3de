"""Sealing and opening the personal data of a case.

Clear values exist only in memory: the database gets AES-GCM ciphertexts, the
masked name, and keyed HMACs (ID number; ID number + phone last 4) for lookups.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.app.core.crypto import Cipher, Hasher
from knowledge.personal_data import mask_id_number, mask_name, mask_phone

PERSONAL_PURPOSE = "case.personal_data"
FORM_PURPOSE = "case.form_data"


@dataclass(frozen=True)
class Personal:
    name: str
    id_number: str
    phone: str

    def masked(self) -> dict[str, str]:
        return {
            "name": mask_name(self.name),
            "id_number": mask_id_number(self.id_number),
            "phone": mask_phone(self.phone),
        }

    def full(self) -> dict[str, str]:
        return {"name": self.name, "id_number": self.id_number, "phone": self.phone}


def id_number_hash(hasher: Hasher, id_number: str) -> str:
    """`id_number` must already be normalised (uppercase X)."""
    return hasher.hexdigest("id", id_number)


def factor_hash(hasher: Hasher, id_number: str, phone_last4: str) -> str:
    return hasher.hexdigest("id+phone4", id_number, phone_last4)


def seal_personal(cipher: Cipher, person: Personal) -> str:
    return cipher.encrypt_json(person.full(), PERSONAL_PURPOSE)


def open_personal(cipher: Cipher, token: str) -> Personal:
    data = cipher.decrypt_json(token, PERSONAL_PURPOSE)
    return Personal(name=data["name"], id_number=data["id_number"], phone=data["phone"])


def seal_form(cipher: Cipher, form: dict[str, Any]) -> str:
    return cipher.encrypt_json(form, FORM_PURPOSE)


def open_form(cipher: Cipher, token: str) -> dict[str, Any]:
    return cipher.decrypt_json(token, FORM_PURPOSE)

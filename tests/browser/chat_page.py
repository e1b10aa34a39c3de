"""Driving the citizen's web chat page (web/static/index.html) in the browser, and the
real files the upload tests give it (made here with Pillow: a JPEG with EXIF GPS, PDFs)."""
from __future__ import annotations

import io
import random
from pathlib import Path

from knowledge import load_kb
from knowledge.materials import material_id
from tests.personas import Persona

CAMERA_MARK = "YJS-BROWSER-CAMERA-3K"
REPLY_TIMEOUT = 60_000


def say(page, text: str) -> str:
    """Type a message, press Enter, wait for the whole reply; its text."""
    page.wait_for_selector("#send:not([disabled])")
    n = page.locator(".msg.bot, .msg.note, .materials-msg").count()
    page.fill("#input", text)
    page.press("#input", "Enter")
    page.locator(".msg.bot, .msg.note, .materials-msg").nth(n).wait_for(timeout=REPLY_TIMEOUT)
    page.wait_for_selector("#send:not([disabled])")
    return "\n".join(page.locator(".msg.bot, .msg.note").all_inner_texts()[n:])


def apply_for_benefit(page, base_url: str, persona: Persona, items=("unemployment_benefit",)) -> str:
    """The citizen chooses 失业保险金申领 (its linked items come along), fills the form and submits: the case number."""
    page.goto(base_url + "/")
    page.locator(".msg.bot").first.wait_for(timeout=REPLY_TIMEOUT)
    say(page, '/choose_bundle{"bundle":"unemployment"}')
    say(page, "我想领失业金")
    say(page, "好了")
    say(page, "/start_application")
    for answer in persona.script(load_kb(), list(items)):
        say(page, answer)
    text = say(page, "确认提交")
    assert "办件编号" in text, text
    page.wait_for_selector(".materials-msg li.material")
    return text.split("办件编号：")[1].split("（")[0].strip()


def look_up(page, persona: Persona) -> str:
    say(page, "查询进度")
    say(page, persona.id_number)
    return say(page, persona.phone[-4:])


def expected_ids(item_ids) -> list:
    return [material_id(e.material) for e in load_kb().materials_checklist(list(item_ids))]


def shown_ids(page, widget=None) -> list:
    box = widget or page.locator(".materials-msg").last
    return box.locator("li.material").evaluate_all("els => els.map(e => e.dataset.material)")


def give(page, mid: str, name: str, mime: str, data: bytes, widget=None) -> None:
    box = widget or page.locator(".materials-msg").last
    box.locator(f"li[data-material='{mid}'] input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )


def jpeg_with_gps(seed: int = 1, size=(480, 360)) -> bytes:
    from PIL import ExifTags, Image

    rng = random.Random(seed)
    img = Image.frombytes("RGB", size, bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 3)))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MARK
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (23.0, 32.0, 59.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 22.0, 7.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=92, exif=exif)
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    from PIL import ExifTags, Image

    with Image.open(io.BytesIO(data)) as img:
        return bool(img.getexif().get_ifd(ExifTags.IFD.GPSInfo)) or CAMERA_MARK.encode() in data


def pdf(color=(240, 240, 240), text_seed: int = 0) -> bytes:
    """A real one-page PDF (Pillow writes it)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (595, 842), color).save(out, format="PDF", title=f"YJS test {text_seed}")
    return out.getvalue()


def plain_chunks_on_disk(root: Path, plain: bytes, width: int = 32, step: int = 499) -> list:
    raw = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    return [s for s in range(0, max(len(plain) - width, 1), step) if plain[s:s + width] in raw]

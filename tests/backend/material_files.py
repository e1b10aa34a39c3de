"""Real files for the upload tests, made here: a JPEG with EXIF GPS, PNGs, PDFs
(plain, with JavaScript, with an embedded file, broken)."""
from __future__ import annotations

import io
import random

from PIL import ExifTags, Image

CAMERA_MARK = "YJS-TEST-CAMERA-7Q"  # written into the EXIF, must be gone after re-encoding


def jpeg_with_gps(size=(320, 240), seed=1) -> bytes:
    rng = random.Random(seed)
    img = Image.new("RGB", size)
    img.putdata([(rng.randrange(256), rng.randrange(256), 90) for _ in range(size[0] * size[1])])
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MARK
    exif[ExifTags.Base.Orientation] = 1
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (23.0, 32.0, 59.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 22.0, 7.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=92, exif=exif)
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as img:
        exif = img.getexif()
        return bool(exif.get_ifd(ExifTags.IFD.GPSInfo)) or CAMERA_MARK.encode() in data


def noisy_png(size=(700, 700), seed=2) -> bytes:
    """Incompressible, so well above the 64 KiB body limit of the other routes."""
    rng = random.Random(seed)
    img = Image.frombytes("RGB", size, bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 3)))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _writer():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def _bytes(writer) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def plain_pdf(text: str = "YJS material") -> bytes:
    writer = _writer()
    writer.add_metadata({"/Title": text})
    return _bytes(writer)


def pdf_with_javascript() -> bytes:
    """Document-level JavaScript in the /Names tree."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = _writer()
    action = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert('hi');"),
    }))
    names = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("init"), action])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): names})
    return _bytes(writer)


def pdf_with_open_action_js() -> bytes:
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = _writer()
    action = DictionaryObject({
        NameObject("/Type"): NameObject("/Action"),
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert(1)"),
    })
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _bytes(writer)


def pdf_with_launch_escaped() -> bytes:
    """A /Launch action whose /S name is written with a #-escape (/L#61unch): only a parser sees it."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = _writer()
    action = DictionaryObject({
        NameObject("/S"): NameObject("/Launch"),
        NameObject("/F"): TextStringObject("calcexe00"),
    })
    writer.pages[0][NameObject("/Annots")] = writer._add_object(action)
    data = _bytes(writer)
    # same length, so the cross-reference offsets stay right
    return data.replace(b"/Launch", b"/L#61unch").replace(b"(calcexe00)", b"(calcexe)")


def pdf_with_attachment() -> bytes:
    writer = _writer()
    writer.add_attachment("note.txt", b"hello")
    return _bytes(writer)


def broken_pdf() -> bytes:
    data = plain_pdf()
    return data[: len(data) // 2]


def encrypted_pdf() -> bytes:
    writer = _writer()
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    return _bytes(writer)


def bomb_png() -> bytes:
    """81 million pixels in a few kB: refused before a pixel is decoded."""
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")
    return out.getvalue()

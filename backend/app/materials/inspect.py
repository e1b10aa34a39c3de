"""What an uploaded file is, decided by its content only, and making it safe to keep.

* JPEG / PNG (magic bytes): decoded with Pillow and re-encoded, which drops
  EXIF (GPS position, camera), text chunks and anything after the image; the
  EXIF orientation is applied first so the picture stays upright.
* PDF (``%PDF-``): parsed with pypdf (strict); refused when it is encrypted,
  broken, has no page, or holds active content anywhere - JavaScript, actions
  run on opening or on events (/OpenAction with JavaScript, /AA), /Launch,
  embedded files - looked for in every object, compressed object streams
  included, and in the raw bytes. Accepted PDFs are kept as they are.
* Anything else is refused. The name and the Content-Type are never looked at.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger is a decompression bomb or no document

# Keys whose presence makes a PDF active; /S values naming an action type that runs something.
ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"})
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute"})
# The same in the raw bytes outside stream data (a name ends at a delimiter or white space):
# catches objects a repairing viewer would find but the cross-reference table does not list.
STREAM_DATA = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
RAW_ACTIVE = re.compile(rb"/(?:JS|JavaScript|AA|Launch|EmbeddedFiles?|RichMedia|XFA)(?=[\s/<>\[\]()%{}]|$)")


class Refused(ValueError):
    """The file is not accepted; `code` is stable, `message` is for the citizen."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.status = status


WRONG_TYPE = Refused(
    "MATERIAL_TYPE_UNSUPPORTED", "只能上传 JPG、PNG 格式的照片或 PDF 文件，请换一个文件再试。", 415
)
EMPTY = Refused("MATERIAL_EMPTY", "文件内容为空，请重新选择文件。")
IMAGE_UNREADABLE = Refused(
    "MATERIAL_IMAGE_UNREADABLE", "这张图片无法识别，可能已损坏或不完整，请重新拍照或换一张图片上传。"
)
IMAGE_TOO_LARGE = Refused(
    "MATERIAL_IMAGE_TOO_LARGE", "图片尺寸过大，请用手机正常拍照，或缩小图片后再上传。"
)
PDF_ACTIVE = Refused(
    "MATERIAL_PDF_ACTIVE_CONTENT",
    "该PDF文件含有脚本、自动运行操作或嵌入的附件，出于安全考虑无法接收。请另存为普通PDF（或打印为PDF）后上传，也可以直接拍照上传。",
)
PDF_BROKEN = Refused("MATERIAL_PDF_BROKEN", "这个PDF文件已损坏或格式不正确，无法打开，请重新导出或扫描后上传。")
PDF_ENCRYPTED = Refused("MATERIAL_PDF_ENCRYPTED", "这个PDF文件设置了密码，工作人员无法查看，请上传未加密的文件。")


@dataclass(frozen=True)
class Accepted:
    media_type: str
    content: bytes


def sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def accept(data: bytes) -> Accepted:
    if not data:
        raise EMPTY
    kind = sniff(data)
    if kind is None:
        raise WRONG_TYPE
    if kind == PDF:
        check_pdf(data)
        return Accepted(PDF, data)
    return Accepted(kind, reencode_image(data, kind))


def reencode_image(data: bytes, kind: str) -> bytes:
    # (no warnings filter here: uploads run in threads, and filters are process-wide;
    # the pixel count is checked before any pixel is decoded)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("JPEG", "PNG"):
                raise WRONG_TYPE
            if probe.width * probe.height > MAX_PIXELS:
                raise IMAGE_TOO_LARGE
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            upright = ImageOps.exif_transpose(img)
    except Refused:
        raise
    except Image.DecompressionBombError:
        raise IMAGE_TOO_LARGE from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise IMAGE_UNREADABLE from None
    out = io.BytesIO()
    if kind == JPEG:
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(out, format="JPEG", quality=90)  # no exif=, no icc/comment: nothing but pixels
    else:
        upright.save(out, format="PNG", optimize=False)
    return out.getvalue()


def check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if RAW_ACTIVE.search(STREAM_DATA.sub(b"stream endstream", data)):
        raise PDF_ACTIVE
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise PDF_ENCRYPTED
        if len(reader.pages) < 1:
            raise PDF_BROKEN
        _check_objects(reader)
    except Refused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError):
        raise PDF_BROKEN from None


def _check_objects(reader) -> None:
    from pypdf.generic import IndirectObject

    seen: set[int] = set()
    roots = [reader.trailer]
    for gen, table in reader.xref.items():
        roots += [IndirectObject(num, gen, reader) for num in table]
    roots += [IndirectObject(num, 0, reader) for num in reader.xref_objStm]
    for root in roots:
        _walk(root, seen)


def _walk(obj, seen: set[int], depth: int = 0) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    if depth > 200:
        raise PDF_BROKEN
    if isinstance(obj, IndirectObject):
        key = id(obj.pdf), obj.idnum, obj.generation
        marker = hash(key)
        if marker in seen:
            return
        seen.add(marker)
        obj = obj.get_object()
        if obj is None:
            return
    if isinstance(obj, DictionaryObject):
        for name, value in obj.items():
            if str(name) in ACTIVE_KEYS:
                raise PDF_ACTIVE
            if str(name) == "/S" and isinstance(value, NameObject) and str(value) in ACTIVE_ACTIONS:
                raise PDF_ACTIVE
            _walk(value, seen, depth + 1)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            _walk(value, seen, depth + 1)

"""What an uploaded file is, judged from its content, and a safe name for it.

The name and the browser's Content-Type are the sender's word; the first bytes are the file's.
Only PDF, Word (.docx) and PNG/JPEG images are taken: everything else (programs, scripts,
macro-enabled Word, PDFs that run JavaScript or launch programs) is refused with a reason.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from pypdf import PdfReader
from pypdf.errors import PdfReadError

PDF, DOCX, PNG, JPEG = ("application/pdf",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        "image/png", "image/jpeg")
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", PNG: ".png", JPEG: ".jpg"}
WHAT_WE_TAKE = "a PDF, a Word document (.docx) or an image (PNG or JPEG)"
# A .docx is a zip: refuse one that would unpack past this (a zip bomb) ...
MAX_UNPACKED = 200 * 1024 * 1024
# ... or that carries macros or embedded programs.
_DOCX_REFUSED = re.compile(r"(vbaProject\.bin|\.(exe|dll|js|vbs|bat|cmd|ps1|msi|scr|jar))$",
                           re.IGNORECASE)
# Actions in a PDF that run something when it is opened or clicked.
_PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9 ._()-]+")


class Refused(ValueError):
    """The file is not one we take; the message says what to do instead."""


def _docx(content: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = archive.namelist()
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise Refused(f"The file is damaged: upload {WHAT_WE_TAKE}") from exc
    if "word/document.xml" not in names:
        raise Refused(f"The file is a zip archive, not a Word document: upload {WHAT_WE_TAKE}")
    if unpacked > MAX_UNPACKED or any(_DOCX_REFUSED.search(name) for name in names):
        raise Refused("The Word document contains macros or programs: save it as a plain "
                      ".docx or PDF and upload that")
    return DOCX


def _pdf(content: bytes) -> str:
    if any(marker in content for marker in _PDF_ACTIVE):
        raise Refused("The PDF contains scripts or attachments: print it to a new PDF and "
                      "upload that")
    try:
        reader = PdfReader(io.BytesIO(content))
        root = reader.trailer["/Root"]
        names = root.get("/Names") or {}
        opening = root.get("/OpenAction")
        opening = opening.get_object() if opening is not None else None
        # An opening view (a page to show, as most writers set) is harmless; an action other
        # than going to a page is not.
        acts = isinstance(opening, dict) and opening.get("/S") != "/GoTo"
        active = (acts or "/AA" in root
                  or any(k in names for k in ("/JavaScript", "/EmbeddedFiles")))
        pages = len(reader.pages)
    except (PdfReadError, KeyError, ValueError, TypeError) as exc:
        raise Refused(f"The PDF is damaged or cannot be read: upload {WHAT_WE_TAKE}") from exc
    if active:
        raise Refused("The PDF runs actions when opened: print it to a new PDF and upload that")
    if pages == 0:
        raise Refused("The PDF has no pages")
    return PDF


def media_type(content: bytes) -> str:
    """The file's type from its first bytes, or Refused saying what we take."""
    if content.startswith(b"%PDF-"):
        return _pdf(content)
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04"):
        return _docx(content)
    if not content:
        raise Refused("The file is empty")
    raise Refused(f"This type of file cannot be uploaded: upload {WHAT_WE_TAKE}")


def clean_name(name: str | None, kind: str) -> str:
    """A file name safe to store and offer for download: no folders, plain characters only,
    ending with the extension of what the file really is."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = _UNSAFE_NAME.sub("_", stem).strip(" ._-")[:100] or "document"
    return stem + EXTENSIONS[kind]

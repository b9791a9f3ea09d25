"""Small files of each kind, made here rather than kept as binaries."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

from fpdf import FPDF


def pdf(text: str = "A paper", pages: int = 1) -> bytes:
    out = FPDF(format="A4")
    out.set_compression(False)
    out.set_font("Helvetica", size=12)
    for number in range(pages):
        out.add_page()
        out.cell(0, 10, f"{text} page {number + 1}")
    return bytes(out.output())


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


def docx(extra: dict[str, bytes] | None = None, document: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if document:
            archive.writestr("word/document.xml", "<w:document/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode"


def upload(client, instance_id: str, content: bytes, field: str = "case_summary_document",
           name: str = "summary.pdf"):
    return client.client.post(f"/api/v1/process-instances/{instance_id}/documents",
                              headers=client.headers, content_type="multipart/form-data",
                              data={"field": field, "file": (io.BytesIO(content), name)})

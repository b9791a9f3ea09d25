"""Letters from templates in `letters/` (editable text, like the diagrams), made into PDF and
kept with the case."""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.engine.working_days import LONDON
from app.extensions import db
from app.models import Document, ProcessInstance, utcnow
from app.services import panels

# The PDF's built-in font covers Latin-1; anything else is shown as its nearest plain form.
_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                        "…": "..."})


def _environment() -> Environment:
    # Plain text for a PDF, never HTML: escaping would print "&amp;" in the letter.
    return Environment(loader=FileSystemLoader(Path(current_app.config["LETTERS_DIR"])),
                       undefined=StrictUndefined, keep_trailing_newline=True,
                       autoescape=False)  # noqa: S701


def render_text(template: str, context: dict) -> tuple[str, str]:
    """(title, body): the template's first line is the letter's title."""
    text = _environment().get_template(f"{template}.txt").render(**context)
    title, _, body = text.partition("\n")
    return title.strip(), body.strip() + "\n"


def to_pdf(title: str, body: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_compression(False)  # small files; their text stays searchable
    pdf.set_title(title)
    pdf.set_author(current_app.config.get("COUNCIL_NAME", "Children's Services"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, title.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1"))
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    plain = body.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")
    pdf.multi_cell(0, 6, plain)
    return bytes(pdf.output())


def make_letter(template: str, signed_by: str, values: dict | None = None) -> str:
    """What a diagram's `make_letter(...)` runs: the letter for the case whose step is
    running, kept with it; returns the document's id."""
    instance_id = panels.current_instance.get()
    instance = db.session.get(ProcessInstance, instance_id) if instance_id else None
    if instance is None:
        raise RuntimeError("make_letter() can only run within a case's step")
    today = utcnow().astimezone(LONDON).date()
    context = {"child": instance.subject or {}, "today": f"{today.day} {today:%B %Y}",
               "signed_by": signed_by, "council": current_app.config.get(
                   "COUNCIL_NAME", "Children's Services"), **(values or {})}
    title, body = render_text(template, context)
    document = Document(instance_id=instance.id, kind=template, title=title,
                        filename=f"{template}-{today.isoformat()}.pdf",
                        content=to_pdf(title, body))
    db.session.add(document)
    db.session.flush()
    return document.id


def for_instance(instance_id: str) -> list[Document]:
    return list(db.session.scalars(db.select(Document).where(
        Document.instance_id == instance_id).order_by(Document.created_at)))

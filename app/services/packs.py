"""A meeting's papers: each case's uploaded documents (late ones marked), read marks, and the
pack the panel's administrator publishes as one PDF.

The pack holds the agenda, each case's request in words (its forms' own titles, through
form_render.summarise) and its PDF papers in order. Carers' addresses are never printed in
it (a council was fined after a system printed a foster carer's address): any answer whose
field name or title speaks of a carer's address or postcode is left out.
"""
from __future__ import annotations

import io
import re
from collections.abc import Mapping

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from app.engine.working_days import LONDON
from app.extensions import db
from app.models import Document, Meeting, MeetingPack, PaperRead, TaskStatus, User, utcnow
from app.services import access, documents, forms, panels, storage, uploads
from app.services.errors import Forbidden, Invalid, NotFound
from app.web import form_render

PUBLISHERS = frozenset({"panel_administrator", "manager"})
_CARER = re.compile(r"carer", re.IGNORECASE)
_ADDRESS = re.compile(r"address|postcode|post code", re.IGNORECASE)
_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                        "…": "...", "£": "GBP "})


def _carer_address(*words: str) -> bool:
    text = " ".join(words)
    return bool(_CARER.search(text) and _ADDRESS.search(text))


def without_carer_addresses(schema: Mapping, data: Mapping, within: str = "") -> dict:
    """The answers less any about a carer's address, at any depth ("carer": {"address"}
    counts: the words may be split between a group and its field)."""
    props = (schema or {}).get("properties") or {}
    kept = {}
    for key, value in (data or {}).items():
        prop = props.get(key) if isinstance(props.get(key), dict) else {}
        words = f"{within} {key} {prop.get('title', '')}"
        if _carer_address(words):
            continue
        if isinstance(value, dict):
            value = without_carer_addresses(prop, value, words)
        elif isinstance(value, list) and isinstance(prop.get("items"), dict):
            value = [without_carer_addresses(prop["items"], v, words) if isinstance(v, dict)
                     else v for v in value]
        kept[key] = value
    return kept


def _late(document: Document, meeting: Meeting) -> bool:
    return document.created_at > meeting.submission_deadline


def papers(user: User, meeting: Meeting) -> list[dict]:
    """The agenda the user may see, each case with its current uploads (late ones marked)
    and whether the user has read it."""
    rows = panels.agenda(user, meeting)
    read = set(db.session.scalars(db.select(PaperRead.instance_id).where(
        PaperRead.meeting_id == meeting.id, PaperRead.username == user.username)))
    for row in rows:
        row["documents"] = [{"document": d, "late": _late(d, meeting)} for d in
                            documents.for_instance(row["instance"].id, uploads_only=True,
                                                   current_only=True)]
        row["read"] = row["instance"].id in read
    return rows


def mark_read(user: User, meeting: Meeting, instance_id: str) -> None:
    if instance_id not in {i.instance_id for i in meeting.items} or not access.can_see(
            user, instance_id):
        raise NotFound("No such case on this meeting")
    if db.session.scalar(db.select(PaperRead).where(
            PaperRead.meeting_id == meeting.id, PaperRead.instance_id == instance_id,
            PaperRead.username == user.username)) is None:
        db.session.add(PaperRead(meeting_id=meeting.id, instance_id=instance_id,
                                 username=user.username))


def latest_pack(meeting: Meeting) -> MeetingPack | None:
    return db.session.scalar(db.select(MeetingPack).where(MeetingPack.meeting_id == meeting.id)
                             .order_by(MeetingPack.version.desc()).limit(1))


def may_open(user: User, pack: MeetingPack) -> bool:
    """Only someone who may see every case in the pack."""
    return access.sees_whole_agenda(user) or all(access.can_see(user, i)
                                                  for i in pack.instance_ids)


def _text(value: str) -> str:
    return value.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class _Pages:
    def __init__(self, title: str):
        self.pdf = FPDF(format="A4")
        self.pdf.set_compression(False)  # its text stays searchable, and testable
        self.pdf.set_title(_text(title))

    def heading(self, text: str, size: int = 14) -> None:
        self.pdf.set_font("Helvetica", "B", size)
        self.pdf.multi_cell(0, 8, _text(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)

    def line(self, text: str, bold: bool = False) -> None:
        self.pdf.set_font("Helvetica", "B" if bold else "", 10)
        self.pdf.multi_cell(0, 5, _text(text), new_x="LMARGIN", new_y="NEXT")

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _request_rows(instance) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each completed step's answers in words, oldest first, carers' addresses left out."""
    done = sorted((t for t in instance.tasks if t.status == TaskStatus.COMPLETED),
                  key=lambda t: t.completed_at)
    sections = []
    for task in done:
        schema, ui = forms.task_form(task), forms.task_form(task, ui=True)
        rows = form_render.summarise(
            schema, without_carer_addresses(schema, task.submitted_data or {}), ui)
        if rows:
            sections.append((task.title, rows))
    return sections


def build(meeting: Meeting, rows: list[dict]) -> bytes:
    """The pack: agenda, then per case its request in words and its PDF papers."""
    when = meeting.starts_at.astimezone(LONDON)
    cover = _Pages(f"{meeting.panel.name}: papers for {when:%-d %B %Y}")
    cover.pdf.add_page()
    cover.heading(f"{meeting.panel.name}: {when:%A %-d %B %Y}, {when:%H:%M}", 16)
    cover.heading("Agenda", 12)
    for row in rows:
        subject = without_carer_addresses({}, row["subject"])
        cover.line(f"{row['slot'].astimezone(LONDON):%H:%M}  {subject.get('name', '')} "
                   f"({subject.get('child_ref', '')}): {row['item'].kind.replace('_', ' ')}")
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover.output())))
    for row in rows:
        subject = without_carer_addresses({}, row["subject"])
        page = _Pages("Request")
        page.pdf.add_page()
        page.heading(f"{subject.get('name', '')} ({subject.get('child_ref', '')})")
        for title, answers in _request_rows(row["instance"]):
            page.heading(title, 12)
            for label, text in answers:
                if _carer_address(label):
                    continue
                page.line(label, bold=True)
                page.line(text)
                page.pdf.ln(1)
        page.heading("Papers", 12)
        attached = []
        for entry in row["documents"]:
            document = entry["document"]
            late = " (late: after the papers deadline)" if entry["late"] else ""
            included = document.media_type == uploads.PDF
            page.line(f"{document.title}: {document.filename}{late}"
                      + ("" if included else " - not a PDF: read it on the Papers page"))
            if included:
                attached.append(document)
        writer.append(PdfReader(io.BytesIO(page.output())))
        for document in attached:
            writer.append(PdfReader(io.BytesIO(documents.read(document))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def publish(user: User, meeting: Meeting) -> MeetingPack:
    """Make and keep the meeting's pack (a new version each time it is published)."""
    if not user.role_keys & PUBLISHERS:
        raise Forbidden("Only the panel's administrator publishes its pack")
    rows = papers(user, meeting)
    if not rows:
        raise Invalid("No cases are listed for this meeting, so there is no pack to publish")
    content = build(meeting, rows)
    before = latest_pack(meeting)
    pack = MeetingPack(meeting_id=meeting.id, version=before.version + 1 if before else 1,
                       size=len(content), instance_ids=[r["instance"].id for r in rows],
                       published_by=user.username, published_at=utcnow(), storage_key="")
    db.session.add(pack)
    db.session.flush()
    pack.storage_key = f"packs/{meeting.id}/{pack.id}.pdf"
    storage.store().put(pack.storage_key, content, uploads.PDF)
    return pack


def read_pack(pack: MeetingPack) -> bytes:
    return storage.store().get(pack.storage_key)

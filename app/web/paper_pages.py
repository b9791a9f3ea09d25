"""A meeting's papers for members: each case's documents and the pack, and read marks."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for

from app import audit
from app.extensions import db
from app.models import Meeting, ProcessInstance
from app.security import signed_in_user
from app.services import packs
from app.services.errors import NotFound, ServiceError
from app.web.sessions import page_login_required

bp = Blueprint("paper_pages", __name__)


def _found(meeting_id: str) -> Meeting:
    found = db.session.get(Meeting, meeting_id)
    if found is None:
        abort(404)
    return found


@bp.get("/meetings/<meeting_id>/papers")
@page_login_required
def papers(meeting_id: str):
    user, found = signed_in_user(), _found(meeting_id)
    rows = packs.papers(user, found)
    audit.note_list(f"papers:{found.id}", (row["instance"].child_ref for row in rows))
    pack = packs.latest_pack(found)
    return render_template("web/papers.html", meeting=found, panel=found.panel, rows=rows,
                           pack=pack if pack and packs.may_open(user, pack) else None,
                           may_publish=bool(user.role_keys & packs.PUBLISHERS))


@bp.post("/meetings/<meeting_id>/papers/publish")
@page_login_required
def publish(meeting_id: str):
    user, found = signed_in_user(), _found(meeting_id)
    if not user.role_keys & packs.PUBLISHERS:
        abort(403)
    try:
        pack = packs.publish(user, found)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("paper_pages.papers", meeting_id=meeting_id))
    flash(f"The pack is published (version {pack.version}).", "success")
    return redirect(url_for("paper_pages.papers", meeting_id=meeting_id))


@bp.get("/meetings/<meeting_id>/pack.pdf")
@page_login_required
def pack(meeting_id: str):
    user, found = signed_in_user(), _found(meeting_id)
    latest = packs.latest_pack(found)
    if latest is None or not packs.may_open(user, latest):
        abort(404)
    # Opening the pack reads every child's papers in it: each is recorded.
    for instance in db.session.scalars(db.select(ProcessInstance).where(
            ProcessInstance.id.in_(latest.instance_ids))):
        audit.note("meeting_pack", latest.id, instance.child_ref)
    return Response(packs.read_pack(latest), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="pack-{found.scheduled_on}.pdf"'})


@bp.post("/meetings/<meeting_id>/papers/<instance_id>/read")
@page_login_required
def mark_read(meeting_id: str, instance_id: str):
    user, found = signed_in_user(), _found(meeting_id)
    try:
        packs.mark_read(user, found, instance_id)
    except NotFound:
        abort(404)
    db.session.commit()
    return redirect(url_for("paper_pages.papers", meeting_id=meeting_id))

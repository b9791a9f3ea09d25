"""Information governance's pages (issue 20, part 5): the cases past their retention rule,
deleted only after an administrator selects them and confirms (GOV.UK's pattern for a
destructive action), and the subject access export of everything held about one child."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from app import audit
from app.models import User
from app.security import signed_in_user
from app.services import retention
from app.services.errors import NotFound
from app.web import subject_access
from app.web.display import long_date
from app.web.sessions import page_login_required

bp = Blueprint("retention_pages", __name__)
NONE_CHOSEN = {"instance_ids": ["Select the cases whose records you want to delete"]}


def menu(user: User) -> list[tuple[str, str]]:
    items = [("retention_pages.index", "Retention")] if retention.may_delete(user) else []
    if subject_access.may_export(user):
        items.append(("retention_pages.subject_access_page", "Subject access"))
    return items


def _deleter() -> User:
    user = signed_in_user()
    if not retention.may_delete(user):
        abort(403)
    return user


def _exporter() -> User:
    user = signed_in_user()
    if not subject_access.may_export(user):
        abort(403)
    return user


def _due(errors: dict | None = None, status: int = 200):
    rows = retention.due_list()
    audit.note_list("retention_due", [row["child_ref"] for row in rows])
    return render_template("retention/index.html", rows=rows, errors=errors or {},
                           long_date=long_date, traces=retention.trace_counts()), status


def _chosen(rows: list[dict]) -> list[dict]:
    wanted = set(request.form.getlist("instance_ids"))
    return [row for row in rows if row["instance_id"] in wanted]


@bp.get("/admin/retention")
@page_login_required
def index():
    _deleter()
    return _due()


@bp.post("/admin/retention/confirm")
@page_login_required
def confirm():
    """The check before deleting: what goes, what stays, and the cases chosen."""
    _deleter()
    chosen = _chosen(retention.due_list())
    if not chosen:
        return _due(NONE_CHOSEN, 422)
    audit.note_list("retention_due", [row["child_ref"] for row in chosen])
    return render_template("retention/confirm.html", rows=chosen, long_date=long_date)


@bp.post("/admin/retention/delete")
@page_login_required
def delete():
    actor = _deleter()
    chosen = _chosen(retention.due_list())
    if not chosen:
        return _due(NONE_CHOSEN, 422)
    deleted = retention.delete(actor, [row["instance_id"] for row in chosen])
    count = len(deleted)
    flash(f"Deleted the records of {count} case{'' if count == 1 else 's'}; an anonymised "
          "trace of each is kept for statistics", "success")
    return redirect(url_for("retention_pages.index"))


@bp.get("/admin/subject-access")
@page_login_required
def subject_access_page():
    _exporter()
    child_ref = (request.args.get("child_ref") or "").strip()[:80]
    errors, cases, events = {}, [], []
    if "child_ref" in request.args:
        if not child_ref:
            errors = {"child_ref": ["Enter the child's reference"]}
        else:
            cases = subject_access.cases_of(child_ref)
            events = subject_access.audit_of(child_ref)
            audit.note_list("subject_access", [child_ref])
            if not (cases or events):
                errors = {"child_ref": [f"Nothing is held about a child with reference "
                                        f"{child_ref}"]}
    return render_template("retention/subject_access.html", child_ref=child_ref,
                           errors=errors, cases=cases, events=events, long_date=long_date,
                           status_words=subject_access.STATUS_WORDS), 422 if errors else 200


@bp.get("/admin/subject-access/export")
@page_login_required
def subject_access_export():
    user = _exporter()
    child_ref = (request.args.get("child_ref") or "").strip()[:80]
    try:
        content = subject_access.export(user, child_ref)
    except NotFound:
        abort(404)
    name = "".join(c if c.isalnum() else "-" for c in child_ref)
    return Response(content, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="subject-access-{name}.zip"'})

"""The audit trail in the browser, for auditors: who viewed or changed which child's record
(or saw them on a list), searchable by child, person and dates, with a CSV of the same."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request

from app.engine.working_days import LONDON
from app.extensions import db
from app.models import AuditEvent, User
from app.security import signed_in_user
from app.web.csv_export import csv_response
from app.web.sessions import page_login_required

bp = Blueprint("audit_pages", __name__)
AUDITOR_ROLE = "auditor"
PER_PAGE = 50
MAX_EXPORT = 10000
ACTIONS = {"view": "Viewed", "change": "Changed", "refused": "Refused"}


def is_auditor(user: User | None) -> bool:
    return user is not None and AUDITOR_ROLE in user.role_keys


def _auditor() -> User:
    user = signed_in_user()
    if not is_auditor(user):
        abort(403)
    return user


def _date(name: str, errors: dict[str, str]) -> tuple[date | None, dict]:
    """A GOV.UK date input's parts (UK order) as a date; the typed parts are kept."""
    parts = {p: (request.args.get(f"{name}-{p}") or "").strip() for p in ("day", "month", "year")}
    if not any(parts.values()):
        return None, parts
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), parts
    except ValueError:
        errors[name] = "Enter a real date, for example 27 3 2026"
        return None, parts


def _filters() -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    since, since_parts = _date("from", errors)
    until, until_parts = _date("to", errors)
    if since and until and until < since:
        errors["to"] = "The end date must be the same as or after the start date"
    return {"child": (request.args.get("child") or "").strip(),
            "person": (request.args.get("person") or "").strip(),
            "action": request.args.get("action") if request.args.get("action") in ACTIONS
            else "", "since": since, "until": until,
            "parts": {"from": since_parts, "to": until_parts}}, errors


def _query(f: dict):
    query = db.select(AuditEvent)
    if f["child"]:
        # The child's own record, or a list that showed them (audit.note_list).
        on_list = sa.cast(AuditEvent.detail, sa.String).like(f'%"{f["child"]}"%')
        query = query.where(sa.or_(AuditEvent.child_ref == f["child"], on_list))
    if f["person"]:
        term = f"%{f['person']}%"
        query = query.where(sa.or_(AuditEvent.actor == f["person"], AuditEvent.actor.in_(
            db.select(User.username).where(User.display_name.ilike(term)))))
    if f["action"]:
        query = query.where(AuditEvent.action == f["action"])
    if f["since"]:
        query = query.where(AuditEvent.at >= datetime.combine(f["since"], time(), LONDON))
    if f["until"]:
        query = query.where(AuditEvent.at < datetime.combine(
            f["until"] + timedelta(days=1), time(), LONDON))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _what(event: AuditEvent) -> str:
    if event.object_type == "case_list":
        children = (event.detail or {}).get("children") or []
        return f"A list of {len(children)} case{'' if len(children) == 1 else 's'}"
    kind = {"instance": "Case", "task": "Task", "user": "Person", "team": "Team",
            "process_model": "Pathway", "form": "Form", "document": "Document",
            "retention_deletion": "Case deleted under its retention rule",
            "subject_access": "Subject access export"}
    return kind.get(event.object_type, event.object_type.replace("_", " ").capitalize())


def _rows(events: list[AuditEvent]) -> list[dict]:
    names = {u.username: u.display_name for u in db.session.scalars(db.select(User).where(
        User.username.in_({e.actor for e in events if e.actor})))}
    return [{"at": e.at.astimezone(LONDON), "who": names.get(e.actor, e.actor or "Not signed in"),
             "action": ACTIONS.get(e.action, e.action), "what": _what(e),
             "child": e.child_ref or ", ".join((e.detail or {}).get("children", [])[:5]),
             "path": e.path, "address": e.address or "", "status": e.status} for e in events]


@bp.get("/audit")
@page_login_required
def index():
    _auditor()
    f, errors = _filters()
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    rows, total = [], 0
    if not errors:
        query = _query(f)
        total = db.session.scalar(db.select(sa.func.count()).select_from(
            query.order_by(None).subquery()))
        rows = _rows(list(db.session.scalars(query.limit(PER_PAGE).offset(
            (page - 1) * PER_PAGE))))
    args = {k: v for k, v in request.args.items() if k != "page"}
    summary = [{"href": f"#{name}-day", "text": message} for name, message in errors.items()]
    return render_template("web/audit.html", f=f, errors=errors, rows=rows, total=total,
                           page=page, pages=max(1, -(-total // PER_PAGE)), args=args,
                           actions=ACTIONS, summary=summary), 422 if errors else 200


@bp.get("/audit.csv")
@page_login_required
def export():
    _auditor()
    f, errors = _filters()
    if errors:
        abort(400)
    events = list(db.session.scalars(_query(f).limit(MAX_EXPORT)))
    return csv_response(
        ["when", "who", "username", "action", "what", "child", "path", "address", "status"],
        ([row["at"].isoformat(), row["who"], event.actor or "", row["action"], row["what"],
          event.child_ref or ";".join((event.detail or {}).get("children", [])),
          row["path"], row["address"], row["status"]]
         for event, row in zip(events, _rows(events), strict=True)), "audit-trail")

"""A practitioner follows their own work: the requests they started and the steps they did,
each with where the case is now, who holds it, its next panel and the panel's decision."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from app import audit
from app.extensions import db
from app.models import HumanTask, MeetingItem, ProcessInstance, TaskStatus, User
from app.security import signed_in_user
from app.services import access, deployment, panels
from app.web.display import long_date
from app.web.sessions import page_login_required

bp = Blueprint("my_work", __name__)
VIEWS = {"started": "Started by me", "done": "Done by me"}
LIMIT = 100


def _instances(user: User, view: str) -> list[ProcessInstance]:
    query = db.select(ProcessInstance).where(access.visible_instances(user))
    if view == "started":
        query = query.where(ProcessInstance.started_by == user.username)
    else:
        query = query.where(ProcessInstance.id.in_(db.select(HumanTask.instance_id).where(
            HumanTask.completed_by == user.username)))
    return list(db.session.scalars(query.order_by(ProcessInstance.updated_at.desc(),
                                                  ProcessInstance.id).limit(LIMIT)))


def _decisions(ids: list[str]) -> dict[str, dict]:
    """Each case's latest panel decision."""
    latest: dict[str, dict] = {}
    for item in db.session.scalars(db.select(MeetingItem).where(
            MeetingItem.instance_id.in_(ids), MeetingItem.decision.is_not(None))
            .order_by(MeetingItem.listed_at)):
        latest[item.instance_id] = item.decision
    return latest


def _rows(user: User, view: str) -> list[dict]:
    found = _instances(user, view)
    ids = [i.id for i in found]
    names = {v.key: v.name for v in deployment.all_latest()}
    holders = {u.username: u.display_name for u in db.session.scalars(db.select(User).where(
        User.username.in_({t.assignee for i in found for t in i.tasks if t.assignee})))}
    listings, decisions = panels.current_listings(ids), _decisions(ids)
    rows = []
    for instance in found:
        ready = [t for t in instance.tasks if t.status == TaskStatus.READY]
        listing = listings.get(instance.id)
        decision = decisions.get(instance.id) or {}
        rows.append({
            "instance": instance, "child": (instance.subject or {}).get("name", ""),
            "child_ref": instance.child_ref or "",
            "pathway": names.get(instance.process_key, instance.process_key),
            "step": "; ".join(t.title for t in ready) or instance.status.capitalize(),
            "holder": "; ".join(holders.get(t.assignee, t.assignee) if t.assignee else
                                "Not yet claimed" for t in ready),
            "panel": long_date(listing.meeting.starts_at) if listing else "",
            "decision": str(decision.get("outcome", "")).replace("_", " ").capitalize(),
        })
    return rows


@bp.get("/my-work")
@page_login_required
def index():
    user = signed_in_user()
    view = request.args.get("view", "started")
    view = view if view in VIEWS else "started"
    rows = _rows(user, view)
    # A list viewed, not a view of each child on it (their cases' pages record that).
    audit.note_list(f"my-work:{view}", (row["child_ref"] for row in rows))
    return render_template("web/my_work.html", views=VIEWS, view=view, rows=rows, limit=LIMIT)

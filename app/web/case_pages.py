"""Cases for managers: every case they may see, where it waits and for how long, and a case's
page with its history and the manager's actions (reassign, suspend, resume, terminate)."""
from __future__ import annotations

from datetime import date, datetime, time

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from SpiffWorkflow.util.task import TaskState

from app import audit
from app.engine import workflows
from app.engine.working_days import LONDON
from app.extensions import db
from app.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    Role,
    TaskStatus,
    Team,
    User,
    utcnow,
)
from app.security import signed_in_user
from app.services import access, deployment, documents, instances, panels, progress, tasks
from app.services.errors import NotFound, ServiceError
from app.web import allocation_pages, repair_pages
from app.web.csv_export import csv_response
from app.web.display import deadline, long_date, summary_items
from app.web.sessions import page_login_required
from app.web.task_pages import _gathered, _names, _story

bp = Blueprint("case_pages", __name__)
PER_PAGE = 25
MAX_EXPORT = 5000
CASE_ROLES = access.ASSIGNER_ROLES | access.OVERSIGHT_ROLES | access.PANEL_ROLES


def sees_cases(user: User) -> bool:
    return bool(user.role_keys & CASE_ROLES)


def _reader() -> User:
    user = signed_in_user()
    if not user.role_keys & CASE_ROLES:
        abort(403)
    return user


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _typed_date(name: str, legend: str, errors: dict[str, str]) -> tuple[date | None, dict]:
    """A filter date typed in UK order (day, month, year inputs); the typed parts are kept.
    An address made before that (?started_from=2026-11-01) still works."""
    parts = {p: (request.args.get(f"{name}-{p}") or "").strip() for p in ("day", "month", "year")}
    if not any(parts.values()):
        old = _day(request.args.get(name))
        if old:
            parts = {"day": str(old.day), "month": str(old.month), "year": str(old.year)}
        return old, parts
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), parts
    except ValueError:
        errors[name] = f"{legend} must be a real date"
        return None, parts


def _filters() -> dict:
    errors: dict[str, str] = {}
    since, since_parts = _typed_date("started_from", "Started from", errors)
    until, until_parts = _typed_date("started_to", "Started up to", errors)
    if since and until and until < since:
        errors["started_to"] = "Started up to must be the same as or after Started from"
    return {"errors": errors, "parts": {"started_from": since_parts, "started_to": until_parts},
            "started_from": since, "started_to": until,
            **_choices()}


def _choices() -> dict:
    return {"pathway": request.args.get("pathway") or None,
            "status": request.args.get("status") if request.args.get("status") in
            InstanceStatus.ALL else None,
            "overdue": request.args.get("overdue") == "1",
            "child_ref": (request.args.get("child_ref") or "").strip() or None,
            "assignee": (request.args.get("assignee") or "").strip() or None,
            "team": (request.args.get("team") or "").strip() or None}


def _query(user: User, f: dict):
    query = instances.query_visible(user, f["pathway"], f["status"], f["child_ref"], f["overdue"],
                                    f["team"])
    if f["assignee"]:
        query = query.where(ProcessInstance.id.in_(db.select(HumanTask.instance_id).where(
            HumanTask.status == TaskStatus.READY, HumanTask.assignee == f["assignee"])))
    if f["started_from"]:
        query = query.where(ProcessInstance.started_at >= datetime.combine(
            f["started_from"], time(0), LONDON))
    if f["started_to"]:
        query = query.where(ProcessInstance.started_at < datetime.combine(
            f["started_to"], time(23, 59, 59), LONDON))
    return query


def _row(instance: ProcessInstance, names: dict[str, str], holders: dict[str, str],
         listing) -> dict:
    ready = [t for t in instance.tasks if t.status == TaskStatus.READY]
    since = min((t.created_at for t in ready), default=None)
    due = min((t.due_at for t in ready if t.due_at), default=None)
    return {
        "instance": instance, "pathway": names.get(instance.process_key, instance.process_key),
        "child": (instance.subject or {}).get("name", ""), "child_ref": instance.child_ref or "",
        "steps": "; ".join(t.title for t in ready) or instance.status.capitalize(),
        "holder": "; ".join(holders.get(t.assignee, t.assignee) if t.assignee
                            else f"{(t.role or '').replace('_', ' ')} (unclaimed)" for t in ready),
        "days": (utcnow() - since).days if since else None, "due": deadline(due),
        "due_at": due, "panel": listing.meeting.starts_at if listing else None,
        "status": instance.status}


def _rows(user: User, f: dict, page: int, per_page: int) -> tuple[list[dict], int]:
    query = _query(user, f)
    total = db.session.scalar(db.select(db.func.count()).select_from(
        query.order_by(None).subquery()))
    found = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    names = {v.key: v.name for v in deployment.all_latest()}
    holders = _names({t.assignee for i in found for t in i.tasks if t.assignee})
    audit.note_list("cases", (i.child_ref for i in found))
    listings = panels.current_listings([i.id for i in found])
    return [_row(i, names, holders, listings.get(i.id)) for i in found], total


@bp.get("/cases")
@page_login_required
def index():
    user = _reader()
    f = _filters()
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    rows, total = _rows(user, f, page, PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("web/cases.html", rows=rows, total=total, page=page,
                           errors=f["errors"], summary=summary_items(f["errors"]),
                           pages=max(1, -(-total // PER_PAGE)), f=f, args=args,
                           pathways={v.key: v.name for v in deployment.all_latest()},
                           statuses=InstanceStatus.ALL, teams=_teams(user))


def _teams(user: User) -> list[str]:
    """The teams of the cases the user may see, for the filter."""
    return list(db.session.scalars(
        db.select(ProcessInstance.team).where(access.visible_instances(user),
                                              ProcessInstance.team.is_not(None))
        .distinct().order_by(ProcessInstance.team)))


@bp.get("/cases.csv")
@page_login_required
def export():
    user = _reader()
    rows, _total = _rows(user, _filters(), 1, MAX_EXPORT)
    header = ["case", "child_ref", "child", "pathway", "team", "status", "current step",
              "held by", "days at this step", "due", "next panel"]
    return csv_response(header, ([
        r["instance"].id, r["child_ref"], r["child"], r["pathway"], r["instance"].team or "",
        r["status"], r["steps"], r["holder"], "" if r["days"] is None else r["days"],
        r["due_at"].isoformat() if r["due_at"] else "",
        r["panel"].astimezone(LONDON).date().isoformat() if r["panel"] else ""]
        for r in rows), "cases")


def _case(user: User, instance_id: str) -> ProcessInstance:
    try:
        return instances.get_visible(user, instance_id)
    except NotFound:
        abort(404)


@bp.get("/cases/<instance_id>")
@page_login_required
def case(instance_id: str):
    # Anyone who may see the case reads its page (a social worker follows what they
    # started); what they may do on it is decided below and by each action.
    user = signed_in_user()
    instance = _case(user, instance_id)
    ready = [t for t in instance.tasks if t.status == TaskStatus.READY]
    # Only people who may be handed the step: its role, the case's team for team-bound
    # roles, never someone it must be kept apart from.
    candidates = {t.id: [person for person in db.session.scalars(
        db.select(User).where(User.active, User.roles.any(Role.key == t.role))
        .order_by(User.display_name)) if access.may_be_assigned(person, t) is None]
        for t in ready}
    listing = panels.current_listing(instance.id)
    pathway = deployment.latest_version(instance.process_key)
    return render_template(
        "web/case.html", instance=instance, ready=ready, candidates=candidates,
        pathway=pathway.name if pathway else instance.process_key,
        holders=_names({t.assignee for t in ready if t.assignee} | {instance.started_by}),
        listing=listing, team_name=_team_name(instance.team),
        story=_story(instance), gathered=_gathered(instance, ""),
        documents=documents.for_instance(instance.id, current_only=True),
        can_assign=access.can_assign(user) and (access.manages(user, instance)
                                                or access.oversees(user)),
        teams=[t for t in instances.teams() if t != instance.team]
        if access.can_move_team(user, instance) else [],
        can_control=access.can_control_instances(user), long_date=long_date, deadline=deadline,
        repair=repair_pages.context(user, instance),
        **allocation_pages.context(user, instance))


def _team_name(key: str | None) -> str | None:
    team = db.session.get(Team, key) if key else None
    return team.name if team else key


def _done(message: str, instance_id: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("case_pages.case", instance_id=instance_id))


def _failed(exc: ServiceError, instance_id: str):
    db.session.rollback()
    if exc.status == 404:
        abort(404)
    if exc.status == 403:
        abort(403)
    flash(exc.message, "error")
    return redirect(url_for("case_pages.case", instance_id=instance_id))


def _confirm(instance: ProcessInstance, heading: str, explain: list[str], button: str,
             fields: dict, warning: bool = False):
    """Ask before an action that changes who does a child's work or ends a case (GOV.UK:
    confirm before destructive actions); the same form posted again with `confirmed`."""
    return render_template(
        "web/confirm.html", heading=heading, explain=explain, button=button, fields=fields,
        warning=warning, action=request.path,
        caption=f"{(instance.subject or {}).get('name', '')} {instance.child_ref or ''}".strip(),
        back=url_for("case_pages.case", instance_id=instance.id))


def _confirmed() -> bool:
    return request.form.get("confirmed") == "1"


@bp.post("/cases/<instance_id>/tasks/<task_id>/assign")
@page_login_required
def assign(instance_id: str, task_id: str):
    user = _reader()
    instance = _case(user, instance_id)
    if not _confirmed():
        if not (access.can_assign(user) and (access.manages(user, instance)
                                             or access.oversees(user))):
            abort(403)
        task = next((t for t in instance.tasks if t.id == task_id), None)
        if task is None:
            abort(404)
        username = request.form.get("username", "")
        name = _names({username}).get(username, username)
        holder = _names({task.assignee}).get(task.assignee) if task.assignee else None
        return _confirm(instance, f"Give “{task.title}” to {name}?",
                        [f"It is now {'with ' + holder if holder else 'not claimed'}. "
                         f"It will be in {name}'s inbox, and the case's history will say you "
                         "moved it."], f"Yes, give it to {name}", {"username": username})
    try:
        task = tasks.assign(user, task_id, request.form.get("username", ""))
    except ServiceError as exc:
        return _failed(exc, instance_id)
    return _done(f"“{task.title}” is now with {_names({task.assignee}).get(task.assignee)}. "
                 "It is in their inbox.", instance_id)


@bp.post("/cases/<instance_id>/<action>")
@page_login_required
def control(instance_id: str, action: str):
    user = _reader()
    reason = (request.form.get("reason") or "").strip() or None
    try:
        if action == "suspend":
            instances.suspend(user, instance_id, reason)
        elif action == "resume":
            instances.resume(user, instance_id)
        elif action == "retry":
            instances.retry(user, instance_id)
        elif action == "team":
            if not _confirmed():
                return _confirm_move(user, instance_id, request.form.get("team") or "")
            instance = instances.change_team(user, instance_id, request.form.get("team"))
            db.session.commit()
            flash(f"The case is now with {instance.team}.", "success")
            still_seen = db.session.scalar(db.select(ProcessInstance.id).where(
                ProcessInstance.id == instance_id, access.visible_instances(user)))
            return redirect(url_for("case_pages.case", instance_id=instance_id) if still_seen
                            else url_for("case_pages.index"))
        elif action == "terminate":
            if not reason:
                flash("Enter the reason for ending the case.", "error")
                return redirect(url_for("case_pages.case", instance_id=instance_id))
            if not _confirmed():
                return _confirm_end(user, instance_id, reason)
            instances.terminate(user, instance_id, reason)
        else:
            abort(404)
    except ServiceError as exc:
        return _failed(exc, instance_id)
    return _done({"suspend": "The case is suspended.", "resume": "The case is running again.",
                  "retry": "The case is running again: the step that failed can be tried "
                           "again (its answers are kept as a draft).",
                  "terminate": "The case has ended."}[action], instance_id)


def _confirm_move(user: User, instance_id: str, team: str):
    instance = _case(user, instance_id)
    if not access.can_move_team(user, instance):
        abort(403)
    return _confirm(instance, f"Move this case to {team}?",
                    [f"{team}'s managers will see the case from then on, and its open steps "
                     "will be offered in that team. Who holds each step does not change."],
                    "Yes, move the case", {"team": team})


def _confirm_end(user: User, instance_id: str, reason: str):
    instance = _case(user, instance_id)
    if not access.can_control_instances(user):
        abort(403)
    return _confirm(instance, "End this case?",
                    ["Every open step will be withdrawn and the case will stop. This cannot "
                     "be undone: to carry on, someone would have to start a new request.",
                     f"Reason: {reason}"], "Yes, end the case", {"reason": reason},
                    warning=True)


@bp.get("/cases/<instance_id>/diagram.bpmn")
@page_login_required
def diagram_xml(instance_id: str):
    """The diagram of the version this case runs on."""
    instance = _case(signed_in_user(), instance_id)
    return Response(instance.model_version.bpmn_xml, mimetype="application/xml")


@bp.get("/cases/<instance_id>/diagram.json")
@page_login_required
def diagram_state(instance_id: str):
    """Where the case is on its diagram: how often each element has run, what waits now."""
    instance = _case(signed_in_user(), instance_id)
    return jsonify(progress_on_diagram(instance))


def progress_on_diagram(instance: ProcessInstance) -> dict:
    workflow, _model = progress.load(instance)
    # Counted from history: the stored tree keeps only what the engine still needs. A case
    # last saved before that adds what its tree has not yet handed to history.
    done = progress.elements_done(instance.id)
    for element, times in workflows.newly_done(workflow).items():
        done[element] = done.get(element, 0) + times
    current: list[str] = []
    for task in workflow.get_tasks():
        element = task.task_spec.bpmn_id
        if element and task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            current.append(element)
    return {"done": done, "current": sorted(set(current)),
            "error": instance.status == InstanceStatus.ERROR, "status": instance.status}

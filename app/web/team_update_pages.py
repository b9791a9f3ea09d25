"""A team's one update for a meeting: every family of the team listed on it, each with its own
form, on one page; saved as drafts per family and submitted together (team_updates.py)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Meeting
from app.security import signed_in_user
from app.services import forms, team_updates
from app.services.errors import Forbidden, Invalid, NotFound, ServiceError
from app.web import form_render
from app.web.display import deadline, long_date
from app.web.form_sections import opening_values
from app.web.sessions import page_login_required

bp = Blueprint("team_update_pages", __name__)


def link_for(task) -> dict | None:
    """For a step's own page: its team's update for the meeting, where it is given with the
    team's other families ({"href", "when"}), or None when the step is not gathered."""
    key = team_updates.group_key(signed_in_user(), task)
    if key is None:
        return None
    meeting = db.session.get(Meeting, key[0])
    return {"href": url_for("team_update_pages.team_update", meeting_id=key[0], team=key[1]),
            "when": long_date(meeting.starts_at)}


def _update(user, meeting_id: str) -> team_updates.TeamUpdate:
    try:
        return team_updates.team_update(user, meeting_id, request.args.get("team"))
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)


def _own_inputs(form: MultiDict, task_id: str) -> MultiDict:
    """One family's inputs: its fields are named "<task id>.<field>" on the page."""
    prefix = task_id + "."
    return MultiDict([(k[len(prefix):], v) for k, v in form.items(multi=True)
                      if k.startswith(prefix)])


def _family(task, values: dict, errors: dict) -> dict:
    """One family's section: its own form, its fields named under its task's id."""
    schema, ui = forms.task_form(task), forms.task_form(task, ui=True)
    name = (task.subject or {}).get("name") or "This family"
    ref = (task.subject or {}).get("child_ref")
    wrapper = {"type": "object", "properties": {task.id: {**schema,
                                                          "title": f"Update for {name}"}}}
    raw = {f"{task.id}.{k}": v for k, v in values.items() if isinstance(v, str)}
    return {"task": task, "name": name, "ref": ref, "due": deadline(task.due_at),
            "stage": (task.instance.data or {}).get("tracking_meeting_kind"),
            "fields": form_render.render_form(wrapper, {task.id: ui}, {task.id: values, **raw},
                                              errors)}


def _render(update, values: dict[str, dict], errors: dict, status: int = 200):
    families = [_family(task, values.get(task.id, {}), errors) for task in update.tasks]
    summary = []
    for family in families:
        prefix = family["task"].id + "."
        for path, messages in errors.items():
            if path == family["task"].id or path.startswith(prefix):
                summary += [{"href": "#" + form_render.field_id(path),
                             "text": f"{family['name']}: {message}"} for message in messages]
    return render_template(
        "web/team_update.html", update=update, families=families, summary=summary,
        when=long_date(update.meeting.starts_at), team=update.team), status


@bp.get("/meetings/<meeting_id>/team-update")
@page_login_required
def team_update(meeting_id: str):
    update = _update(signed_in_user(), meeting_id)
    values = {task.id: form_render.as_typed(task.draft_data, task.draft_raw)
              if task.draft_data is not None else opening_values(task) for task in update.tasks}
    return _render(update, values, {})


@bp.post("/meetings/<meeting_id>/team-update")
@page_login_required
def submit(meeting_id: str):
    user = signed_in_user()
    update = _update(user, meeting_id)
    form = MultiDict(request.form)
    changed = form_render.row_action(form)
    form = changed if changed is not None else form
    parsed, typed, unread = {}, {}, {}
    for task in update.tasks:
        schema, ui = forms.task_form(task), forms.task_form(task, ui=True)
        own = _own_inputs(form, task.id)
        data, problems = form_render.parse_submission(schema, ui, own)
        parsed[task.id] = data
        typed[task.id] = form_render.typed_inputs(schema, ui, own) if problems else None
        unread.update({f"{task.id}.{path}": messages for path, messages in problems.items()})
    shown = {task.id: {**parsed[task.id], **_own_inputs(form, task.id).to_dict()}
             for task in update.tasks}
    back = url_for("team_update_pages.team_update", meeting_id=meeting_id, team=update.team)
    try:
        if changed is not None or form.get("action") == "draft":
            team_updates.save_drafts(user, update, {tid: (parsed[tid], typed[tid])
                                                    for tid in parsed})
            db.session.commit()
            if changed is not None:
                return _render(update, shown, {})
            flash("Each family's update is saved as a draft. Nothing has been sent yet.",
                  "success")
            return redirect(back)
        if unread:
            raise Invalid("Some answers could not be read", unread)
        done = team_updates.submit(user, update, parsed)
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        return _render(update, shown, {**(exc.errors or {}), **unread}, 422)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    flash(f"Your team's update for the meeting on {long_date(update.meeting.starts_at)} is "
          f"sent: {len(done)} famil{'y' if len(done) == 1 else 'ies'}.", "success")
    return redirect(url_for("inbox.inbox"))

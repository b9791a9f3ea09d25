"""The task page: the form, what earlier steps gathered, and the case's history."""
from __future__ import annotations

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
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import TaskStatus, User
from app.security import signed_in_user
from app.services import (
    access,
    deployment,
    documents,
    form_conditions,
    forms,
    history,
    pending_drafts,
    rounds,
    tasks,
)
from app.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from app.web import document_field, form_render, form_sections, kept_answers, review
from app.web.display import deadline, long_date
from app.web.sessions import page_login_required

bp = Blueprint("task_pages", __name__)

EVENT_WORDS = {
    "started": "started the request", "claimed": "took", "assigned": "assigned",
    "released": "released", "completed": "completed", "cancelled": "withdrew",
    "timer_fired": "moved the case on at its scheduled time", "suspended": "paused the case",
    "resumed": "resumed the case", "terminated": "closed the case", "error": "hit an error at",
    "retried": "retried the case after its error", "team_changed": "moved the case to another team",
    "allocated_worker_changed": "changed the child's social worker",
    "migrated": "moved the case to a new version of its diagram",
    "sent_back": "sent the case back to", "skipped": "skipped", "corrected": "corrected",
}


def _names(usernames: set[str]) -> dict[str, str]:
    users = db.session.scalars(db.select(User).where(User.username.in_(usernames))).all()
    return {u.username: u.display_name for u in users}


def _story(instance) -> list[dict]:
    events = history.for_instance(instance.id)
    names = _names({e.actor for e in events if e.actor}
                   | {str(e.detail[k]) for e in events for k in ("assignee", "for", "from", "to")
                      if (e.detail or {}).get(k)})  # people named in the history
    titles = {t.id: t.title for t in instance.tasks}
    by_id = {t.id: t for t in instance.tasks}
    story = []
    for event in events:
        if event.event == "completed" and event.task_id is None:
            what = "The pathway finished"
        else:
            who = names.get(event.actor, event.actor or "The system")
            what = f"{who} {EVENT_WORDS.get(event.event, event.event)}"
            if event.task_id:
                what += f" “{titles.get(event.task_id, event.task_name)}”"
            if event.event in ("team_changed", "allocated_worker_changed") and event.detail:
                was, now = event.detail.get("from"), event.detail.get("to")
                what += f" ({names.get(was, was) or 'none'} → {names.get(now, now)})"
            what += _repair_words(event)
            if event.event == "assigned" and event.detail:
                assignee = event.detail.get("assignee")
                what += f" to {names.get(assignee, assignee)}"
            if event.detail and event.detail.get("for"):  # done by a cover (absences)
                what += f" for {names.get(event.detail['for'], event.detail['for'])}"
        story.append({"at": event.at, "when": long_date(event.at) + f" {event.at:%H:%M}",
                      "what": what, "answers": _answers(event, by_id.get(event.task_id))})
    return story


def _repair_words(event) -> str:
    """The versions of a move; the reason (and old and new answer) of a repair."""
    detail = event.detail or {}
    if event.event == "migrated":
        return f" (version {detail.get('from_version')} to {detail.get('to_version')})"
    if event.event == "corrected":
        return (f": {detail.get('field')} from “{detail.get('old')}” to “{detail.get('new')}”"
                f" (reason: {detail.get('reason')})")
    if event.event in ("sent_back", "skipped"):
        return f" (reason: {detail.get('reason')})"
    return ""


def _answers(event, task) -> list[tuple[str, str]]:
    """What a step submitted (or tried to, before an error), in its form's own words."""
    detail = event.detail or {}
    data = detail.get("data") if event.event == "completed" else detail.get("submitted")
    if not data or task is None:
        return []
    return form_render.summarise(forms.task_form(task), data, forms.task_form(task, ui=True))


def _gathered(instance, current_id: str) -> list[dict]:
    """Earlier steps' answers, read-only, newest first."""
    sections = []
    done = [t for t in instance.tasks if t.status == TaskStatus.COMPLETED and t.id != current_id]
    for earlier in sorted(done, key=lambda t: t.completed_at, reverse=True):
        schema = forms.task_form(earlier)
        rows = form_render.summarise(schema, earlier.submitted_data or {})
        if rows:
            sections.append({"title": earlier.title, "rows": rows,
                             "when": long_date(earlier.completed_at)})
    return sections


def _draft_problems(task, data: dict, typed: list | None) -> dict[str, list[str]]:
    """What Submit would refuse in a draft: answers typed that cannot be read ("fourteen" for
    a number, 31/2 for a date) and answers given that the form does not allow. Questions not
    answered yet are not problems in a draft."""
    schema, ui_schema = forms.task_form(task), forms.task_form(task, ui=True)
    problems: dict[str, list[str]] = {}
    if typed:
        _, problems = form_render.parse_submission(
            schema, ui_schema, MultiDict([(name, text) for name, text in typed]))
    for path, messages in forms.validate(schema, data, task.instance.data).items():
        if path.split(".")[0] in data and path not in problems:
            problems[path] = messages
    return problems


def _fixing(problems: dict) -> str:
    count = sum(len(messages) for messages in problems.values())
    return (f"{count} answer needs fixing before you can submit" if count == 1 else
            f"{count} answers need fixing before you can submit")


def save_draft(user, task, form, merge: bool = False) -> dict[str, list[str]]:
    """Save what the person typed into `task`'s form as its draft; the problems it holds.

    With `merge` (a section's page, its autosave, answers put back after signing in), only
    the sections the post has inputs for are replaced: the rest of the draft stays.
    """
    schema, ui_schema = forms.task_form(task), forms.task_form(task, ui=True)
    if merge and form_sections.sections(schema, ui_schema):
        data, typed, _ = form_sections.merged_draft(
            schema, ui_schema, MultiDict(form), form_sections.opening_values(task),
            task.draft_raw)
    else:
        data, unread = form_render.parse_submission(schema, ui_schema, form)
        typed = form_render.typed_inputs(schema, ui_schema, form) if unread else None
    saved = tasks.save_draft(user, task.id, data, typed)
    return _draft_problems(saved, saved.draft_data, saved.draft_raw)


def _render(task, user, values: dict, errors: dict, status: int = 200,
            summary_title: str | None = None, sections: list | None = None):
    instance = task.instance
    # A rule about what the case already knows (the request's answers) is decided now: its
    # question is asked only if the case makes it apply (form_conditions.settle).
    schema = form_conditions.settle(forms.task_form(task), instance.data)
    ui_schema = forms.task_form(task, ui=True)
    covering = access.covers(user, task) if task.status == TaskStatus.READY else None
    workable = (task.status == TaskStatus.READY and access.can_work_on(user, task)
                and (task.assignee in (None, user.username) or covering is not None))
    pathway = deployment.latest_version(task.process_key)
    holder = _names({task.assignee}).get(task.assignee, task.assignee) if task.assignee else None
    summary = [{"href": "#" + form_render.field_id(path), "text": message}
               for path, messages in errors.items() for message in messages]
    document_field.known_documents(documents.for_instance(instance.id, uploads_only=True))
    return render_template(
        "web/task.html", task=task, instance=instance, workable=workable,
        returned=_returned(task),
        pathway=pathway.name if pathway else task.process_key, holder=holder,
        covering=holder if covering else None,
        due=deadline(task.due_at) if task.status == TaskStatus.READY else None,
        fields=form_render.render_form(schema, ui_schema, values, errors)
        if workable and sections is None else None,
        sections=sections if workable else None, view=_view(),
        ready_to_check=sections is not None and form_sections.ready_to_check(sections),
        under_review=_under_review(task, workable),
        ticket=kept_answers.ticket(user, task) if workable else None,
        summary=summary, summary_title=summary_title,
        gathered=_gathered(instance, task.id), story=_story(instance),
        documents=documents.for_instance(instance.id, current_only=True),
        has_files=bool(documents.document_fields(schema, ui_schema)),
        may_release=task.status == TaskStatus.READY and task.assignee is not None and (
            task.assignee == user.username or access.can_assign(user)),
    ), status


def _under_review(task, workable: bool) -> dict | None:
    """For a reviewer: the request they review, first, with what changed since last round."""
    found = review.request_under_review(task) if workable else None
    if found:
        found["by"] = _names({found["by"]}).get(found["by"], found["by"])
    return found


def _returned(task) -> dict | None:
    """Work sent back to be amended: who returned it, when and why (their answers), for the
    banner at the top of the task."""
    if task.status != TaskStatus.READY:
        return None
    by = rounds.returned_by(task)
    if by is None:
        return None
    return {"who": _names({by.completed_by}).get(by.completed_by, by.completed_by),
            "step": by.title, "when": long_date(by.completed_at),
            "answers": form_render.summarise(forms.task_form(by), by.submitted_data or {},
                                             forms.task_form(by, ui=True))}


def _visible(user, task_id: str):
    try:
        return tasks.get_visible(user, task_id)
    except NotFound:
        abort(404)


@bp.get("/tasks/<task_id>")
@page_login_required
def task(task_id: str):
    user = signed_in_user()
    current = _visible(user, task_id)
    if current.status == TaskStatus.READY:
        kept = pending_drafts.take(user, current)
        if kept is not None:
            return _put_back(user, current, kept)
    problems: dict[str, list[str]] = {}
    if current.status != TaskStatus.READY:
        values = current.submitted_data or {}
    elif current.draft_data is not None:
        values = form_render.as_typed(current.draft_data, current.draft_raw)
        problems = _draft_problems(current, current.draft_data, current.draft_raw)
    else:
        values = form_sections.opening_values(current)
    if request.args.get("view") != "all" and current.status == TaskStatus.READY:
        listed = form_sections.task_list(current)
        if listed is not None:
            return _render(current, user, values, {}, sections=listed)
    return _render(current, user, values, problems,
                   summary_title=_fixing(problems) if problems else None)


def _put_back(user, task, kept: list):
    """Answers posted after the person's session ended become the task's draft."""
    try:
        problems = save_draft(user, task, MultiDict([(name, text) for name, text in kept]),
                              merge=True)
    except ServiceError as exc:
        db.session.rollback()
        pending_drafts.take(user, task)  # they cannot go anywhere now
        db.session.commit()
        flash("The answers you typed before you were signed out could not be put back: "
              f"{exc.message}", "info")
        return redirect(url_for("task_pages.task", task_id=task.id, **_view()))
    db.session.commit()
    flash("We have put back the answers you typed before you were signed out, as a draft. "
          "Nothing has been sent yet: check them, then submit.", "info" if problems else "success")
    return redirect(url_for("task_pages.task", task_id=task.id, **_view()))


@bp.post("/tasks/<task_id>")
@kept_answers.form_login_required
def submit(task_id: str):
    user = signed_in_user()
    current = _visible(user, task_id)
    schema = forms.task_form(current)
    ui_schema = forms.task_form(current, ui=True)
    form, upload_errors = _take_uploads(user, current, schema, ui_schema)
    if upload_errors:
        return _render(current, user, form.to_dict(), upload_errors, 422)
    changed = form_render.row_action(form)
    if changed is not None:
        return _rows_changed(user, current, changed)
    data, parse_errors = form_render.parse_submission(schema, ui_schema, form)
    if form.get("action") != "draft":
        data, parse_errors = form_render.only_applicable(schema, data, parse_errors, ui_schema)
    try:
        if form.get("action") == "draft":
            problems = save_draft(user, current, form)
            db.session.commit()
            # With problems the page lists them in an error summary, which takes the focus.
            flash("Your draft has been saved. Nothing has been sent yet.",
                  "info" if problems else "success")
            return redirect(url_for("task_pages.task", task_id=task_id, **_view()))
        if parse_errors:
            # Show every problem at once: what could not be read, and what is missing.
            missing = {k: v for k, v in forms.validate(schema, data, current.instance.data).items()
                       if k not in parse_errors}
            raise Invalid("The form has errors", {**missing, **parse_errors})
        instance, created = tasks.complete(user, task_id, data)
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        errors = {**(exc.errors or {}), **parse_errors}
        return _render(current, user, {**data, **form.to_dict()}, errors, 422)
    except (Conflict, Forbidden) as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("task_pages.task", task_id=task_id))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("inbox.inbox"))
    if created:
        next_steps = ", ".join(f"“{t.title}”" for t in created)
        flash(f"“{current.title}” is complete. Next: {next_steps}.", "success")
    else:
        flash(f"“{current.title}” is complete.", "success")
    return redirect(url_for("inbox.inbox"))


def _take_uploads(user, task, schema: dict, ui_schema: dict) -> tuple[MultiDict, dict]:
    """Keep each file posted into a document field (a multipart form, no script needed) and
    put its id where the form's answer is read; (the form, what could not be kept). Each kept
    file is committed at once: it was accepted whatever becomes of the rest of the form."""
    form, errors = MultiDict(request.form), {}
    for key in documents.document_fields(schema, ui_schema):
        upload = request.files.get(key)
        if upload is None or not upload.filename:
            continue  # nothing chosen: the file uploaded before (if any) stands
        try:
            document = documents.upload(user, task.instance_id, key, upload.filename,
                                        upload.read())
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            errors[key] = [exc.message]
            continue
        form.setlist(key, [document.id])
    return form, errors


def _rows_changed(user, task, form: MultiDict):
    """"Add another" or "Remove": the answers so far kept as the draft, and the form drawn
    again with the rows changed."""
    try:
        save_draft(user, task, form)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("task_pages.task", task_id=task.id))
    db.session.commit()
    data, _ = form_render.parse_submission(forms.task_form(task),
                                           forms.task_form(task, ui=True), form)
    return _render(task, user, {**data, **form.to_dict()}, {})


def _view() -> dict:
    """Keeps a long form's one-page view (?view=all) across its own posts."""
    return {"view": "all"} if request.args.get("view") == "all" else {}


@bp.post("/tasks/<task_id>/draft")
@kept_answers.form_login_required
def autosave(task_id: str):
    """Save as draft for the page's script (JSON), as the person works."""
    user = signed_in_user()
    current = _visible(user, task_id)
    try:
        problems = save_draft(user, current, request.form,
                              merge=request.form.get("section") is not None)
    except ServiceError as exc:
        db.session.rollback()
        return jsonify(saved=False, message=exc.message), 409
    db.session.commit()
    return jsonify(saved=True, fixing=_fixing(problems) if problems else None,
                   problems=[{"href": "#" + form_render.field_id(path), "text": message}
                             for path, messages in problems.items() for message in messages])


@bp.post("/tasks/<task_id>/release")
@page_login_required
def release(task_id: str):
    try:
        released = tasks.release(signed_in_user(), task_id)
    except NotFound:
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("task_pages.task", task_id=task_id))
    db.session.commit()
    flash(f"“{released.title}” is back with the team", "success")
    return redirect(url_for("inbox.inbox"))


@bp.get("/documents/<document_id>")
@page_login_required
def document(document_id: str):
    """A letter or uploaded paper kept with a case, for someone who may see the case."""
    try:
        found, content = documents.download(signed_in_user(), document_id)
    except NotFound:
        abort(404)
    return Response(content, mimetype=found.media_type,
                    headers={"Content-Disposition": documents.disposition(found)})

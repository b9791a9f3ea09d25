"""A long form's pages: each section's questions, then check your answers and submit.

The task page lists the sections (app/web/form_sections.py says how a form is split); each
section page saves into the task's draft and goes back to the list; the check page shows the
whole draft with Change links and submits it as one `complete`, as the API does.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.extensions import db
from app.models import TaskStatus
from app.security import signed_in_user
from app.services import access, forms, tasks
from app.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from app.web import form_render, form_sections, kept_answers
from app.web.form_sections import Section, opening_values, task_list
from app.web.sessions import page_login_required
from app.web.task_pages import _take_uploads, save_draft

bp = Blueprint("section_pages", __name__)


def _forms(task) -> tuple[dict, dict]:
    return forms.task_form(task), forms.task_form(task, ui=True)


def _workable(task_id: str):
    user = signed_in_user()
    try:
        task = tasks.get_visible(user, task_id)
    except NotFound:
        abort(404)
    if not (task.status == TaskStatus.READY and access.can_work_on(user, task)
            and task.assignee in (None, user.username)):
        flash("This task cannot be worked on now.", "info")
        abort(redirect(url_for("task_pages.task", task_id=task_id)))
    found = task_list(task)
    if not found:
        abort(404)
    return user, task, found


def _section(found: list[Section], number: int) -> Section:
    if not 1 <= number <= len(found):
        abort(404)
    return found[number - 1]


def _render_section(user, task, found, section, values, errors, status=200):
    whole, whole_ui = _forms(task)
    schema, ui = form_sections.section_form(whole, whole_ui, section)
    summary = [{"href": "#" + form_render.field_id(path), "text": message}
               for path, messages in errors.items() for message in messages]
    return render_template(
        "web/task_section.html", task=task, section=section, count=len(found),
        # The rest of the form's saved answers decide this page's questions that depend on them.
        fields=form_render.render_form(schema, ui, values, errors,
                                       form_fields=whole.get("properties") or {},
                                       saved=opening_values(task)),
        summary=summary,
        ticket=kept_answers.ticket(user, task), back_to=request.args.get("back")), status


@bp.get("/tasks/<task_id>/sections/<int:number>")
@page_login_required
def section(task_id: str, number: int):
    user, task, found = _workable(task_id)
    current = _section(found, number)
    values = form_render.as_typed(opening_values(task), task.draft_raw)
    # Only what was typed and cannot be used is an error on opening; missing answers wait
    # for "Save and continue".
    typed = form_render.fields_read(*_forms(task), [n for n, _ in task.draft_raw or []])
    unread = {path: messages for path, messages in current.problems.items()
              if path.split(".")[0] in typed}
    return _render_section(user, task, found, current, values, unread)


@bp.post("/tasks/<task_id>/sections/<int:number>")
@kept_answers.form_login_required
def save_section(task_id: str, number: int):
    user, task, found = _workable(task_id)
    current = _section(found, number)
    # A section may ask for papers: files are kept first, as on the one-page form.
    form, upload_errors = _take_uploads(user, task, *_forms(task))
    if upload_errors:
        return _render_section(user, task, found, current, form.to_dict(), upload_errors, 422)
    changed = form_render.row_action(form)
    try:
        save_draft(user, task, changed or form, merge=True)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("task_pages.task", task_id=task_id))
    db.session.commit()
    if changed is not None:  # "Add another" or "Remove": the same page, one row more or less
        part, part_ui = form_sections.section_form(*_forms(task), current)
        data, _ = form_render.parse_submission(part, part_ui, changed)
        return _render_section(user, task, found, current, {**data, **changed.to_dict()}, {})
    back = (url_for("section_pages.check", task_id=task_id)
            if request.form.get("back") == "check" else
            url_for("task_pages.task", task_id=task_id))
    if request.form.get("action") == "later":
        flash("Your answers have been saved. Nothing has been sent yet.", "success")
        return redirect(url_for("task_pages.task", task_id=task_id))
    refreshed = task_list(task)
    mine = _section(refreshed, number)
    if mine.problems:
        # The answers are saved as a draft either way; the page says what is still needed.
        values = form_render.as_typed(opening_values(task), task.draft_raw)
        return _render_section(user, task, refreshed, mine,
                               {**values, **request.form.to_dict()}, mine.problems, 422)
    return redirect(back)


@bp.get("/tasks/<task_id>/check")
@page_login_required
def check(task_id: str):
    _, task, found = _workable(task_id)
    if not form_sections.ready_to_check(found):
        flash("Complete every section before checking your answers.", "info")
        return redirect(url_for("task_pages.task", task_id=task_id))
    schema, ui = _forms(task)
    data, _ = form_render.only_applicable(schema, opening_values(task), {}, ui)
    groups = []
    for current in found:
        part, part_ui = form_sections.section_form(schema, ui, current)
        rows = []
        for key in current.fields:
            if key not in data:
                continue
            [(title, text)] = form_render.summarise(part, {key: data[key]}, part_ui) or [
                (key, "")]
            rows.append({"key": title, "value": text, "href": url_for(
                "section_pages.section", task_id=task_id, number=current.number, back="check",
                _anchor=form_render.field_id(key))})
        groups.append({"section": current, "rows": rows})
    return render_template("web/check_answers.html", task=task, groups=groups)


@bp.post("/tasks/<task_id>/check")
@kept_answers.form_login_required
def submit(task_id: str):
    user, task, found = _workable(task_id)
    if not form_sections.ready_to_check(found):
        flash("Complete every section before you submit.", "error")
        return redirect(url_for("task_pages.task", task_id=task_id))
    schema, ui = _forms(task)
    data, _ = form_render.only_applicable(schema, opening_values(task), {}, ui)
    title = task.title
    try:
        _, created = tasks.complete(user, task_id, data)
        db.session.commit()
    except (Invalid, Conflict, Forbidden) as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("task_pages.task", task_id=task_id))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("inbox.inbox"))
    next_steps = ", ".join(f"“{t.title}”" for t in created)
    flash(f"“{title}” is complete." + (f" Next: {next_steps}." if next_steps else ""),
          "success")
    return redirect(url_for("inbox.inbox"))

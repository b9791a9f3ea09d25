"""Answers posted to a task form after the session ended are kept, not lost.

A session can end under a person's feet: signed out for inactivity, the cookie gone, a CSRF
token from an older session. A task form posted then would be refused (a 400 page, or the
sign-in page) and everything typed lost. Instead the answers are kept on the server for the
person who opened the form, and put back as the task's draft when they sign in again.

Who opened the form is read from a ticket signed into it when the page was drawn (the user
and the task), never from the session, so this works however sessions are kept. It is safe
because:
- only the user named in the ticket gets the answers back, and only after signing in: a
  forged or altered ticket keeps nothing, and someone else signing in on the same computer
  sees nothing;
- only inputs of that task's form are kept, and only while that user may still work on it;
- nothing is submitted: the answers come back as a draft to check, with the problems named;
- a post from another site (Origin or Referer naming another host) keeps nothing;
- the kept answers expire after PENDING_DRAFT_HOURS (the ticket too).
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, jsonify, redirect, request, url_for
from itsdangerous import BadData, URLSafeTimedSerializer

from app.extensions import db
from app.models import HumanTask, TaskStatus, User
from app.security import current_user
from app.services import access, forms, pending_drafts
from app.web import form_render

TICKET_FIELD = "draft_ticket"
# The task form's endpoints whose answers are kept; the autosave one answers in JSON.
FORM_ENDPOINTS = frozenset({"task_pages.submit", "task_pages.autosave",
                            "section_pages.save_section"})
AUTOSAVE_ENDPOINT = "task_pages.autosave"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="panelflow.task-form-ticket")


def _hours() -> float:
    return float(current_app.config.get("PENDING_DRAFT_HOURS", 24))


def ticket(user: User, task: HumanTask) -> str:
    """Signed into the task form: who it was drawn for, and which task."""
    return _serializer().dumps({"u": user.id, "t": task.id})


def _author_id(task_id: str) -> int | None:
    try:
        payload = _serializer().loads(request.form.get(TICKET_FIELD, ""),
                                      max_age=int(_hours() * 3600))
    except BadData:
        return None
    if not isinstance(payload, dict) or payload.get("t") != task_id:
        return None
    author = payload.get("u")
    return author if isinstance(author, int) else None


def _same_site() -> bool:
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value:
            return urlsplit(value).netloc == request.host
    return True


def _keep() -> bool:
    """Keep the posted answers for the ticket's user if everything allows; whether kept."""
    task_id = (request.view_args or {}).get("task_id")
    author_id = _author_id(task_id) if isinstance(task_id, str) else None
    if author_id is None or not _same_site():
        return False
    task = db.session.get(HumanTask, task_id)
    author = db.session.get(User, author_id)
    if task is None or author is None or not author.active:
        return False
    if (task.status != TaskStatus.READY or not access.can_work_on(author, task)
            or task.assignee not in (None, author.username)):
        return False
    typed = form_render.typed_inputs(forms.task_form(task), forms.task_form(task, ui=True),
                                     request.form)
    if not typed:
        return False
    pending_drafts.keep(author, task, typed, _hours())
    db.session.commit()
    current_app.logger.info("kept answers posted after the session ended: task %s", task.id)
    return True


def _task_page(task_id) -> str:
    """Back to the task as it was shown: a long form's one-page view stays one page."""
    view = {"view": "all"} if request.args.get("view") == "all" else {}
    return url_for("task_pages.task", task_id=task_id, **view)


def rescue():
    """For a task form posted without a usable session: keep its answers and send the person
    to sign in and back to the task; None when this is not such a post."""
    if request.method != "POST" or request.endpoint not in FORM_ENDPOINTS:
        return None
    kept = _keep()
    target = _task_page((request.view_args or {}).get("task_id"))
    sign_in = url_for("account.login", next=target, kept=1 if kept else None)
    if request.endpoint == AUTOSAVE_ENDPOINT:
        return jsonify(signed_out=True, kept=kept, sign_in=sign_in), 401
    if not kept:
        return None
    # Signed in after all (a token from an older session): straight back to the task.
    return redirect(target if current_user() is not None else sign_in)


def form_login_required(view):
    """page_login_required for a task form's POST: answers posted by someone whose session
    has ended are kept for them; the autosave endpoint answers 401 in JSON."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is not None:
            return view(*args, **kwargs)
        return rescue() or redirect(url_for(
            "account.login", next=_task_page(kwargs.get("task_id"))))

    return wrapper

"""The practitioner's inbox: tasks assigned to me, and tasks my role can claim."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.extensions import db
from app.security import signed_in_user
from app.services import deployment, people, reminders, rounds, tasks, team_updates
from app.services.errors import NotFound, ServiceError
from app.web.display import deadline, long_date, waited
from app.web.sessions import page_login_required

bp = Blueprint("inbox", __name__)
PER_PAGE = 25
TABS = {"mine": "Assigned to me", "claimable": "Available to my team or role"}


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, int(value or default))
    except ValueError:
        return default


def _one_row_per_team_update(user, rows: list[dict]) -> list[dict]:
    """A team's steps for one meeting that are done together (team_updates.py) show as one
    row, linking to the team's update page, where the first of them would have been."""
    kept: list[dict] = []
    groups: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = team_updates.group_key(user, row["task"])
        if key is None:
            kept.append(row)
        elif key in groups:
            groups[key]["families"].append(row["task"].subject.get("name", ""))
        else:
            meeting = team_updates.meeting_of(row["task"])
            groups[key] = {**row, "families": [row["task"].subject.get("name", "")],
                           "team_update": url_for("team_update_pages.team_update",
                                                  meeting_id=key[0], team=key[1]),
                           "meeting_on": long_date(meeting.starts_at)}
            kept.append(groups[key])
    return kept


@bp.get("/")
@page_login_required
def inbox():
    user = signed_in_user()
    tab = request.args.get("tab", "mine")
    tab = tab if tab in TABS else "mine"
    pathway = request.args.get("pathway") or None
    overdue = request.args.get("overdue") == "1"
    search = (request.args.get("q") or "").strip() or None
    page = _int(request.args.get("page"), 1)
    counts = {key: tasks.inbox(user, key, overdue, 1, 1, pathway, search)["total"]
              for key in TABS}
    result = tasks.inbox(user, tab, overdue, page, PER_PAGE, pathway, search)
    names = {v.key: v.name for v in deployment.all_latest()}
    # Steps held by someone else here are an absent colleague's the user covers.
    covered = people.display_names({t.assignee for t in result["items"]
                                    if t.assignee not in (None, user.username)})
    rows = [{"task": t, "pathway": names.get(t.process_key, t.process_key),
             "waited": waited(t.created_at), "due": deadline(t.due_at),
             "returned": rounds.returned_to_amend(t),
             "covering": covered.get(t.assignee)} for t in result["items"]]
    rows = _one_row_per_team_update(user, rows)
    pages = max(1, -(-result["total"] // PER_PAGE))

    def link(**changes) -> str:
        """This inbox view with some settings changed (filters kept, back to page 1)."""
        params = {"tab": tab, "pathway": pathway, "overdue": "1" if overdue else None,
                  "q": search, "page": None, **changes}
        return url_for("inbox.inbox", **{k: v for k, v in params.items() if v})

    return render_template(
        "web/inbox.html", notes=reminders.unread(user.username), tabs=TABS, tab=tab,
        counts=counts, rows=rows, total=result["total"],
        page=page, pages=pages, pathways=names, pathway=pathway, overdue=overdue,
        q=search or "", link=link)


@bp.post("/tasks/<task_id>/claim")
@page_login_required
def claim(task_id: str):
    try:
        task = tasks.claim(signed_in_user(), task_id)
    except NotFound:
        abort(404)  # as for the task page: a task you may not see does not exist for you
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("inbox.inbox", tab="claimable"))
    db.session.commit()
    flash(f"“{task.title}” is now assigned to you", "success")
    return redirect(url_for("task_pages.task", task_id=task_id))


@bp.post("/notifications/read")
@page_login_required
def read_notifications():
    count = reminders.mark_all_read(signed_in_user().username)
    db.session.commit()
    flash(f"{count} reminder{'' if count == 1 else 's'} marked as read.", "success")
    return redirect(url_for("inbox.inbox"))

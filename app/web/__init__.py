"""Browser pages (GOV.UK Frontend, rendered on the server)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, get_flashed_messages, render_template, request

from app.api import api
from app.security import current_user
from app.services import access, retention
from app.web import (
    absence_pages,
    allocation_pages,
    assets,
    audit_pages,
    auth,
    case_pages,
    csrf,
    dashboard,
    display,
    email_settings,
    inbox,
    kept_answers,
    library_pages,
    migration_pages,
    modeler_pages,
    my_work,
    panel_pages,
    panel_settings,
    paper_pages,
    people_pages,
    registers,
    repair_pages,
    retention_pages,
    section_pages,
    session_timeout,
    sso,
    start,
    task_pages,
    team_update_pages,
    webhook_pages,
)
from app.web.display import summary_items
from app.web.sessions import check_session

bp = Blueprint("web", __name__)


@bp.get("/api/docs")
def api_docs():
    """A readable list of every operation, generated from the OpenAPI document (no CDN)."""
    return render_template("api_docs.html", spec=api.spec.to_dict())


def _page_context() -> dict:
    user = current_user()
    return {"user": user, "messages": get_flashed_messages(with_categories=True)
            if user is not None or request.endpoint == "account.login" else []}


def page_error(error):
    """HTML error pages for browsers; the JSON API keeps its own error bodies."""
    if request.path.startswith("/api/"):
        return api.handle_http_exception(error)
    code = getattr(error, "code", 500) or 500
    if code in (400, 403):  # e.g. a task form posted with the CSRF token of an ended session
        kept = kept_answers.rescue()
        if kept is not None:
            return kept
    return render_template("web/error.html", code=code,
                           description=getattr(error, "description", "")), code


# Roles whose work is not cases' steps: someone holding only these has no inbox or requests.
NO_CASEWORK = frozenset({"auditor", "administrator"})


def _may_start(user) -> bool:
    """Whether any pathway starts in one of the user's roles. The menu is drawn on error pages
    too, so a failing look-up leaves the link out rather than breaking the page that says
    something went wrong."""
    try:
        return bool(start.startable(user))
    except Exception:  # noqa: BLE001 - see above; the failure itself is reported elsewhere
        return False


def menu(user) -> list[tuple[str, str]]:
    """The header's links for what this person's roles do (endpoint, label)."""
    items: list[tuple[str, str]] = []
    casework = bool(user.role_keys - NO_CASEWORK)
    if casework:
        items += [("inbox.inbox", "Inbox"), ("my_work.index", "My requests")]
        if _may_start(user):
            items.append(("start.choose", "Start a request"))
        items.append(("panel_pages.index", "Panels"))
    if case_pages.sees_cases(user):
        items += [("case_pages.index", "Cases"), ("dashboard.index", "Dashboard")]
    if access.owns_processes(user):
        items.append(("library_pages.index", "Process library"))
    if audit_pages.is_auditor(user):
        items.append(("audit_pages.index", "Audit trail"))
    return (items + people_pages.people_menu(user) + retention_pages.menu(user)
            + webhook_pages.webhook_menu(user))


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_IDLE_MINUTES", 30)
    app.config.setdefault("SESSION_LIFETIME_HOURS", 12)
    # The cookie lives as long as a session may (the server ends an idle one itself): were it
    # to lapse at the idle limit, the browser would drop it just as the session ended and the
    # sign-in page could never say the person was signed out for being inactive.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        hours=app.config["SESSION_LIFETIME_HOURS"])
    sso.check_configuration(app)
    csrf.init_app(app)
    app.before_request(check_session)
    app.context_processor(_page_context)
    app.jinja_env.globals["summary_items"] = summary_items
    app.jinja_env.globals["sees_cases"] = case_pages.sees_cases
    app.jinja_env.globals["menu"] = menu
    app.jinja_env.filters["days"] = display.days
    app.jinja_env.filters["in_words"] = display.in_words
    app.jinja_env.globals["is_process_owner"] = access.owns_processes
    app.jinja_env.globals["people_menu"] = people_pages.people_menu
    app.jinja_env.globals["retention_words"] = retention.rule_words
    app.jinja_env.globals["session_timeout"] = session_timeout.timeout_settings
    app.jinja_env.globals["team_update_link"] = team_update_pages.link_for
    for blueprint in (bp, assets.bp, auth.bp, inbox.bp, start.bp, task_pages.bp,
                      panel_pages.bp, registers.bp, case_pages.bp, dashboard.bp, modeler_pages.bp,
                      library_pages.bp, session_timeout.bp, my_work.bp, audit_pages.bp,
                      sso.bp, repair_pages.bp, allocation_pages.bp, migration_pages.bp,
                      email_settings.bp,
                      people_pages.bp, people_pages.teams_bp, absence_pages.bp, paper_pages.bp,
                      section_pages.bp, panel_settings.bp, retention_pages.bp,
                      team_update_pages.bp, webhook_pages.bp):
        app.register_blueprint(blueprint)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, page_error)

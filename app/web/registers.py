"""Registers kept from the forums' decisions: the unmet-needs register (Placement Forum
Part 2, for the annual Placement Sufficiency Strategy) and the Part 3 tracker log. Each is a
page and a CSV export; both are for the panels' own roles and managers."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import true

from app import audit
from app.engine.working_days import today
from app.extensions import db
from app.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from app.security import signed_in_user
from app.services import access, forms
from app.web.csv_export import csv_response
from app.web.sessions import page_login_required

bp = Blueprint("registers", __name__)
READERS = access.PANEL_ROLES | access.OVERSIGHT_ROLES | access.SERVICE_SCOPE_ROLES


def _reader():
    user = signed_in_user()
    if not user.role_keys & READERS:
        abort(403)
    return user


def _label(schema_file: str, path: str, value) -> str:
    """The form's own words for a choice (`path` is dotted through nested items), so the
    register reads as the forum wrote it."""
    prop = forms.load_form(schema_file) or {}
    for part in path.split("."):
        prop = (prop.get("items", prop)).get("properties", {}).get(part, {})
    for option in prop.get("oneOf", []):
        if option.get("const") == value:
            return option.get("title", value)
    return "" if value is None else str(value)


def unmet_needs(user) -> list[dict]:
    rows = []
    decisions = db.session.execute(
        db.select(HumanTask, ProcessInstance).join(ProcessInstance)
        .where(HumanTask.process_key == "placement_forum_2", HumanTask.name == "record_decision",
               HumanTask.status == TaskStatus.COMPLETED, access.visible_instances(user))
        .order_by(HumanTask.completed_at))
    for task, instance in decisions:
        data = task.submitted_data or {}
        for need in data.get("unmet_needs") or []:
            rows.append({
                "recorded_on": task.completed_at.date().isoformat(),
                "child_ref": instance.child_ref or "",
                "name": (instance.subject or {}).get("name", ""),
                "review_kind": _label("placement_forum_2/prepare-review.schema.json", "review_kind",
                                      (instance.data or {}).get("review_kind")),
                "gap": _label("placement_forum_2/record-decision.schema.json", "unmet_needs.gap",
                              need.get("gap")),
                "detail": need.get("detail", ""), "instance_id": instance.id})
    return rows


TRACKER_FIELDS = [
    ("child_ref", "Child"), ("name", "Name"), ("placement_location", "Where"),
    ("registration_status", "Registration"),
    ("provider", "Provider or setting"), ("placement_start_date", "Started"),
    ("placement_weekly_cost", "Weekly cost (£)"), ("legal_status", "Legal status"),
    ("dol_position", "Deprivation of liberty"), ("searches_still_pursued", "Still searching"),
    ("risk_assessment_date", "Latest risk assessment"), ("tracking_week", "Weeks tracked"),
    ("tracking_meeting_date", "Next meeting"), ("legal_flags", "Legal checks")]


# Cases begun before location and registration were recorded apart kept one reason; the log
# reads what that reason says of each.
_LEGACY_REASONS = {
    "out_of_authority": {"placement_location": "out_of_authority"},
    "unregistered": {"registration_status": "unregistered"},
    "unregulated_other_arrangement": {"registration_status": "unregulated"},
    "supported_accommodation": {"registration_status": "unregistered"},
}


def _legacy_place(data: dict) -> dict:
    return _LEGACY_REASONS.get(data.get("tracking_reason"), {})


def tracker_log(user) -> list[dict]:
    rows = []
    for instance in db.session.scalars(
            db.select(ProcessInstance).where(ProcessInstance.process_key == "placement_forum_3",
                                             ProcessInstance.status.in_(InstanceStatus.OPEN),
                                             access.visible_instances(user))
            .order_by(ProcessInstance.started_at)):
        data = {**_legacy_place(instance.data or {}), **(instance.data or {})}
        row = {"instance_id": instance.id, "child_ref": instance.child_ref or "",
               "name": (instance.subject or {}).get("name", "")}
        for field, _title in TRACKER_FIELDS[2:]:
            value = data.get(field)
            if field == "legal_flags":
                value = "; ".join(value or [])
            elif field in ("placement_location", "registration_status", "legal_status",
                           "dol_position"):
                source = ("placement_forum_3/record-placement.schema.json"
                          if field in ("placement_location", "registration_status")
                          else "placement_forum_3/weekly-update.schema.json")
                value = _label(source, field, value)
            elif isinstance(value, bool):
                value = "Yes" if value else "No"
            row[field] = "" if value is None else value
        rows.append(row)
    return rows


def _csv(rows: Iterable[dict], fields: list[str], name: str) -> Response:
    return csv_response(fields, ([row.get(f, "") for f in fields] for row in rows), name)


def _noted(rows: list[dict]) -> None:
    audit.note_list(f"register:{request.path}", (row["child_ref"] for row in rows))


@bp.get("/registers/unmet-needs")
@page_login_required
def unmet_needs_page():
    rows = unmet_needs(_reader())
    _noted(rows)
    return render_template("web/unmet_needs.html", rows=rows)


@bp.get("/registers/unmet-needs.csv")
@page_login_required
def unmet_needs_csv():
    rows = unmet_needs(_reader())
    _noted(rows)
    return _csv(rows, ["recorded_on", "child_ref", "name", "review_kind", "gap", "detail"],
                "unmet-needs")


@bp.get("/registers/placement-tracking")
@page_login_required
def tracker_page():
    rows = tracker_log(_reader())
    _noted(rows)
    return render_template("web/tracker_log.html", rows=rows, fields=TRACKER_FIELDS)


@bp.get("/registers/placement-tracking.csv")
@page_login_required
def tracker_csv():
    rows = tracker_log(_reader())
    _noted(rows)
    return _csv(rows, [f for f, _t in TRACKER_FIELDS], "placement-tracking")


BUDGET_FIELDS = [("child_ref", "Child"), ("name", "Name"), ("request_type", "Request"),
                 ("weekly_amount", "Weekly (£)"), ("funding_start", "Funding from"),
                 ("funding_end", "Funding to"), ("committed_spend", "Committed (£)"),
                 ("ending_soon", "Ends within 28 days")]


def commissioning_budget(user, today: str) -> list[dict]:
    """Committed spend per approved commissioned placement or service, from CTMP decisions."""
    rows = []
    for instance in db.session.scalars(
            db.select(ProcessInstance).where(ProcessInstance.process_key == "ctmp",
                                             _budget_scope(user))
            .order_by(ProcessInstance.started_at)):
        data = instance.data or {}
        if not data.get("funding_end") or data.get("ctmp_decision") not in (
                "approved", "approved_with_conditions"):
            continue
        days_left = (date.fromisoformat(data["funding_end"]) - date.fromisoformat(today)).days
        rows.append({
            "instance_id": instance.id, "child_ref": instance.child_ref or "",
            "name": (instance.subject or {}).get("name", ""),
            "request_type": _label("ctmp/cdmf.schema.json", "request_type",
                                   data.get("request_type")),
            "weekly_amount": data.get("weekly_amount"), "funding_start": data.get("funding_start"),
            "funding_end": data["funding_end"], "committed_spend": data.get("committed_spend"),
            "ending_soon": "Yes" if 0 <= days_left <= 28 else "No",
            "ended": instance.status == InstanceStatus.COMPLETED})
    return rows


COMMISSIONING_ROLE = "commissioning_officer"


def _budget_scope(user):
    """Commissioning holds the council's whole commissioning budget; everyone else reads the
    rows of the cases they may see (access.py), like every other register."""
    return true() if COMMISSIONING_ROLE in user.role_keys else access.visible_instances(user)


def _budget_reader():
    user = signed_in_user()
    if not user.role_keys & (READERS | {COMMISSIONING_ROLE}):
        abort(403)
    return user


@bp.get("/registers/commissioning-budget")
@page_login_required
def budget_page():
    rows = commissioning_budget(_budget_reader(), today())
    _noted(rows)
    total = sum(r["committed_spend"] or 0 for r in rows if not r["ended"])
    return render_template("web/budget.html", rows=rows, fields=BUDGET_FIELDS, total=total)


@bp.get("/registers/commissioning-budget.csv")
@page_login_required
def budget_csv():
    rows = commissioning_budget(_budget_reader(), today())
    _noted(rows)
    return _csv(rows, [f for f, _t in BUDGET_FIELDS], "commissioning-budget")

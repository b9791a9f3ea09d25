"""Panels and their meetings: configuration, calendar, and each meeting's listed items."""
from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from marshmallow import fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from app import audit
from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.api.errors import error_responses
from app.engine import clock
from app.engine.working_days import LONDON, WEEKDAYS
from app.extensions import db
from app.models import Meeting, Panel
from app.security import signed_in_user
from app.services import meeting_changes, panels
from app.services.errors import Forbidden, Invalid, NotFound

blp = ApiBlueprint("panels", __name__, url_prefix="/api/v1", description="Panels and meetings")
_errors = error_responses(blp)
MAX_RANGE_DAYS = 400
PANEL_EDITORS = frozenset({"panel_administrator", "process_owner", "manager"})


class PanelSchema(schemas.Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    process_model = fields.String(allow_none=True, attribute="process_key")
    cadence = fields.String(required=True)
    weekday = fields.Function(lambda p: WEEKDAYS[p.weekday].capitalize(), required=True)
    starts_at = fields.String(required=True)
    ends_at = fields.String(required=True)
    cutoff_rule = fields.String(required=True)
    # Where the rule comes from and what was assumed, for administrators.
    notes = fields.String(allow_none=True)
    minutes_due_working_days = fields.Integer(required=True)
    slot_minutes = fields.Integer(required=True)
    on_bank_holiday = fields.String(required=True, attribute="on_holiday")
    chair = fields.String(required=True)
    vice_chair = fields.String(allow_none=True)
    administrator = fields.String(required=True)
    members = fields.List(fields.String(), required=True)
    # Request types heard less often than the panel sits (CTMP 1a: alternate Fridays).
    request_cadences = fields.Function(lambda p: _cadences(p.request_cadences), required=True,
                                       metadata={"type": "array", "items": {"type": "object"}})
    # Request types whose papers are due at a time of their own (CTMP 1a: Thursday morning,
    # not the panel's Thursday noon), the same working days before the meeting.
    request_cutoffs = fields.Function(lambda p: _cutoffs(p.request_cadences), required=True,
                                      metadata={"type": "array", "items": {"type": "object"}})


# A request type's entry in `request_cadences` holds its cadence, its cut-off, or both.
CADENCE_KEYS = ("every_weeks", "anchor")
CUTOFF_KEYS = panels.CUTOFF_KEYS


def _cadences(stored: dict | None) -> list[dict]:
    return [{"request_type": kind, "every_weeks": value["every_weeks"],
             "anchor": value["anchor"]} for kind, value in sorted((stored or {}).items())
            if value.get("every_weeks")]


def _cutoffs(stored: dict | None) -> list[dict]:
    return [{"request_type": kind, "cutoff_time": value["cutoff_time"],
             "cutoff_rule": value.get("cutoff_rule", "")}
            for kind, value in sorted((stored or {}).items()) if value.get("cutoff_time")]


class RequestCadence(schemas.Schema):
    """A request type heard every `every_weeks` weeks, on the meetings falling on `anchor`
    and every `every_weeks` weeks either side of it."""
    request_type = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{0,39}$", error="must be a request type such as placement_request"))
    every_weeks = fields.Integer(required=True, validate=validate.Range(min=1, max=8))
    anchor = fields.Date(required=True)


class RequestCutoff(schemas.Schema):
    """Papers of a request type due at `cutoff_time` (London) on the panel's cut-off day,
    `cutoff_rule` saying so in words."""
    request_type = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{0,39}$", error="must be a request type such as placement_request"))
    cutoff_time = fields.String(required=True, validate=validate.Regexp(
        panels.CLOCK_PATTERN, error="must be a time like 09:30"))
    cutoff_rule = fields.String(required=True, validate=validate.Length(
        min=1, max=panels.CUTOFF_RULE_LIMIT))


class MeetingSchema(schemas.Schema):
    id = fields.String(required=True)
    panel = fields.String(required=True, attribute="panel_key")
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    submission_deadline = fields.DateTime(required=True)
    status = fields.String(required=True)
    focus = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    item_count = fields.Integer(required=True)


class DecisionSchema(schemas.Schema):
    outcome = fields.String(allow_none=True)
    conditions = fields.String(allow_none=True)
    review_date = fields.String(allow_none=True)
    actions = fields.List(fields.Dict(), load_default=list)


class ItemSchema(schemas.Schema):
    id = fields.String(required=True)
    instance_id = fields.String(required=True)
    subject = fields.Dict(required=True)
    kind = fields.String(required=True)
    listed_at = fields.DateTime(required=True)
    late = fields.Boolean(required=True)
    retrospective = fields.Boolean(required=True)
    paperwork = fields.String(required=True, metadata={"enum": ["complete", "missing", "unsigned"]})
    decision = fields.Nested(DecisionSchema, allow_none=True)


class MeetingDetailSchema(MeetingSchema):
    items = fields.List(fields.Nested(ItemSchema), required=True)


CLOCK = validate.Regexp(panels.CLOCK_PATTERN, error="must be a time like 09:30")


class PanelChanges(schemas.Schema):
    starts_at = fields.String(validate=CLOCK)
    ends_at = fields.String(validate=CLOCK)
    cutoff_working_days = fields.Integer(validate=validate.Range(min=0, max=30))
    cutoff_time = fields.String(validate=CLOCK)
    cutoff_rule = fields.String(validate=validate.Length(min=1, max=2000))
    notes = fields.String(allow_none=True, validate=validate.Length(max=4000))
    on_bank_holiday = fields.String(attribute="on_holiday",
                                    validate=validate.OneOf(["move", "cancel"]))
    slot_minutes = fields.Integer(validate=validate.Range(min=5, max=240))
    minutes_due_working_days = fields.Integer(validate=validate.Range(min=1, max=20))
    chair = fields.String(validate=validate.Length(min=1, max=200))
    vice_chair = fields.String(allow_none=True, validate=validate.Length(max=200))
    administrator = fields.String(validate=validate.Length(min=1, max=200))
    members = fields.List(fields.String(validate=validate.Length(min=1, max=300)),
                          validate=validate.Length(max=40))
    # The whole list: a request type left out is heard at every meeting again.
    request_cadences = fields.List(fields.Nested(RequestCadence), validate=validate.Length(max=20))
    # The whole list too: a request type left out has the panel's cut-off again.
    request_cutoffs = fields.List(fields.Nested(RequestCutoff), validate=validate.Length(max=20))

    @validates_schema
    def _hours(self, data, **_kwargs):
        if "starts_at" in data and "ends_at" in data and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("must be after starts_at", "ends_at")


class CancelBody(schemas.Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class MoveBody(CancelBody):
    starts_on = fields.Date(required=True)


class UrgentBody(CancelBody):
    instance_id = fields.String(required=True, validate=validate.Length(min=1, max=32))


class RangeQuery(schemas.Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")

    @validates_schema
    def _ordered(self, data, **_kwargs):
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError("must not be before 'from'", "to")
        if start and end and (end - start).days > MAX_RANGE_DAYS:
            raise ValidationError(f"at most {MAX_RANGE_DAYS} days after 'from'", "to")


@blp.route("/panels")
class Panels(MethodView):
    @blp.response(200, PanelSchema(many=True))
    @_errors(401)
    def get(self):
        """Every forum's configuration: cadence, hours, cut-off rule, minutes deadline."""
        signed_in_user()
        return db.session.scalars(db.select(Panel).order_by(Panel.key)).all()


@blp.route("/panels/<string:key>")
class PanelView(MethodView):
    @blp.arguments(PanelChanges)
    @blp.response(200, PanelSchema)
    @_errors(400, 401, 403, 404, 422)
    def patch(self, changes, key):
        """Change a panel's hours, cut-off, minutes deadline, membership or the cadence of a
        request type heard less often than the panel sits (administrator, process owner or
        manager). Future meetings follow the new settings; cases already listed stay."""
        user = signed_in_user()
        if not user.role_keys & PANEL_EDITORS:
            raise Forbidden("Only a panel administrator, process owner or manager may do this")
        panel = panels.get_panel(key)
        ends = changes.get("ends_at", panel.ends_at)
        if ends <= changes.get("starts_at", panel.starts_at):
            raise Invalid("The meeting must end after it starts",
                          {"ends_at": ["must be after starts_at"]})
        stored = panel.request_cadences or {}
        if "request_cadences" in changes:
            stored = _merged(stored, _cadences_to_store(panel, changes["request_cadences"]),
                             CADENCE_KEYS)
        if "request_cutoffs" in changes:
            stored = _merged(stored, _cutoffs_to_store(changes.pop("request_cutoffs")),
                             CUTOFF_KEYS)
            changes["request_cadences"] = stored or None
        elif "request_cadences" in changes:
            changes["request_cadences"] = stored
        before = {name: getattr(panel, name) for name in changes}
        panels.update_panel(panel, changes)
        audit.note("panel", key, None, detail={"changed": {
            name: {"from": before[name], "to": value} for name, value in changes.items()
            if value != before[name]}})
        db.session.commit()
        return panel


def _cadences_to_store(panel: Panel, cadences: list[dict]) -> dict:
    """The API's list as stored, each anchor checked to be a day the panel meets."""
    stored, errors = {}, {}
    for index, cadence in enumerate(cadences):
        kind, anchor = cadence["request_type"], cadence["anchor"]
        if kind in stored:
            errors[f"request_cadences.{index}.request_type"] = ["is given twice"]
        if (anchor - panel.first_meeting).days % panel.every_days:
            errors[f"request_cadences.{index}.anchor"] = [
                f"must be a day the panel meets ({WEEKDAYS[panel.weekday].capitalize()}, "
                f"every {panel.every_days // 7} week(s) from {panel.first_meeting.isoformat()})"]
        stored[kind] = {"every_weeks": cadence["every_weeks"], "anchor": anchor.isoformat()}
    if errors:
        raise Invalid("Check the request types' cadences", errors)
    return stored


def _cutoffs_to_store(cutoffs: list[dict]) -> dict:
    stored, errors = {}, {}
    for index, cutoff in enumerate(cutoffs):
        kind = cutoff["request_type"]
        if kind in stored:
            errors[f"request_cutoffs.{index}.request_type"] = ["is given twice"]
        stored[kind] = {"cutoff_time": cutoff["cutoff_time"],
                        "cutoff_rule": cutoff["cutoff_rule"]}
    if errors:
        raise Invalid("Check the request types' cut-offs", errors)
    return stored


def _merged(stored: dict, given: dict, keys: tuple[str, ...]) -> dict:
    """The types' entries with `keys` replaced by what was given and the rest kept (a type's
    cadence stays when its cut-off changes, and the other way round)."""
    merged = {}
    for kind in sorted(set(stored) | set(given)):
        entry = {k: v for k, v in (stored.get(kind) or {}).items() if k not in keys}
        entry |= given.get(kind, {})
        if entry:
            merged[kind] = entry
    return merged


@blp.route("/panels/<string:key>/meetings")
class PanelMeetings(MethodView):
    @blp.arguments(RangeQuery, location="query")
    @blp.response(200, MeetingSchema(many=True))
    @_errors(401, 404, 422)
    def get(self, args, key):
        """The panel's meetings between `from` and `to` (default: the next three months)."""
        signed_in_user()
        panel = panels.get_panel(key)
        today = clock.now().astimezone(LONDON).date()
        start = args.get("start") or today
        end = args.get("end") or max(start, today) + panels.GENERATE_AHEAD
        if (end - start).days > MAX_RANGE_DAYS:
            end = start + timedelta(days=MAX_RANGE_DAYS)
        meetings = panels.meetings_between(panel, start, end)
        db.session.commit()  # meetings generated on the way are kept
        return [_meeting_view(meeting, len(meeting.items)) for meeting in meetings]


def _meeting_view(meeting: Meeting, item_count: int) -> dict:
    return {"id": meeting.id, "panel_key": meeting.panel_key, "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at, "submission_deadline": meeting.submission_deadline,
            "status": meeting.status, "focus": meeting.focus, "note": meeting.note,
            "item_count": item_count}


def _item_view(item, subject: dict, paperwork: str) -> dict:
    return {"id": item.id, "instance_id": item.instance_id, "subject": subject,
            "kind": item.kind, "listed_at": item.listed_at, "late": item.late,
            "retrospective": item.retrospective, "paperwork": paperwork,
            "decision": item.decision}


def _meeting(meeting_id: str) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("No such meeting")
    return meeting


def _detail(user, meeting: Meeting) -> dict:
    items = []
    for row in panels.agenda(user, meeting):
        audit.note("instance", row["instance"].id, row["instance"].child_ref)
        items.append(_item_view(row["item"], row["subject"], row["paperwork"]))
    return {**_meeting_view(meeting, len(items)), "items": items}


@blp.route("/meetings/<string:meeting_id>")
class MeetingView(MethodView):
    @blp.response(200, MeetingDetailSchema)
    @_errors(401, 404)
    def get(self, meeting_id):
        """A meeting and its agenda: the cases listed (those you may see), and decisions."""
        user = signed_in_user()
        return _detail(user, _meeting(meeting_id))


@blp.route("/meetings/<string:meeting_id>/cancel")
class CancelMeeting(MethodView):
    @blp.arguments(CancelBody)
    @blp.response(200, MeetingDetailSchema)
    @_errors(400, 401, 403, 404, 409, 422)
    def post(self, body, meeting_id):
        """Cancel a meeting (chair or administrator): its cases move to the next meeting and
        the people working on them are told."""
        user = signed_in_user()
        meeting = meeting_changes.cancel(user, _meeting(meeting_id), body["reason"])
        db.session.commit()
        return _detail(user, meeting)


@blp.route("/meetings/<string:meeting_id>/move")
class MoveMeeting(MethodView):
    @blp.arguments(MoveBody)
    @blp.response(200, MeetingDetailSchema)
    @_errors(400, 401, 403, 404, 409, 422)
    def post(self, body, meeting_id):
        """Move a meeting to another day (chair or administrator); its cases go with it."""
        user = signed_in_user()
        meeting = meeting_changes.move(user, _meeting(meeting_id), body["starts_on"],
                                       body["reason"])
        db.session.commit()
        return _detail(user, meeting)


class ChaseResult(schemas.Schema):
    asked = fields.Integer(required=True)


@blp.route("/meetings/<string:meeting_id>/chase")
class ChaseMeeting(MethodView):
    @blp.response(200, ChaseResult)
    @_errors(401, 403, 404)
    def post(self, meeting_id):
        """Ask everyone who still owes papers for this agenda (chair or administrator)."""
        asked = meeting_changes.chase(signed_in_user(), _meeting(meeting_id))
        db.session.commit()
        return {"asked": asked}


@blp.route("/meetings/<string:meeting_id>/items")
class UrgentItem(MethodView):
    @blp.arguments(UrgentBody)
    @blp.response(200, MeetingDetailSchema)
    @_errors(400, 401, 403, 404, 409, 422)
    def post(self, body, meeting_id):
        """The chair takes a late case onto this meeting as urgent (it is marked late)."""
        user = signed_in_user()
        meeting = _meeting(meeting_id)
        meeting_changes.take_as_urgent(user, meeting, body["instance_id"], body["reason"])
        db.session.commit()
        return _detail(user, meeting)

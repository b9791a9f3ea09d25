"""A team's one update for a meeting (app/services/team_updates.py): every family of the
caller's team listed on it, each with its own step, submitted together."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.api.errors import error_responses
from app.extensions import db
from app.security import signed_in_user
from app.services import team_updates

blp = ApiBlueprint("team_updates", __name__, url_prefix="/api/v1",
                   description="A team's one update per meeting")
_errors = error_responses(blp)
MAX_FAMILIES = 200


class TeamQuery(schemas.Schema):
    team = fields.String(load_default=None, validate=validate.Length(min=1, max=80))


class TeamUpdateSchema(schemas.Schema):
    meeting_id = fields.Function(lambda u: u.meeting.id, required=True)
    team = fields.String(required=True)
    tasks = fields.List(fields.Nested(schemas.TaskSummary), required=True)


class FamilyUpdate(schemas.Schema):
    task_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    data = fields.Dict(keys=fields.String(), required=True)


class TeamUpdateBody(schemas.Schema):
    updates = fields.List(fields.Nested(FamilyUpdate), required=True,
                          validate=validate.Length(min=1, max=MAX_FAMILIES))


class TeamUpdateDone(schemas.Schema):
    completed = fields.List(fields.Nested(schemas.TaskSummary), required=True)


@blp.route("/meetings/<string:meeting_id>/team-update")
class TeamUpdate(MethodView):
    @blp.arguments(TeamQuery, location="query")
    @blp.response(200, TeamUpdateSchema)
    @_errors(401, 403, 404)
    def get(self, args, meeting_id):
        """The caller's team's open steps for the meeting, one per family (each audited)."""
        return team_updates.team_update(signed_in_user(), meeting_id, args["team"])

    @blp.arguments(TeamQuery, location="query")
    @blp.arguments(TeamUpdateBody)
    @blp.response(200, TeamUpdateDone)
    @_errors(401, 403, 404, 409, 422)
    def post(self, args, body, meeting_id):
        """Complete every family's step, all or nothing: 422 with errors under
        "<task id>.<field>" and none completed if any family's answers are refused."""
        user = signed_in_user()
        update = team_updates.team_update(user, meeting_id, args["team"])
        answers = {item["task_id"]: item["data"] for item in body["updates"]}
        try:
            done = team_updates.submit(user, update, answers)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return {"completed": done}

"""Absence cover, an extension of the contract's "Users and teams": a person, their team
manager or an administrator records who covers the person's work while they are away."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.api.errors import error_responses
from app.extensions import db
from app.security import signed_in_user
from app.services import absences
from app.services.errors import NotFound

blp = ApiBlueprint("absences", __name__, url_prefix="/api/v1",
                   description="Absence cover (the person, their team manager, an administrator)")
_errors = error_responses(blp)


class AbsenceSchema(schemas.Schema):
    id = fields.Function(lambda absence: str(absence.id), required=True)
    username = fields.String(required=True)
    cover = fields.String(required=True, attribute="cover_username")
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    recorded_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class NewAbsence(schemas.Schema):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    cover = fields.String(required=True, validate=validate.Length(min=1, max=80))


@blp.route("/users/<string:username>/absences")
class Absences(MethodView):
    @blp.response(200, AbsenceSchema(many=True))
    @_errors(401, 403, 404)
    def get(self, username):
        """The person's absences, the latest first."""
        return absences.list_for(signed_in_user(), username)

    @blp.arguments(NewAbsence)
    @blp.response(201, AbsenceSchema)
    @_errors(401, 403, 404, 422)
    def post(self, body, username):
        """Record an absence: from `starts_on` to `ends_on` (both included) `cover` sees,
        claims and does the person's open tasks, recorded as done for them, and gets their
        reminders. The cover must be active, in the same team and hold the person's roles."""
        absence = absences.record(signed_in_user(), username, body["starts_on"],
                                  body["ends_on"], body["cover"])
        db.session.commit()
        return absence


@blp.route("/absences/<string:absence_id>")
class OneAbsence(MethodView):
    @blp.response(204)
    @_errors(401, 403, 404)
    def delete(self, absence_id):
        """Cancel an absence: the cover stops seeing the person's work at once."""
        if not absence_id.isdigit() or len(absence_id) > 9:
            raise NotFound("No such absence")
        absences.cancel(signed_in_user(), int(absence_id))
        db.session.commit()

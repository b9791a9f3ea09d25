"""Changing running cases: moving them to another version of their diagram (process owners,
as the contract says), and repairing one case (managers and process owners; an extension of
the contract): send it back to an earlier step, skip a step, correct a recorded answer."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.api.errors import error_responses
from app.extensions import db
from app.security import signed_in_user
from app.services import migrations, repair

blp = ApiBlueprint("case_changes", __name__, url_prefix="/api/v1",
                   description="Moving running cases to a new version, and repairing a case")
_errors = error_responses(blp)
_reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class MigrationRequest(schemas.Schema):
    from_version = fields.Integer(required=True,
                                  validate=validate.Range(min=1, max=schemas.MAX_INT))
    to_version = fields.Integer(required=True, validate=validate.Range(min=1, max=schemas.MAX_INT))
    instance_ids = fields.List(fields.String(validate=validate.Length(max=32)),
                               validate=validate.Length(max=5000))
    dry_run = fields.Boolean(load_default=True)


class MigrationProblem(schemas.Schema):
    element_id = fields.String(allow_none=True)
    message = fields.String(required=True)


class MigrationLine(schemas.Schema):
    id = fields.String(required=True)
    ok = fields.Boolean(required=True)
    waiting_at = fields.List(fields.String(), required=True)
    problems = fields.List(fields.Nested(MigrationProblem), required=True)


class MigrationResult(schemas.Schema):
    dry_run = fields.Boolean(required=True)
    instances = fields.List(fields.Nested(MigrationLine), required=True)
    migrated = fields.Integer(required=True)


class SendBackBody(schemas.Schema):
    task_name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    reason = _reason


class SkipBody(schemas.Schema):
    task_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    reason = _reason


class CorrectBody(schemas.Schema):
    task_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    field = fields.String(required=True, validate=validate.Length(min=1, max=255))
    value = fields.Raw(required=True, allow_none=True)
    reason = _reason


@blp.route("/process-models/<string:key>/migrations")
class Migrations(MethodView):
    @blp.arguments(MigrationRequest)
    @blp.response(200, MigrationResult)
    @_errors(400, 401, 403, 404, 422)
    def post(self, body, key):
        """Move open cases from one version to another (process owner). A dry run says where
        each case waits and whether it can move; a real run moves each movable case in its
        own transaction and records `migrated` in its history."""
        return migrations.run(signed_in_user(), key, body["from_version"], body["to_version"],
                              body.get("instance_ids"), body["dry_run"])


@blp.route("/process-instances/<string:instance_id>/send-back")
class SendBack(MethodView):
    @blp.arguments(SendBackBody)
    @blp.response(200, schemas.Instance)
    @_errors(400, 401, 403, 404, 409, 422)
    def post(self, body, instance_id):
        """Send the case back to an earlier step (manager or process owner): that step is
        ready again with its last answers as a draft; what came after it is withdrawn."""
        instance = repair.send_back(signed_in_user(), instance_id, body["task_name"],
                                    body["reason"])
        db.session.commit()
        return instance


@blp.route("/process-instances/<string:instance_id>/skip")
class Skip(MethodView):
    @blp.arguments(SkipBody)
    @blp.response(200, schemas.Instance)
    @_errors(400, 401, 403, 404, 409, 422)
    def post(self, body, instance_id):
        """Skip an open step that cannot be done (manager or process owner): it completes
        with no answers and the case moves on."""
        instance = repair.skip(signed_in_user(), instance_id, body["task_id"], body["reason"])
        db.session.commit()
        return instance


@blp.route("/process-instances/<string:instance_id>/correct")
class Correct(MethodView):
    @blp.arguments(CorrectBody)
    @blp.response(200, schemas.Instance)
    @_errors(400, 401, 403, 404, 409, 422)
    def post(self, body, instance_id):
        """Correct one recorded answer of a completed step (manager or process owner); the
        old and new values are kept in the history."""
        instance = repair.correct(signed_in_user(), instance_id, body["task_id"], body["field"],
                                  body["value"], body["reason"])
        db.session.commit()
        return instance

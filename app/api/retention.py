"""Retention and subject access over the API (issue 20, part 5), the same rules as the
administrator's pages (app/web/retention_pages.py): cases past their pathway's retention
rule, their deletion, and the subject access ZIP of everything held about one child."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate

from app import audit
from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.api.errors import error_responses
from app.security import signed_in_user
from app.services import retention
from app.services.errors import Forbidden

blp = ApiBlueprint("retention", __name__, url_prefix="/api/v1",
                   description="Retention and subject access (administrator; auditor exports)")
_errors = error_responses(blp)


class DueCase(schemas.Schema):
    instance_id = fields.String(required=True)
    child_ref = fields.String(allow_none=True)
    process_model = fields.String(required=True, attribute="process_key")
    pathway = fields.String(required=True)
    closed_at = fields.DateTime(required=True)
    rule = fields.Dict(required=True)
    rule_words = fields.String(required=True)
    due_since = fields.DateTime(required=True)


class DuePage(schemas.Schema):
    items = fields.List(fields.Nested(DueCase), required=True)
    total = fields.Integer(required=True)


class DeletionRequest(schemas.Schema):
    instance_ids = fields.List(fields.String(validate=validate.Length(max=32)), required=True,
                               validate=validate.Length(min=1, max=200))


class DeletionResult(schemas.Schema):
    deleted = fields.List(fields.String(), required=True)
    not_deleted = fields.List(fields.String(), required=True)


class SubjectQuery(schemas.Schema):
    child_ref = fields.String(required=True, validate=validate.Length(min=1, max=80))


def _deleter():
    user = signed_in_user()
    if not retention.may_delete(user):
        raise Forbidden("Only an administrator manages retention")
    return user


@blp.route("/retention/due")
class RetentionDue(MethodView):
    @blp.arguments(schemas.PageQuery, location="query")
    @blp.response(200, DuePage)
    @_errors(401, 403, 422)
    def get(self, args):
        """Closed cases past their pathway's retention rule, waiting for an administrator to
        confirm their deletion (found each day by the scheduler), oldest first."""
        _deleter()
        rows = retention.due_list()
        audit.note_list("retention_due", [row["child_ref"] for row in rows])
        start = (args["page"] - 1) * args["per_page"]
        return {"items": rows[start:start + args["per_page"]], "total": len(rows)}


@blp.route("/retention/deletions")
class RetentionDeletions(MethodView):
    @blp.arguments(DeletionRequest)
    @blp.response(200, DeletionResult)
    @_errors(401, 403, 422)
    def post(self, body):
        """Delete the listed cases' records (each in its own transaction), keeping an
        anonymised trace; a case not listed as due is left alone and named in
        `not_deleted`."""
        deleted = retention.delete(_deleter(), body["instance_ids"])
        return {"deleted": deleted,
                "not_deleted": [i for i in dict.fromkeys(body["instance_ids"])
                                if i not in deleted]}


@blp.route("/subject-access")
class SubjectAccess(MethodView):
    @blp.arguments(SubjectQuery, location="query")
    @blp.response(200, description="A ZIP of everything held about the child",
                  content_type="application/zip")
    @blp.doc(responses={"200": {"description": "A ZIP of everything held about the child",
                                "content": {"application/zip": {"schema": {
                                    "type": "string", "format": "binary"}}}}})
    @_errors(401, 403, 404, 422)
    def get(self, args):
        """Everything held about one child (administrator or auditor); the export is
        audited. 404 when nothing is held."""
        # Imported here: the export tells the case's story as the case page does (app/web),
        # and app.web imports this package's `api` as it loads.
        from app.web import subject_access  # noqa: PLC0415
        content = subject_access.export(signed_in_user(), args["child_ref"])
        return Response(content, mimetype="application/zip", headers={
            "Content-Disposition": 'attachment; filename="subject-access.zip"'})

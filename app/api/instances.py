"""Process instances: start, list, read, history, and manager controls."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from marshmallow import fields

from app import audit
from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.api.errors import error_responses
from app.api.paging import paginate
from app.extensions import db
from app.security import signed_in_user
from app.services import documents, history, instances, panels
from app.services.errors import Invalid

blp = ApiBlueprint("process_instances", __name__, url_prefix="/api/v1/process-instances",
                description="Running and finished pathways")


_errors = error_responses(blp)


@blp.route("")
class Instances(MethodView):
    @blp.arguments(schemas.InstanceQuery, location="query")
    @blp.response(200, schemas.InstancePage)
    @_errors(401, 422)
    def get(self, args):
        """Instances the caller may see, newest first."""
        user = signed_in_user()
        query = instances.query_visible(
            user, args.get("process_model"), args.get("status"), args.get("child_ref"),
            args["overdue"], args.get("team"))
        page = paginate(query, args["page"], args["per_page"])
        for instance in page["items"]:  # a list shows each child's name and data
            audit.note("instance", instance.id, instance.child_ref)
        return page

    @blp.arguments(schemas.InstanceStart)
    @blp.response(201, schemas.Instance)
    @_errors(400, 401, 403, 422)
    def post(self, body):
        """Start a pathway; the caller needs the role of the start event's lane."""
        user = signed_in_user()
        instance = instances.start(user, body["process_model"], body["subject"], body["data"],
                                   body.get("allocated_worker"))
        db.session.commit()
        return instance


@blp.route("/<string:instance_id>")
class InstanceView(MethodView):
    @blp.response(200, schemas.Instance)
    @_errors(401, 404)
    def get(self, instance_id):
        """One instance with its tasks, ready and completed, and its panel listing."""
        instance = instances.get_visible(signed_in_user(), instance_id)
        item = panels.current_listing(instance.id)
        instance.listing = (None if item is None else
                            {"meeting_id": item.meeting_id, "starts_at": item.meeting.starts_at})
        return instance


class DocumentSummary(schemas.Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "a letter's template, or upload"})
    title = fields.String(required=True)
    filename = fields.String(required=True)
    media_type = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    field = fields.String(allow_none=True, metadata={"description": "the form field"})
    task_id = fields.String(allow_none=True, metadata={"description": "the step that added it"})
    uploaded_by = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    version = fields.Integer(required=True)
    replaces_id = fields.String(allow_none=True)
    superseded_at = fields.DateTime(allow_none=True)


_UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["field", "file"],
    "properties": {"field": {"type": "string", "description": "the form's document field"},
                   "file": {"type": "string", "format": "binary",
                            "description": "PDF, Word (.docx), PNG or JPEG"}}}}}}


@blp.route("/<string:instance_id>/documents")
class Documents(MethodView):
    @blp.response(200, DocumentSummary(many=True))
    @_errors(401, 404)
    def get(self, instance_id):
        """Documents kept with the case: letters, and uploads with every earlier version."""
        instance = instances.get_visible(signed_in_user(), instance_id)
        return documents.for_instance(instance.id)

    @blp.doc(requestBody=_UPLOAD)
    @blp.response(201, DocumentSummary)
    @_errors(401, 403, 404, 409, 413, 415, 422)
    def post(self, instance_id):
        """Upload a file into a document field of the case's open step (multipart: `field`
        and `file`); a second upload to the same field is a new version. Then complete the
        step with the returned id as the field's answer."""
        user = signed_in_user()
        field, upload = request.form.get("field", "").strip(), request.files.get("file")
        errors = {}
        if not field:
            errors["field"] = ["Name the form's document field, for example "
                               "case_summary_document"]
        if upload is None:
            errors["file"] = ["Attach the file as the multipart part named file"]
        if errors:
            instances.get_visible(user, instance_id)  # an unseen case is 404 whatever was sent
            raise Invalid("Send a multipart/form-data body with field and file", errors)
        document = documents.upload(user, instance_id, field, upload.filename, upload.read())
        db.session.commit()
        return document


@blp.route("/<string:instance_id>/history")
class History(MethodView):
    @blp.response(200, schemas.HistoryEntry(many=True))
    @_errors(401, 404)
    def get(self, instance_id):
        """Who did what and when, oldest first."""
        instance = instances.get_visible(signed_in_user(), instance_id)
        return history.for_instance(instance.id)


def _control(action):
    @blp.arguments(schemas.ReasonBody, required=False)
    @blp.response(200, schemas.Instance)
    @_errors(401, 403, 404, 409)
    def post(self, body, instance_id):
        user = signed_in_user()
        if action in (instances.resume, instances.retry):
            instance = action(user, instance_id)
        else:
            instance = action(user, instance_id, (body or {}).get("reason"))
        db.session.commit()
        return instance
    post.__doc__ = f"{action.__name__.capitalize()} an instance (manager or process owner)."
    return post


@blp.route("/<string:instance_id>/suspend")
class Suspend(MethodView):
    post = _control(instances.suspend)


@blp.route("/<string:instance_id>/resume")
class Resume(MethodView):
    post = _control(instances.resume)


@blp.route("/<string:instance_id>/terminate")
class Terminate(MethodView):
    post = _control(instances.terminate)


@blp.route("/<string:instance_id>/team")
class Team(MethodView):
    @blp.arguments(schemas.TeamBody)
    @blp.response(200, schemas.Instance)
    @_errors(401, 403, 404, 409, 422)
    def post(self, body, instance_id):
        """Hand the case to another team (team manager or above); recorded in its history."""
        instance = instances.change_team(signed_in_user(), instance_id, body["team"])
        db.session.commit()
        return instance


@blp.route("/<string:instance_id>/allocated-worker")
class AllocatedWorker(MethodView):
    @blp.arguments(schemas.AllocatedWorkerBody)
    @blp.response(200, schemas.Instance)
    @_errors(401, 403, 404, 409, 422)
    def put(self, body, instance_id):
        """Allocate the case to another social worker of its team (a manager of its team or
        service); their open "child's social worker" steps move to them. In its history."""
        instance = instances.change_allocated_worker(signed_in_user(), instance_id,
                                                     body["allocated_worker"])
        db.session.commit()
        return instance


@blp.route("/<string:instance_id>/retry")
class Retry(MethodView):
    post = _control(instances.retry)
